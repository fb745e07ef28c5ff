package pairing_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/pairing"
)

// codeCases is the table of TestNormalizeCode and the seed corpus of
// FuzzNormalizeCode.
var codeCases = []struct {
	name   string
	in     string
	length int
	want   string // empty: an error is expected
	msg    string // substring of the error message
}{
	{"typed", "482913", 6, "482913", ""},
	{"grouped as the phone shows it", "482 913", 6, "482913", ""},
	{"dashed", "482-913", 6, "482913", ""},
	{"pasted with a tab and newline-free padding", "\t482913 ", 6, "482913", ""},
	{"full-width digits from a Korean IME", "４８２９１３", 6, "482913", ""},
	{"ideographic and no-break spaces", "482\u3000913\u00a0", 6, "482913", ""},
	{"typographic dashes", "48\u20102\u20119\u201313\u2014", 6, "482913", ""},
	{"full-width hyphen", "482－913", 6, "482913", ""},
	{"any length when length is 0", "12", 0, "12", ""},
	{"too short", "48291", 6, "", "wrong number of digits"},
	{"too long", "4829130", 6, "", "wrong number of digits"},
	{"letter", "48a913", 6, "", "only digits"},
	{"Arabic-Indic digits are not accepted", "٤٨٢٩١٣", 6, "", "only digits"},
	{"newline", "482\n913", 6, "", "only digits"},
	{"empty", "", 6, "", "empty"},
	{"only spaces", "   ", 6, "", "empty"},
	{"invalid UTF-8", "482\xff913", 6, "", "not valid text"},
	{"replacement character", "482\uFFFD913", 6, "", "not valid text"},
	{"over-long paste", strings.Repeat(" ", 60) + "482913", 6, "", "too long"},
}

func TestNormalizeCode(t *testing.T) {
	for _, tc := range codeCases {
		t.Run(tc.name, func(t *testing.T) {
			// When what the person typed is normalised
			got, err := pairing.NormalizeCode(tc.in, tc.length)

			// Then the digits come out, or an error that does not echo the input.
			if tc.want != "" {
				if err != nil || got != tc.want {
					t.Fatalf("NormalizeCode(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
				}
				return
			}
			var pe *pairing.Error
			if !errors.As(err, &pe) || pe.Code != pairing.CodeInvalidFormat {
				t.Fatalf("NormalizeCode(%q) = %q, %v; want %s", tc.in, got, err, pairing.CodeInvalidFormat)
			}
			if !strings.Contains(pe.Message, tc.msg) {
				t.Errorf("message %q does not say %q", pe.Message, tc.msg)
			}
			if strings.Contains(err.Error(), "4829") || strings.Contains(err.Error(), "482913") {
				t.Errorf("error %q echoes the code", err)
			}
		})
	}
}

// codeMessages are every message NormalizeCode may produce.
var codeMessages = map[string]bool{
	"code too long": true, "code is not valid text": true, "code may contain only digits": true,
	"code is empty": true, "code has the wrong number of digits": true,
}

func FuzzNormalizeCode(f *testing.F) {
	for _, tc := range codeCases {
		f.Add(tc.in)
	}
	f.Add("\u0660\u0661") // other scripts' digits
	f.Add("１２３\xef\xbc")  // a full-width digit cut in half
	f.Add(strings.Repeat("９", 21))
	f.Fuzz(func(t *testing.T, s string) {
		out, err := pairing.NormalizeCode(s, 0)
		if err != nil {
			var pe *pairing.Error
			if !errors.As(err, &pe) || pe.Code != pairing.CodeInvalidFormat || !codeMessages[pe.Message] {
				t.Fatalf("unexpected error %#v", err)
			}
			return
		}
		if out == "" || strings.Trim(out, "0123456789") != "" {
			t.Fatalf("output %q is not digits only", out)
		}
		again, err := pairing.NormalizeCode(out, 0)
		if err != nil || again != out {
			t.Fatalf("not idempotent: %q -> %q, %v", out, again, err)
		}
		if exact, err := pairing.NormalizeCode(s, len(out)); err != nil || exact != out {
			t.Fatalf("length %d rejected its own result: %v", len(out), err)
		}
		if _, err := pairing.NormalizeCode(s, len(out)+1); err == nil {
			t.Fatalf("length %d accepted %d digits", len(out)+1, len(out))
		}
	})
}
