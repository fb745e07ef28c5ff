package ui

import (
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"github.com/linkdesk/linkdesk/pairing"
)

// codeEntry is the security-code field: it takes digits only (full-width
// digits become ASCII, spaces and dashes are skipped), at most length of
// them, replaces its text when a whole code is pasted, and reports Esc.
type codeEntry struct {
	widget.Entry
	length      int
	onEscape    func()
	onSwitchTab func() // Ctrl+Tab while typing the code
}

func newCodeEntry(length int, onEscape func()) *codeEntry {
	if length <= 0 {
		length = pairing.DefaultCodeLength
	}
	e := &codeEntry{length: length, onEscape: onEscape}
	e.ExtendBaseWidget(e)
	e.TextStyle = fyne.TextStyle{Monospace: true}
	return e
}

// TypedRune keeps digits and drops everything else, so "482 913",
// "482-913" and "４８２９１３" all end up as 482913.
func (e *codeEntry) TypedRune(r rune) {
	d, err := pairing.NormalizeCode(string(r), 0)
	if err != nil {
		return // a separator or a letter: skipped, the person keeps typing
	}
	if utf8.RuneCountInString(e.Text) >= e.length && e.SelectedText() == "" {
		return
	}
	e.Entry.TypedRune(rune(d[0]))
}

// TypedShortcut cleans pasted text the same way; a pasted whole code
// replaces what was there, so pasting twice does not make a longer code.
func (e *codeEntry) TypedShortcut(s fyne.Shortcut) {
	if isSwitchTab(s) && e.onSwitchTab != nil {
		e.onSwitchTab()
		return
	}
	paste, ok := s.(*fyne.ShortcutPaste)
	if !ok || paste.Clipboard == nil {
		e.Entry.TypedShortcut(s)
		return
	}
	digits, err := pairing.NormalizeCode(paste.Clipboard.Content(), 0)
	if err != nil {
		return // not a code: nothing sensible to insert
	}
	if len(digits) == e.length {
		setText(&e.Entry, digits)
		return
	}
	for _, r := range digits {
		e.TypedRune(r)
	}
}

// TypedKey turns Esc into cancel; other keys edit as usual.
func (e *codeEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && e.onEscape != nil {
		e.onEscape()
		return
	}
	e.Entry.TypedKey(k)
}

// escButton is a button that also reports Esc while it has the focus, so
// Esc cancels wherever Tab has moved the focus on the verify screen.
type escButton struct {
	widget.Button
	onEscape func()
}

func newEscButton(label string, tapped, onEscape func()) *escButton {
	b := &escButton{onEscape: onEscape}
	b.Text = label
	b.OnTapped = tapped
	b.ExtendBaseWidget(b)
	return b
}

// TypedKey turns Esc into cancel; Space still presses the button.
func (b *escButton) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && b.onEscape != nil {
		b.onEscape()
		return
	}
	b.Button.TypedKey(k)
}

// switchTabKeys are Ctrl+Tab and Ctrl+Shift+Tab, which move between tabs in
// Windows (and most desktops'); fyne's tabs take no keyboard focus themselves.
var switchTabKeys = []*desktop.CustomShortcut{
	{KeyName: fyne.KeyTab, Modifier: fyne.KeyModifierControl},
	{KeyName: fyne.KeyTab, Modifier: fyne.KeyModifierControl | fyne.KeyModifierShift},
}

// isSwitchTab tells whether s is one of switchTabKeys.
func isSwitchTab(s fyne.Shortcut) bool {
	for _, k := range switchTabKeys {
		if s.ShortcutName() == k.ShortcutName() {
			return true
		}
	}
	return false
}

// setText replaces an entry's text and drops any selection: fyne 2.7 keeps
// a selection across SetText, and the next key typed would then be lost.
func setText(e *widget.Entry, text string) {
	e.SetText(text)
	e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEnd})
}
