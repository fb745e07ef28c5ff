package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Keys that switch the verify screen between its code and QR tabs: Tab moves
// between fields and buttons only, so the tabs need keys of their own.
var (
	nextTab = &desktop.CustomShortcut{KeyName: fyne.KeyTab, Modifier: fyne.KeyModifierControl}
	prevTab = &desktop.CustomShortcut{KeyName: fyne.KeyTab, Modifier: fyne.KeyModifierControl | fyne.KeyModifierShift}
	codeTab = &desktop.CustomShortcut{KeyName: fyne.Key1, Modifier: fyne.KeyModifierAlt}
	qrTab   = &desktop.CustomShortcut{KeyName: fyne.Key2, Modifier: fyne.KeyModifierAlt}
)

// addShortcuts registers the window's keys.
func (u *UI) addShortcuts() {
	c := u.win.Canvas()
	step := func(delta int) func(fyne.Shortcut) {
		return func(fyne.Shortcut) {
			if v, ok := u.current.(*verifyScreen); ok {
				n := len(v.tabs.Items)
				v.tabs.SelectIndex((v.tabs.SelectedIndex() + delta + n) % n)
			}
		}
	}
	to := func(tab func(v *verifyScreen) *container.TabItem) func(fyne.Shortcut) {
		return func(fyne.Shortcut) {
			if v, ok := u.current.(*verifyScreen); ok {
				v.tabs.Select(tab(v))
			}
		}
	}
	c.AddShortcut(nextTab, step(1))
	c.AddShortcut(prevTab, step(-1))
	c.AddShortcut(codeTab, to(func(v *verifyScreen) *container.TabItem { return v.codeTab }))
	c.AddShortcut(qrTab, to(func(v *verifyScreen) *container.TabItem { return v.qrTab }))
}

// isWindowShortcut tells a focused field to pass s on to the window: fyne
// gives a shortcut to the focused widget, never to both.
func isWindowShortcut(s fyne.Shortcut) bool {
	for _, w := range []*desktop.CustomShortcut{nextTab, prevTab, codeTab, qrTab} {
		if s.ShortcutName() == w.ShortcutName() {
			return true
		}
	}
	return false
}

// windowShortcut runs a window shortcut typed while a field has the focus.
func (u *UI) windowShortcut(s fyne.Shortcut) {
	if c, ok := u.win.Canvas().(fyne.Shortcutable); ok {
		c.TypedShortcut(s)
	}
}

// tabKeysHint is the line that tells the keys, under the tabs.
func tabKeysHint() fyne.CanvasObject {
	l := widget.NewLabel(tr("verify.tab_keys"))
	l.Wrapping = fyne.TextWrapWord
	l.SizeName = theme.SizeNameCaptionText
	return l
}
