package mockserver

import (
	"encoding/json"
	"net/url"
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/linkdesk/linkdesk/pairing"
)

// redacted replaces every secret in the journal.
const redacted = "[redacted]"

// secretKeys are JSON members whose string values are secrets wherever they
// appear: passwords (sign-in, password change), codes, tokens. They are kept
// folded (foldKey), as the decoder compares them.
var secretKeys = foldedSet("password", "old", "new", "code", "token", "phone_token", "secret")

// payloadKey is the member holding a QR payload, folded.
var payloadKey = foldKey("payload")

func foldedSet(names ...string) map[string]bool {
	out := make(map[string]bool, len(names))
	for _, n := range names {
		out[foldKey(n)] = true
	}
	return out
}

// foldKey is how encoding/json compares a member name with a field's name
// when they differ (its foldName): ASCII upper-cased, every other letter
// ToUpper(ToLower(r)). So "paſſword" (U+017F) and "PASSWORD" both fold to
// "PASSWORD", and both are read as the password; the journal must hide both.
func foldKey(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			out = append(out, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		out = utf8.AppendRune(out, unicode.ToUpper(unicode.ToLower(r)))
		i += n
	}
	return string(out)
}

// redactJSON returns body with every secret replaced, or a note instead of a
// body that is not JSON (it cannot be redacted reliably, so it is not kept).
func redactJSON(body []byte) json.RawMessage {
	if len(body) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		note, _ := json.Marshal("(not JSON, " + strconv.Itoa(len(body)) + " bytes, not kept)") // marshalling a string cannot fail
		return note
	}
	out, err := json.Marshal(redactValue(v, ""))
	if err != nil {
		return nil
	}
	return out
}

// redactValue walks v; parent is the member name v sits under.
func redactValue(v any, parent string) any {
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			t[k] = redactMember(k, child, parent)
		}
		return t
	case []any:
		for i, child := range t {
			t[i] = redactValue(child, parent)
		}
		return t
	}
	return v
}

func redactMember(key string, v any, parent string) any {
	s, isString := v.(string)
	folded := foldKey(key)
	switch {
	case !isString:
		return redactValue(v, key)
	case folded == payloadKey:
		return redactQRPayload(s)
	case key == "code" && parent == "error":
		return s // the server's own error code such as "invalid_code" (exact spelling), not a secret
	case secretKeys[folded]:
		return redacted
	}
	return s
}

// redactQRPayload keeps the login ID of a QR payload and hides its secret;
// anything unparsable is hidden whole.
func redactQRPayload(s string) string {
	p, err := pairing.ParseQR(s)
	if err != nil {
		return redacted
	}
	return pairing.QRScheme + "://link?v=" + pairing.QRVersion + "&l=" + url.QueryEscape(p.LoginID) + "&s=" + redacted
}
