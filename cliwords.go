package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/jeandeaual/go-locale"

	"github.com/linkdesk/linkdesk/app"
	"github.com/linkdesk/linkdesk/assets"
)

// say prints the words of the command line: every sentence comes from
// assets/en.json or ko.json, like the window's.
type say struct {
	words *assets.Words
}

// newSay speaks lang ("en", "ko"); "" follows the system's language.
func newSay(lang string) say {
	if lang == "" {
		lang = systemLanguage()
	}
	w, err := assets.LoadWords(lang)
	if err != nil {
		w, _ = assets.LoadWords("en") // embedded and tested: it loads
	}
	return say{words: w}
}

// systemLanguage is "ko" on a Korean system, else "en".
func systemLanguage() string {
	tag, err := locale.GetLanguage()
	if err == nil && strings.HasPrefix(strings.ToLower(tag), "ko") {
		return "ko"
	}
	return "en"
}

// text is the text of key with its parameters, given as name, value pairs.
func (s say) text(key string, params ...any) string {
	var data map[string]any
	if len(params) > 0 {
		data = make(map[string]any, len(params)/2)
		for i := 0; i+1 < len(params); i += 2 {
			data[fmt.Sprint(params[i])] = params[i+1]
		}
	}
	return s.words.Text(key, data)
}

// line prints the text of key and a new line.
func (s say) line(w io.Writer, key string, params ...any) {
	fmt.Fprintln(w, s.text(key, params...))
}

// problem writes what went wrong with err and what to do, as the window
// would say it, followed by the technical detail for support.
func (s say) problem(err error, server string) string {
	p := app.ProblemFor(err, server)
	message, action := p.Text(s.words)
	return strings.TrimSpace(message+" "+action) + " (" + p.Err.Error() + ")"
}
