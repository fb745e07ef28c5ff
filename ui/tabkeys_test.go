package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"github.com/linkdesk/linkdesk/app"
)

func TestCtrlTabMovesBetweenTheCodeAndTheQRCode(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	v := h.toVerify()
	ctrlTab := &desktop.CustomShortcut{KeyName: fyne.KeyTab, Modifier: fyne.KeyModifierControl}
	if h.win.Canvas().Focused() != v.code {
		t.Fatalf("focus %T on arrival, want the code field", h.win.Canvas().Focused())
	}

	// When the person presses Ctrl+Tab in the code field,
	h.act(func() { v.code.TypedShortcut(ctrlTab) })

	// then the QR tab shows, the core follows, and typing no longer lands in the hidden code field.
	h.waitFor("the QR method", func() bool { return h.core.State().Method == app.MethodQR })
	if v.tabs.Selected() != v.qrTab || h.win.Canvas().Focused() != nil {
		t.Fatalf("after Ctrl+Tab: tab %q, focus %T; want the QR tab and no focus", v.tabs.Selected().Text, h.win.Canvas().Focused())
	}

	// When they press Ctrl+Shift+Tab with nothing focused (the window gets it),
	back := &desktop.CustomShortcut{KeyName: fyne.KeyTab, Modifier: fyne.KeyModifierControl | fyne.KeyModifierShift}
	h.act(func() { h.win.Canvas().(fyne.Shortcutable).TypedShortcut(back) })

	// then the code tab is back with the focus in the code field.
	h.waitFor("the code method", func() bool { return h.core.State().Method == app.MethodCode })
	if v.tabs.Selected() != v.codeTab || h.win.Canvas().Focused() != v.code {
		t.Fatalf("after Ctrl+Shift+Tab: tab %q, focus %T; want the code tab and its field", v.tabs.Selected().Text, h.win.Canvas().Focused())
	}
}
