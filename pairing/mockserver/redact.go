package mockserver

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	"github.com/linkdesk/linkdesk/pairing"
)

// redacted replaces every secret in the journal.
const redacted = "[redacted]"

// secretKeys are JSON members whose string values are secrets wherever they
// appear: passwords (sign-in, password change), codes, tokens.
var secretKeys = map[string]bool{
	"password":    true,
	"old":         true,
	"new":         true,
	"code":        true,
	"token":       true,
	"phone_token": true,
	"secret":      true,
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
	switch {
	case !isString:
		return redactValue(v, key)
	case key == "payload":
		return redactQRPayload(s)
	case key == "code" && parent == "error":
		return s // an error code such as "invalid_code", not a secret
	case secretKeys[strings.ToLower(key)]:
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
