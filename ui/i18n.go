package ui

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"github.com/jeandeaual/go-locale"

	"github.com/linkdesk/linkdesk/assets"
)

// Language choices of the selector and of --lang. The empty choice follows
// the system locale.
const (
	langSystem  = ""
	langEnglish = "en"
	langKorean  = "ko"
)

// fyneLanguageTags are the languages fyne 2.7 ships translations for, plus
// Korean: fyne's localizer settles on one of them for the system locales.
func fyneLanguageTags() []string {
	return []string{"en", "cs", "de", "el", "es", "fr", "pl", "pt", "pt-BR", "ru", "sv", "ta", "uk", "zh-Hans", "ko"}
}

// localizerTags returns the tags fyne's localizer may settle on here: English
// (its fallback), Korean, and the fyne languages of the system locales (the
// same list fyne reads). A message missing under the chosen tag shows as its
// key, because fyne treats go-i18n's fallback to English as a failure, so
// each of these tags gets a complete set of Linkdesk messages.
func localizerTags() []string {
	tags := []string{langEnglish, langKorean}
	system, err := locale.GetLocales()
	if err != nil {
		return tags // fyne falls back to English too
	}
	bases := map[string]bool{}
	for _, l := range system {
		bases[baseLanguage(l)] = true
	}
	for _, t := range fyneLanguageTags() {
		if bases[baseLanguage(t)] && t != langEnglish && t != langKorean {
			tags = append(tags, t)
		}
	}
	return tags
}

// baseLanguage returns "pt" for "pt-BR", "pt_BR" or "pt".
func baseLanguage(tag string) string {
	if i := strings.IndexAny(tag, "-_.@"); i >= 0 {
		tag = tag[:i]
	}
	return strings.ToLower(tag)
}

// tr returns the translation of key in the current language, with data (a
// Problem's Params, for example) filled into its template. A missing key
// shows as the key itself, which the tests catch.
func tr(key string, data ...map[string]any) string {
	if len(data) > 0 && data[0] != nil {
		return lang.X(key, key, data[0])
	}
	return lang.X(key, key)
}

// validLanguage reports whether choice is one of the supported choices.
func validLanguage(choice string) bool {
	return choice == langSystem || choice == langEnglish || choice == langKorean
}

// applyLanguage makes fyne's lang package speak choice. fyne 2.7 has no call
// to pick a language, only the system locale, so the chosen language's
// messages are registered under every tag fyne may settle on; for the
// system choice Korean gets its own tag and every other language English.
// Widgets built afterwards use the new language.
func applyLanguage(choice string) error {
	if !validLanguage(choice) {
		return fmt.Errorf("unknown language %q (choose en or ko)", choice)
	}
	files := map[string][]byte{}
	for _, tag := range assets.Languages() {
		b, err := assets.Translations.ReadFile(tag + ".json")
		if err != nil {
			return fmt.Errorf("reading the %s translations: %w", tag, err)
		}
		files[tag] = b
	}
	for _, tag := range localizerTags() {
		use := choice
		if use == langSystem {
			use = langEnglish
			if _, ok := files[tag]; ok {
				use = tag
			}
		}
		if err := lang.AddTranslationsForLocale(files[use], fyne.Locale(tag)); err != nil {
			return fmt.Errorf("loading the %s translations: %w", use, err)
		}
	}
	return nil
}

// formatDateTime shows t in local time in the current language's layout.
func formatDateTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return formatTime(t.Local(), "format.datetime")
}

// formatRetryAt shows when a lock or block lifts: the time alone when it is
// today, else the day and the time ("오후 3:04", "12월 2일 오후 3:04").
func formatRetryAt(t, now time.Time) string {
	t, now = t.Local(), now.Local()
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return formatTime(t, "format.time")
	}
	return formatTime(t, "format.day_time")
}

// formatTime formats t with the Go layout under key, naming the half of the
// day in the current language: Go's layouts know only "AM" and "PM".
func formatTime(t time.Time, key string) string {
	s := t.Format(tr(key))
	if !strings.Contains(tr(key), "PM") {
		return s
	}
	half := tr("format.am")
	if t.Hour() >= 12 {
		half = tr("format.pm")
	}
	return strings.Replace(strings.Replace(s, "AM", half, 1), "PM", half, 1)
}

// formatCountdown shows a duration as m:ss, never negative.
func formatCountdown(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int((d + time.Second - 1) / time.Second) // round up: "0:00" only when it is over
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
