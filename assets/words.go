package assets

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"text/template"
)

// Words are the message texts of one language, read from its translation
// file: the command line and the support report render with them, the
// window through fyne's lang package from the same files.
type Words struct {
	texts map[string]string
}

// LoadWords reads the texts of language tag ("en", "ko").
func LoadWords(tag string) (*Words, error) {
	b, err := Translations.ReadFile(tag + ".json")
	if err != nil {
		return nil, fmt.Errorf("no translations for %q (choose en or ko)", tag)
	}
	w := &Words{}
	if err := json.Unmarshal(b, &w.texts); err != nil {
		return nil, fmt.Errorf("reading the %s translations: %w", tag, err)
	}
	return w, nil
}

// Text returns the text of key with params filled into its template (the
// go-i18n syntax fyne uses: {{.Name}}); a key without text comes back as
// the key itself, and a parameter that is missing shows as "(?)".
func (w *Words) Text(key string, params map[string]any) string {
	text, ok := w.texts[key]
	if !ok {
		return key
	}
	if !strings.Contains(text, "{{") {
		return text
	}
	t, err := template.New(key).Option("missingkey=zero").Parse(text)
	if err != nil {
		return text // the texts are ours and tested; show them raw rather than nothing
	}
	var b bytes.Buffer
	if err := t.Execute(&b, params); err != nil {
		return text
	}
	return strings.ReplaceAll(b.String(), "<no value>", "(?)")
}
