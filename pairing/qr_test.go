package pairing_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/pairing"
)

// secret16 is a fixed 128-bit secret for table cases.
var secret16 = []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0xff}

var secret16Enc = base64.RawURLEncoding.EncodeToString(secret16)

// qrCases is the table of TestParseQR and the seed corpus of FuzzParseQR.
var qrCases = []struct {
	name    string
	in      string
	wantID  string // empty: an error is expected
	wantMsg string // substring of the error message
}{
	{"canonical", "linkdesk://link?v=1&l=lg_abc-123&s=" + secret16Enc, "lg_abc-123", ""},
	{"fields in another order", "linkdesk://link?s=" + secret16Enc + "&l=abc&v=1", "abc", ""},
	{"trailing slash", "linkdesk://link/?v=1&l=abc&s=" + secret16Enc, "abc", ""},
	{"surrounding whitespace from a scanner", " linkdesk://link?v=1&l=abc&s=" + secret16Enc + "\n", "abc", ""},
	{"upper-case scheme", "LINKDESK://link?v=1&l=abc&s=" + secret16Enc, "abc", ""},
	{"empty", "", "", "not a Linkdesk link"},
	{"web link", "https://link?v=1&l=abc&s=" + secret16Enc, "", "not a Linkdesk link"},
	{"other host", "linkdesk://evil?v=1&l=abc&s=" + secret16Enc, "", "not a Linkdesk link"},
	{"path", "linkdesk://link/x?v=1&l=abc&s=" + secret16Enc, "", "not a Linkdesk link"},
	{"user info", "linkdesk://u:p@link?v=1&l=abc&s=" + secret16Enc, "", "not a Linkdesk link"},
	{"fragment", "linkdesk://link?v=1&l=abc&s=" + secret16Enc + "#x", "", "not a Linkdesk link"},
	{"opaque", "linkdesk:link?v=1&l=abc&s=" + secret16Enc, "", "not a Linkdesk link"},
	{"bad escape", "linkdesk://link?v=1&l=%zz&s=" + secret16Enc, "", "malformed query"},
	{"semicolon separator", "linkdesk://link?v=1;l=abc&s=" + secret16Enc, "", "malformed query"},
	{"missing version", "linkdesk://link?l=abc&s=" + secret16Enc, "", "missing version"},
	{"future version", "linkdesk://link?v=2&l=abc&s=" + secret16Enc, "", "unsupported version"},
	{"repeated login id", "linkdesk://link?v=1&l=abc&l=def&s=" + secret16Enc, "", `repeated field "l"`},
	{"unknown field", "linkdesk://link?v=1&l=abc&x=1&s=" + secret16Enc, "", `unknown field "x"`},
	{"unprintable unknown field", "linkdesk://link?v=1&l=abc&%00=1&s=" + secret16Enc, "", "unknown field (unprintable)"},
	{"empty field name", "linkdesk://link?v=1&l=abc&=0&s=" + secret16Enc, "", "unknown field (empty)"},
	{"missing login id", "linkdesk://link?v=1&s=" + secret16Enc, "", "missing login id"},
	{"login id with a space", "linkdesk://link?v=1&l=a%20b&s=" + secret16Enc, "", "invalid login id"},
	{"login id too long", "linkdesk://link?v=1&l=" + strings.Repeat("a", 65) + "&s=" + secret16Enc, "", "invalid login id"},
	{"missing secret", "linkdesk://link?v=1&l=abc", "", "missing secret"},
	{"short secret", "linkdesk://link?v=1&l=abc&s=" + secret16Enc[:21], "", "wrong length"},
	{"padded secret", "linkdesk://link?v=1&l=abc&s=" + base64.URLEncoding.EncodeToString(secret16), "", "wrong length"},
	{"standard base64 alphabet", "linkdesk://link?v=1&l=abc&s=" + strings.Repeat("+", 22), "", "not base64url"},
	{"non-zero trailing bits", "linkdesk://link?v=1&l=abc&s=AAAAAAAAAAAAAAAAAAAAAB", "", "not base64url"},
	{"over-long payload", "linkdesk://link?v=1&l=abc&s=" + secret16Enc + "&" + strings.Repeat("x", 300), "", "too long"},
	{"NUL inside", "linkdesk://link?v=1&l=abc\x00&s=" + secret16Enc, "", "not a URL"},
}

