package pairing

import (
	"encoding/base64"
	"net/url"
	"strings"
)

// QR payload limits. A payload longer than MaxQRPayload is rejected before parsing.
const (
	QRScheme      = "linkdesk"
	QRVersion     = "1"
	QRSecretBytes = 16
	MaxQRPayload  = 256
	MaxLoginIDLen = 64
)

// QRPayload is the content of the QR code the desktop shows:
// linkdesk://link?v=1&l=<login_id>&s=<128-bit secret, base64url>.
type QRPayload struct {
	LoginID string
	Secret  []byte // QRSecretBytes long; a secret: never log it
}

// String encodes p as the canonical payload.
func (p QRPayload) String() string {
	return QRScheme + "://link?v=" + QRVersion + "&l=" + url.QueryEscape(p.LoginID) +
		"&s=" + base64.RawURLEncoding.EncodeToString(p.Secret)
}

// ParseQR parses a payload strictly: the scheme, host, version and both fields
// must be exactly as String writes them; anything else is an *Error with code
// CodeInvalidQR whose message names the problem, never the secret.
func ParseQR(s string) (QRPayload, error) {
	bad := func(msg string) (QRPayload, error) {
		return QRPayload{}, &Error{Code: CodeInvalidQR, Message: msg}
	}
	if len(s) > MaxQRPayload {
		return bad("payload too long")
	}
	s = strings.TrimSpace(s)
	u, err := url.Parse(s)
	if err != nil {
		return bad("not a URL")
	}
	if u.Scheme != QRScheme || u.Host != "link" || (u.Path != "" && u.Path != "/") || u.User != nil || u.Fragment != "" || u.Opaque != "" {
		return bad("not a Linkdesk link")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return bad("malformed query")
	}
	for k, vs := range q {
		if len(vs) != 1 {
			return bad("repeated field " + safeName(k))
		}
		switch k {
		case "v", "l", "s":
		default:
			return bad("unknown field " + safeName(k))
		}
	}
	switch v := q.Get("v"); v {
	case QRVersion:
	case "":
		return bad("missing version")
	default:
		return bad("unsupported version")
	}
	id := q.Get("l")
	if id == "" {
		return bad("missing login id")
	}
	if len(id) > MaxLoginIDLen || !isIDChars(id) {
		return bad("invalid login id")
	}
	enc := q.Get("s")
	if enc == "" {
		return bad("missing secret")
	}
	if len(enc) != base64.RawURLEncoding.EncodedLen(QRSecretBytes) {
		return bad("secret has the wrong length")
	}
	secret, err := base64.RawURLEncoding.Strict().DecodeString(enc)
	if err != nil {
		return bad("secret is not base64url")
	}
	return QRPayload{LoginID: id, Secret: secret}, nil
}

func isIDChars(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// safeName keeps a field name printable and short for an error message.
func safeName(k string) string {
	if k == "" {
		return "(empty)"
	}
	if len(k) > 16 || !isIDChars(k) {
		return "(unprintable)"
	}
	return `"` + k + `"`
}
