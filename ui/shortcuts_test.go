package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"

	"github.com/linkdesk/linkdesk/app"
)

func TestKeysSwitchBetweenCodeAndQR(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	v := h.toVerify()
	if h.win.Canvas().Focused() != v.code {
		t.Fatal("the code field does not have the focus on arrival")
	}
	window := h.win.Canvas().(fyne.Shortcutable)

	// When Ctrl+Tab is pressed in the code field, then the QR tab opens.
	h.act(func() { v.code.TypedShortcut(nextTab) })
	if v.tabs.Selected() != v.qrTab || h.core.State().Method != app.MethodQR {
		t.Fatalf("after Ctrl+Tab: tab %q, method %v", v.tabs.Selected().Text, h.core.State().Method)
	}
	// And Ctrl+Shift+Tab goes back, with the focus in the code field.
	h.act(func() { window.TypedShortcut(prevTab) })
	if v.tabs.Selected() != v.codeTab || h.win.Canvas().Focused() != v.code {
		t.Fatalf("after Ctrl+Shift+Tab: tab %q, focus %T", v.tabs.Selected().Text, h.win.Canvas().Focused())
	}
	// And Alt+2 / Alt+1 choose each tab directly.
	h.act(func() { v.code.TypedShortcut(qrTab) })
	if v.tabs.Selected() != v.qrTab {
		t.Fatalf("after Alt+2: tab %q", v.tabs.Selected().Text)
	}
	h.act(func() { window.TypedShortcut(codeTab) })
	if v.tabs.Selected() != v.codeTab || h.win.Canvas().Focused() != v.code {
		t.Fatalf("after Alt+1: tab %q, focus %T", v.tabs.Selected().Text, h.win.Canvas().Focused())
	}
	// And the screen tells the keys.
	if !strings.Contains(strings.Join(labelsIn(v.box.(*fyne.Container)), " "), "Ctrl+Tab") {
		t.Error("the verify screen does not show the keys that switch tabs")
	}
}
