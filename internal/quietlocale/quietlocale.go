// Package quietlocale makes the C and POSIX locales read as English before
// fyne's lang package reads the locale in its init. go-locale turns
// LANG=C.UTF-8 (what make and many containers set) into the language "C",
// which fyne then logs as "Error parsing user locale C" on every start.
//
// Import it for its side effect from package main. Go (1.21 and later)
// initialises packages in import-path order among those whose imports are
// ready; this package imports only os and strings, so it is initialised
// before fyne's lang package, whose imports need both.
package quietlocale

import (
	"os"
	"strings"
)

func init() {
	if v, ok := englishFor(os.Getenv); ok {
		os.Setenv("LANGUAGE", v) // only this process and its children; nothing to undo
	}
}

// englishFor tells whether the locale that go-locale would read is C or
// POSIX with an encoding or modifier (C.UTF-8, POSIX.utf8, C@x), which it
// cannot parse, and then the LANGUAGE value that makes it read English.
// Plain C and POSIX, and an unset locale, already read as English.
func englishFor(getenv func(string) string) (string, bool) {
	locale := ""
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if locale = getenv(name); locale != "" {
			break
		}
	}
	if locale == "" || locale == "C" || locale == "POSIX" || !isCLocale(locale) {
		return "", false
	}
	// go-locale reads LANGUAGE in this case; a usable one is left alone
	if l := getenv("LANGUAGE"); l != "" && !isCLocale(strings.Split(l, ":")[0]) {
		return "", false
	}
	return "en", true
}

// isCLocale reports whether the language part of a locale name is C or POSIX.
func isCLocale(locale string) bool {
	lang := locale
	if i := strings.IndexAny(lang, "._@-"); i >= 0 {
		lang = lang[:i]
	}
	return lang == "C" || lang == "POSIX"
}
