package ui

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"text/template"
	"time"
	"unicode"

	"fyne.io/fyne/v2/test"

	"github.com/linkdesk/linkdesk/app"
	"github.com/linkdesk/linkdesk/assets"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

// translations reads en.json and ko.json as the app embeds them.
func translations(t *testing.T) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	for _, tag := range assets.Languages() {
		b, err := assets.Translations.ReadFile(tag + ".json")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s.json: every value must be a plain string: %v", tag, err)
		}
		out[tag] = m
	}
	return out
}

// keyNamespaces are the first parts of Linkdesk's own message keys.
var keyNamespaces = regexp.MustCompile(`^(signin|verify|home|help|problem|demo|storage|starting|language|tray|format|error|action)\.[a-z_.]+$`)

// keysUsedByUI returns every string literal in the ui's code that looks
// like a message key, so a key typed in code but missing in a file fails.
func keysUsedByUI(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil && keyNamespaces.MatchString(s) {
					seen[s] = true
				}
			}
			return true
		})
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) < 40 {
		t.Fatalf("found only %d keys in the ui code; the scan is broken", len(keys))
	}
	return keys
}

func TestEveryKeyIsTranslatedInBothLanguages(t *testing.T) {
	files := translations(t)
	for name, keys := range map[string][]string{
		"catalogue (app.MessageKeys)": app.MessageKeys(),
		"ui code":                     keysUsedByUI(t),
	} {
		for _, k := range keys {
			for tag, m := range files {
				if strings.TrimSpace(m[k]) == "" {
					t.Errorf("%s key %q has no text in %s.json", name, k, tag)
				}
			}
		}
	}
}

func TestBothLanguagesHaveTheSameKeysAndPlaceholders(t *testing.T) {
	files := translations(t)
	field := regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)
	fields := func(s string) string {
		var out []string
		for _, m := range field.FindAllStringSubmatch(s, -1) {
			out = append(out, m[1])
		}
		sort.Strings(out)
		return strings.Join(out, ",")
	}
	en, ko := files["en"], files["ko"]
	for k, e := range en {
		kv, ok := ko[k]
		if !ok {
			t.Errorf("ko.json lacks %q", k)
			continue
		}
		if fields(e) != fields(kv) {
			t.Errorf("%q: English fills {%s}, Korean {%s}", k, fields(e), fields(kv))
		}
		for tag, text := range map[string]string{"en": e, "ko": kv} {
			if _, err := template.New(k).Parse(text); err != nil {
				t.Errorf("%s %q is not a valid template: %v", tag, k, err)
			}
		}
	}
	for k := range ko {
		if _, ok := en[k]; !ok {
			t.Errorf("en.json lacks %q", k)
		}
	}
}

func TestKoreanTextsAreKorean(t *testing.T) {
	notWords := map[string]bool{"signin.email_placeholder": true, // an example address
		"format.time": true} // a Go time layout: 오전/오후 come from format.am and format.pm
	for k, v := range translations(t)["ko"] {
		if notWords[k] {
			continue
		}
		if !strings.ContainsFunc(v, func(r rune) bool { return unicode.Is(unicode.Hangul, r) }) {
			t.Errorf("ko.json %q is not Korean: %q", k, v)
		}
	}
}

func TestEnglishCatalogueMatchesTheCLI(t *testing.T) {
	// The window and `linkdesk status` should say the same thing.
	en := translations(t)["en"]
	for _, k := range app.MessageKeys() {
		if en[k] != app.DefaultText(k) {
			t.Errorf("%q: en.json %q, app.DefaultText %q", k, en[k], app.DefaultText(k))
		}
	}
}

func TestSwitchingToKoreanRebuildsTheWindowAndIsRemembered(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.typeSignIn(mockserver.DemoEmail, "wrong-password")
	test.Type(h.signIn().password, "half-typed")

	// When the person picks 한국어 in the footer,
	h.u.langSel.SetSelected("한국어")
	h.settle()

	// then the form, its buttons and the problem are in Korean, typed text kept,
	s := h.signIn()
	if s.submit.Text != "로그인" || s.keep.Text != "로그인 상태 유지" {
		t.Errorf("sign-in button %q, check %q", s.submit.Text, s.keep.Text)
	}
	if got := h.problemText(); !strings.Contains(got, "남은 시도 횟수: 4회") {
		t.Errorf("problem panel in Korean says %q", got)
	}
	if s.email.Text != mockserver.DemoEmail || s.password.Text != "half-typed" {
		t.Errorf("typed text lost: %q / %q", s.email.Text, s.password.Text)
	}
	// and the choice is saved for the next start.
	if got := h.settings.Language(); got != langKorean {
		t.Errorf("saved language %q", got)
	}

	// Back to English, the same screen speaks English again.
	h.u.langSel.SetSelected("English")
	h.settle()
	if got := h.signIn().submit.Text; got != "Sign in" {
		t.Errorf("after switching back the button says %q", got)
	}
}

func TestTheSavedLanguageIsUsedAtStart(t *testing.T) {
	h := newHarness(t, harnessOptions{savedLanguage: langKorean})
	if got := h.signIn().submit.Text; got != "로그인" {
		t.Errorf("with Korean saved, the sign-in button says %q", got)
	}
	if got := h.u.langSel.Selected; got != "한국어" {
		t.Errorf("selector shows %q", got)
	}
}

func TestCountdownsRoundUp(t *testing.T) {
	for _, tc := range []struct {
		secs float64
		want string
	}{{180, "3:00"}, {179.2, "3:00"}, {61, "1:01"}, {0.5, "0:01"}, {0, "0:00"}, {-5, "0:00"}} {
		if got := formatCountdown(time.Duration(tc.secs * float64(time.Second))); got != tc.want {
			t.Errorf("%vs shows %q, want %q", tc.secs, got, tc.want)
		}
	}
}
