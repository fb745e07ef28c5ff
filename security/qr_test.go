package security

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode"

	"github.com/linkdesk/linkdesk/pairing"
)

// Someone shows the person's phone a QR code of their own making, hoping
// the phone app follows it, approves something, or echoes it somewhere. The
// strict parser's own table is pairing TestParseQR (with FuzzParseQR), and
// the scan refusals of forged and foreign payloads are pairing/mockserver
// TestScanRefusals; this table goes further (other schemes, nested links,
// look-alike characters, injection attempts, sizes up to past the body
// limit) and runs every payload both through ParseQR and through the phone's
// scan endpoint of a real server holding a real pending login.

func TestHostileQRPayloads(t *testing.T) {
	r := newRig(t)
	email, password := r.account("scanner")
	otherEmail, otherPassword := r.account("stranger")
	phone := rawPhone{r: r, token: r.phoneToken(email, password)}
	victim := r.startLogin(r.client(), email, password, device(1))
	foreign := r.startLogin(r.client(), otherEmail, otherPassword, device(2))
	vp, err := pairing.ParseQR(victim.QR.Payload)
	if err != nil {
		t.Fatal(err)
	}
	id := vp.LoginID
	sec := victim.QR.Payload[strings.LastIndex(victim.QR.Payload, "s=")+2:]
	forgedSecret := make([]byte, pairing.QRSecretBytes)
	if _, err := rand.Read(forgedSecret); err != nil {
		t.Fatal(err)
	}
	link := func(query string) string { return "linkdesk://link?" + query }
	pad := func(n int) string { return link("v=1&l="+id+"&s="+sec+"&x=") + strings.Repeat("A", n) }

	const (
		refused = iota // 400 invalid_qr
		unknown        // 404 login_not_found
		tooBig         // 413, the request body limit
	)
	cases := []struct {
		name   string
		in     string
		parses bool // ParseQR accepts the form (the server must still refuse it)
		want   int
	}{
		{"javascript URL", "javascript:alert(document.cookie)//" + victim.QR.Payload, false, refused},
		{"web link with the right fields", "https://linkdesk.example/link?v=1&l=" + id + "&s=" + sec, false, refused},
		{"data URL", "data:text/html,<script>alert(1)</script>", false, refused},
		{"file URL", "file:///etc/passwd", false, refused},
		{"Android intent", "intent://link?v=1&l=" + id + "&s=" + sec + "#Intent;scheme=linkdesk;end", false, refused},
		{"nested URL as the login id", link("v=1&l=" + url.QueryEscape("https://evil.example/?l="+id) + "&s=" + sec), false, refused},
		{"the whole link as the secret", link("v=1&l=" + id + "&s=" + url.QueryEscape(victim.QR.Payload)), false, refused},
		{"the whole link percent-encoded", url.QueryEscape(victim.QR.Payload), false, refused},
		{"user info naming the host", "linkdesk://link@evil.example?v=1&l=" + id + "&s=" + sec, false, refused},
		{"host with a port", "linkdesk://link:443?v=1&l=" + id + "&s=" + sec, false, refused},
		{"upper-case host", "linkdesk://LINK?v=1&l=" + id + "&s=" + sec, false, refused},
		{"full-width scheme", "ｌｉｎｋｄｅｓｋ://link?v=1&l=" + id + "&s=" + sec, false, refused},
		{"Cyrillic і in the scheme", "lіnkdesk://link?v=1&l=" + id + "&s=" + sec, false, refused},
		{"Cyrillic і in the host", "linkdesk://lіnk?v=1&l=" + id + "&s=" + sec, false, refused},
		{"right-to-left override after the id", link("v=1&l=" + id + "\u202e&s=" + sec), false, refused},
		{"encoded right-to-left override", link("v=1&l=" + id + "%E2%80%AE&s=" + sec), false, refused},
		{"emoji login id", link("v=1&l=🔑&s=" + sec), false, refused},
		{"encoded NUL after the id", link("v=1&l=" + id + "%00&s=" + sec), false, refused},
		{"header injection", link("v=1&l=" + id + "\r\nX-Injected: 1&s=" + sec), false, refused},
		{"JSON injection", link(`v=1&l=` + id + `","scanned":true,"x":"&s=` + sec), false, refused},
		{"invalid UTF-8", link("v=1&l=\xff\xfe&s=" + sec), false, refused},
		{"control characters only", "\t\n\v\f\r ", false, refused},
		{"second secret is the right one", link("v=1&l=" + id + "&s=AAAAAAAAAAAAAAAAAAAAAA&s=" + sec), false, refused},
		{"second login id is the victim's", link("v=1&l=lgn_decoy&l=" + id + "&s=" + sec), false, refused},
		{"version twice", link("v=1&v=1&l=" + id + "&s=" + sec), false, refused},
		{"2 KB", pad(2 << 10), false, refused},
		{"60 KB", pad(60 << 10), false, refused},
		{"70 KB, past the body limit", pad(70 << 10), false, tooBig},
		{"right login, forged secret", pairing.QRPayload{LoginID: id, Secret: forgedSecret}.String(), true, refused},
		{"another account's real code", foreign.QR.Payload, true, unknown},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// The parser: refuses (or accepts only the canonical form), never
			// echoing the input.
			_, err := pairing.ParseQR(tc.in)
			if tc.parses != (err == nil) {
				t.Fatalf("ParseQR error = %v, want parse = %v", err, tc.parses)
			}
			var pe *pairing.Error
			if err != nil && (!errors.As(err, &pe) || pe.Code != pairing.CodeInvalidQR || !plainShort(pe.Message)) {
				t.Errorf("ParseQR error %q is not a short plain invalid_qr message", err)
			}

			// The phone's scan endpoint: refuses, never 2xx or 5xx, never echoes.
			body, err := json.Marshal(map[string]string{"payload": tc.in})
			if err != nil {
				t.Fatal(err)
			}
			resp := phone.call("POST", "/phone/v1/qr/scan", body)
			switch {
			case tc.want == refused && (resp.Status != http.StatusBadRequest || resp.ErrorCode() != pairing.CodeInvalidQR),
				tc.want == unknown && (resp.Status != http.StatusNotFound || resp.ErrorCode() != pairing.CodeLoginNotFound),
				tc.want == tooBig && resp.Status != http.StatusRequestEntityTooLarge:
				t.Errorf("scan answered HTTP %d %.200s", resp.Status, resp.Body)
			}
			if strings.Contains(string(resp.Body), sec) || (len(tc.in) > 12 && strings.Contains(string(resp.Body), tc.in)) {
				t.Errorf("the scan answer echoes the payload: %.200s", resp.Body)
			}
		})
	}

	// Nothing above counted as a scan, so nothing can be approved.
	var ls pairing.LinkScreen
	if resp := phone.call("GET", "/phone/v1/link", nil); json.Unmarshal(resp.Body, &ls) != nil || len(ls.Pending) != 1 {
		t.Fatalf("link screen: %s", resp.Body)
	}
	if ls.Pending[0].Scanned {
		t.Error("a hostile payload marked the pending login scanned")
	}
	if resp := phone.call("POST", "/phone/v1/logins/"+id+"/approve", pairing.ApproveRequest{Check: "42"}); resp.Status != http.StatusConflict {
		t.Errorf("approve without a real scan: HTTP %d %s, want 409", resp.Status, resp.Body)
	}
	if len(ls.Devices) != 0 {
		t.Errorf("a desktop got signed in: %+v", ls.Devices)
	}
}

// plainShort reports whether a message is short printable ASCII: it cannot
// carry a payload back to a screen or a log.
func plainShort(s string) bool {
	if len(s) > 64 {
		return false
	}
	for _, r := range s {
		if r > unicode.MaxASCII || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}
