package ui

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// phoneStrings reads the phone page's texts per language from its i18n.js.
func phoneStrings(t *testing.T) map[string]map[string]string {
	t.Helper()
	src, err := os.ReadFile("../pairing/mockserver/web/static/i18n.js")
	if err != nil {
		t.Fatal(err)
	}
	en, ko, ok := strings.Cut(string(src), "\n  ko: {")
	if !ok {
		t.Fatal("i18n.js has no ko block")
	}
	pair := regexp.MustCompile(`(?m)^\s*"([^"]+)": "((?:[^"\\]|\\.)*)",?$`)
	out := map[string]map[string]string{"en": {}, "ko": {}}
	for lang, block := range map[string]string{"en": en, "ko": ko} {
		for _, m := range pair.FindAllStringSubmatch(block, -1) {
			out[lang][m[1]] = m[2]
		}
	}
	return out
}

// The desktop's instructions name the phone's screens, tabs and buttons by
// the words the phone page shows, in both languages, and the phone names
// the desktop's tab as the desktop does.
func TestDesktopAndPhoneUseTheSameWords(t *testing.T) {
	desk, phone := translationFiles(t), phoneStrings(t)
	for _, c := range []struct {
		in       string // where the name must appear: "desk:key" or "phone:key"
		name     string // the name as shown on the other screen: "phone:key" or "desk:key"
		singular bool   // the name is a plural heading ("Sign-in requests"), quoted in the singular
	}{
		{"desk:verify.code_steps", "phone:link.title", false},
		{"desk:verify.code_steps", "phone:link.codeLabel", false},
		{"desk:action.check_code", "phone:link.title", false},
		{"desk:help.open_app", "phone:link.title", false},
		{"desk:verify.qr_steps", "phone:tab.scan", false},
		{"desk:verify.qr_steps", "phone:link.pendingTitle", true},
		{"desk:action.remove_in_phone", "phone:link.title", false},
		{"desk:action.remove_in_phone", "phone:link.signout", false},
		{"desk:home.intro", "phone:link.signout", false},
		{"phone:scan.lead", "desk:verify.tab_qr", false},
		{"desk:verify.tab_keys", "desk:verify.tab_qr", false},
	} {
		for _, lang := range []string{"en", "ko"} {
			text := func(ref string) string {
				side, key, _ := strings.Cut(ref, ":")
				if side == "desk" {
					return desk[lang][key]
				}
				return phone[lang][key]
			}
			in, name := text(c.in), text(c.name)
			if c.singular && lang == "en" {
				name = strings.TrimSuffix(name, "s")
			}
			if in == "" || name == "" {
				t.Errorf("%s: %s or %s is missing", lang, c.in, c.name)
				continue
			}
			if !strings.Contains(strings.ToLower(in), strings.ToLower(name)) {
				t.Errorf("%s %s does not name %q (%s): %q", lang, c.in, name, c.name, in)
			}
		}
	}
}
