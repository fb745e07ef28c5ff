package pairing

import (
	"strings"
	"unicode/utf8"
)

// DefaultCodeLength is the number of digits of a security code.
const DefaultCodeLength = 6

// NormalizeCode turns what a person typed or pasted into the code the server
// expects: ASCII and full-width digits are kept, spaces (including the
// ideographic space), tabs and dashes are dropped; anything else is rejected.
// With length > 0 the result must have exactly that many digits.
// The error never contains the input.
func NormalizeCode(s string, length int) (string, error) {
	if len(s) > 64 {
		return "", &Error{Code: CodeInvalidFormat, Message: "code too long"}
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９':
			b.WriteRune('0' + (r - '０'))
		case r == ' ' || r == '\t' || r == '\u3000' || r == '\u00a0' || r == '-' || r == '‐' || r == '‑' || r == '–' || r == '—' || r == '－':
		case r == utf8.RuneError:
			return "", &Error{Code: CodeInvalidFormat, Message: "code is not valid text"}
		default:
			return "", &Error{Code: CodeInvalidFormat, Message: "code may contain only digits"}
		}
	}
	out := b.String()
	if out == "" {
		return "", &Error{Code: CodeInvalidFormat, Message: "code is empty"}
	}
	if length > 0 && len(out) != length {
		return "", &Error{Code: CodeInvalidFormat, Message: "code has the wrong number of digits"}
	}
	return out, nil
}

// ValidCheck reports whether s is a check number as the protocol writes
// it: exactly CheckDigits ASCII digits.
func ValidCheck(s string) bool {
	if len(s) != CheckDigits {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