func TestParseQR(t *testing.T) {
	for _, tc := range qrCases {
		t.Run(tc.name, func(t *testing.T) {
			// When a scanned payload is parsed
			p, err := pairing.ParseQR(tc.in)

			// Then valid ones yield the login id and secret, others a
			// CodeInvalidQR error naming the problem but never the secret.
			if tc.wantID != "" {
				if err != nil {
					t.Fatalf("ParseQR: %v", err)
				}
				if p.LoginID != tc.wantID || !bytes.Equal(p.Secret, secret16) {
					t.Fatalf("got id %q secret %x, want %q %x", p.LoginID, p.Secret, tc.wantID, secret16)
				}
				return
			}
			var pe *pairing.Error
			if !errors.As(err, &pe) || pe.Code != pairing.CodeInvalidQR {
				t.Fatalf("err = %v, want *Error %s", err, pairing.CodeInvalidQR)
			}
			if !strings.Contains(pe.Message, tc.wantMsg) {
				t.Errorf("message %q does not say %q", pe.Message, tc.wantMsg)
			}
			if strings.Contains(err.Error(), secret16Enc[:8]) {
				t.Errorf("error %q contains the secret", err)
			}
		})
	}
}

func TestQRPayloadStringRoundTrips(t *testing.T) {
	// Given a payload as the server makes it
	in := pairing.QRPayload{LoginID: "lg_Z9-x", Secret: secret16}
	// When it is encoded and parsed again
	out, err := pairing.ParseQR(in.String())
	// Then nothing changed, and the encoding is exactly the documented form.
	if err != nil {
		t.Fatal(err)
	}
	if out.LoginID != in.LoginID || !bytes.Equal(out.Secret, in.Secret) {
		t.Fatalf("round trip changed %+v into %+v", in, out)
	}
	if want := "linkdesk://link?v=1&l=lg_Z9-x&s=" + secret16Enc; in.String() != want {
		t.Fatalf("String() = %q, want %q", in.String(), want)
	}
}

// qrMessage matches every message ParseQR may produce: fixed texts and field
// names that passed safeName. Nothing else of the input may appear.
var qrMessage = regexp.MustCompile(`^(payload too long|not a URL|not a Linkdesk link|malformed query|` +
	`(repeated|unknown) field ("[A-Za-z0-9_-]{1,16}"|\(unprintable\)|\(empty\))|missing version|unsupported version|` +
	`missing login id|invalid login id|missing secret|secret has the wrong length|secret is not base64url)$`)

func FuzzParseQR(f *testing.F) {
	for _, tc := range qrCases {
		f.Add(tc.in)
	}
	f.Add("linkdesk://link?v=1&l=" + strings.Repeat("%", 200))
	f.Add("linkdesk://[::1]:80?v=1")
	f.Add("linkdesk://link?v=1&l=abc&s=" + secret16Enc + "&v=1")
	f.Add("\xff\xfe linkdesk://link")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := pairing.ParseQR(s)
		if err != nil {
			var pe *pairing.Error
			if !errors.As(err, &pe) || pe.Code != pairing.CodeInvalidQR {
				t.Fatalf("err = %#v, want *Error %s", err, pairing.CodeInvalidQR)
			}
			if !qrMessage.MatchString(pe.Message) {
				t.Fatalf("unexpected message %q (it may echo the input)", pe.Message)
			}
			return
		}
		if len(p.Secret) != pairing.QRSecretBytes || p.LoginID == "" || len(p.LoginID) > pairing.MaxLoginIDLen {
			t.Fatalf("accepted a payload with id %q and %d-byte secret", p.LoginID, len(p.Secret))
		}
		enc := p.String()
		q, err := pairing.ParseQR(enc)
		if err != nil {
			t.Fatalf("String() of an accepted payload does not parse: %v", err)
		}
		if q.LoginID != p.LoginID || !bytes.Equal(q.Secret, p.Secret) || q.String() != enc {
			t.Fatalf("round trip changed the payload")
		}
	})
}
