package ui

// The window's two theme overrides: bigger text for the security code, and
// the bold Korean face in front of the theme's bold face.

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
)

// koreanTheme is fyne's theme with the system's bold Hangul face in front of
// its own bold face: fyne tries a style's faces in order, so bold Hangul comes
// from the Korean face, everything else from the theme's Noto Sans Bold, and
// regular Hangul from fyne's fallback, as before.
type koreanTheme struct {
	fyne.Theme
	bold fyne.Resource // the cut Korean face (hangulfont.go)
}

func (t koreanTheme) Font(s fyne.TextStyle) fyne.Resource {
	if s.Bold && !s.Monospace && !s.Symbol {
		return t.bold
	}
	return t.Theme.Font(s)
}

// speaksKorean tells whether the language choice shows Korean text.
func speaksKorean(choice string) bool {
	if choice == langSystem {
		return baseLanguage(string(lang.SystemLocale())) == langKorean
	}
	return choice == langKorean
}

// applyFonts puts the bold Korean face in the theme while the window speaks
// Korean, and fyne's own theme otherwise. Finding and cutting the face reads
// a 17 MB font, so it runs once, in the background; the window shows
// meanwhile with fyne's fallback (regular-weight bold Hangul).
func (u *UI) applyFonts() {
	settings := u.app.Settings()
	if !speaksKorean(u.language) {
		if _, ok := settings.Theme().(koreanTheme); ok {
			settings.SetTheme(theme.DefaultTheme())
		}
		return
	}
	if u.boldHangul != nil {
		settings.SetTheme(koreanTheme{Theme: theme.DefaultTheme(), bold: u.boldHangul})
		return
	}
	if u.hangulLoading {
		return
	}
	u.hangulLoading = true
	go func() {
		bold, err := findBoldHangul()
		if err != nil {
			u.opts.Log.Warn("no bold Korean face: bold Hangul is drawn regular", "error", err.Error())
			return // hangulLoading stays set: there is nothing to find on the next switch either
		}
		u.do(func() {
			u.boldHangul = bold
			u.applyFonts()
		})
	}()
}

// bigText is the app's theme with larger text: heading size for the
// security code, or size when it is set (the check number).
type bigText struct{ size float32 }

func (bigText) base() fyne.Theme { return fyne.CurrentApp().Settings().Theme() }

func (t bigText) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	return t.base().Color(n, v)
}
func (t bigText) Font(s fyne.TextStyle) fyne.Resource     { return t.base().Font(s) }
func (t bigText) Icon(n fyne.ThemeIconName) fyne.Resource { return t.base().Icon(n) }
func (t bigText) Size(n fyne.ThemeSizeName) float32 {
	switch {
	case n == theme.SizeNameText && t.size > 0:
		return t.size
	case n == theme.SizeNameText:
		return t.base().Size(theme.SizeNameHeadingText)
	}
	return t.base().Size(n)
}
