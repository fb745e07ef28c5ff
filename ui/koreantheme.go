package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
)

// koreanTheme is fyne's theme with the system's Hangul faces in front of its
// own: fyne tries a style's faces in order, so Hangul comes from the Korean
// face of that weight and everything else from the theme's Noto Sans.
type koreanTheme struct {
	fyne.Theme
	faces hangulFaces
}

func (t koreanTheme) Font(s fyne.TextStyle) fyne.Resource {
	switch {
	case s.Monospace || s.Symbol:
		return t.Theme.Font(s)
	case s.Bold && t.faces.bold != nil:
		return t.faces.bold
	case !s.Bold && t.faces.regular != nil:
		return t.faces.regular
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

// applyFonts puts the Korean faces in the theme while the window speaks
// Korean, and fyne's own theme otherwise. Finding and cutting the faces
// reads about 35 MB of font files, so it runs once, in the background; the
// window shows meanwhile with fyne's fallback (regular-weight Hangul).
func (u *UI) applyFonts() {
	settings := u.app.Settings()
	if !speaksKorean(u.language) {
		if _, ok := settings.Theme().(koreanTheme); ok {
			settings.SetTheme(theme.DefaultTheme())
		}
		return
	}
	if u.hangul != nil {
		settings.SetTheme(koreanTheme{Theme: theme.DefaultTheme(), faces: *u.hangul})
		return
	}
	if u.hangulLoading {
		return
	}
	u.hangulLoading = true
	go func() {
		faces, err := findHangulFaces()
		if err != nil {
			u.opts.Log.Warn("Korean faces", "error", err.Error()) // what is missing draws as before
		}
		u.do(func() {
			u.hangul = &faces
			u.applyFonts()
		})
	}()
}
