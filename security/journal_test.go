package security

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/pairing"
)

// Go's JSON decoder matches member names case-insensitively with Unicode
// folding (ſ is s, K is k), so a secret sent under "paſſword" or
// "PAYLOAD" is read as the password or the QR payload. The request journal
// must hide it all the same, and every Authorization value whatever its shape.

// foldedSpellings are spellings of name the decoder reads as name.
func foldedSpellings(name string) []string {
	out := []string{strings.ToUpper(name), strings.ToUpper(name[:1]) + name[1:]}
	if strings.Contains(name, "s") {
		out = append(out, strings.ReplaceAll(name, "s", "ſ")) // U+017F LATIN SMALL LETTER LONG S
	}
	if strings.Contains(name, "k") {
		out = append(out, strings.ReplaceAll(name, "k", "\u212a")) // KELVIN SIGN
	}
	return out
}

func TestJournalRedactsSecretsUnderEverySpellingTheDecoderAccepts(t *testing.T) {
	r := newRig(t)
	email, password := r.account("folded")
	var leaks []string // secrets the server accepted, which must not be in the journal or the log

	// Given a sign-in whose password member is spelt differently each time,
	payloadKeys := foldedSpellings("payload")
	for i, key := range foldedSpellings("password") {
		body := `{"email":"` + email + `",` + jsonKey(key) + `:"` + password + `","device":` + deviceJSON(t, 1) + `}`
		resp := r.do("POST", "/v1/logins", body)
		// the server reads it as the password (it opens a pending login),
		if resp.status != http.StatusCreated {
			t.Fatalf("%q: sign-in answered %d %s; the decoder should read it as the password", key, resp.status, resp.body)
		}
		var pl pairing.PendingLogin
		if err := json.Unmarshal(resp.body, &pl); err != nil {
			t.Fatal(err)
		}
		leaks = append(leaks, password, pl.QR.Payload[strings.LastIndex(pl.QR.Payload, "s=")+2:])

		// and the phone scans its QR code with the payload member spelt the same odd ways.
		phone := r.phoneToken(email, password)
		pk := payloadKeys[i%len(payloadKeys)]
		scan := r.do("POST", "/phone/v1/qr/scan", `{`+jsonKey(pk)+`:"`+pl.QR.Payload+`"}`, "Authorization", "Bearer "+phone)
		if scan.status != http.StatusOK {
			t.Fatalf("scan with %q answered %d %s", pk, scan.status, scan.body)
		}
		r.do("DELETE", "/v1/logins/"+pl.LoginID, nil, pairing.HeaderDevice, device(1).Fingerprint)
		leaks = append(leaks, phone)
	}
	// A password change whose members are spelt oddly is read too.
	phone := r.phoneToken(email, password)
	const newPassword = "N3w-Folded-Passw0rd"
	change := r.do("POST", "/phone/v1/password", `{"OLD":"`+password+`","NEW":"`+newPassword+`"}`, "Authorization", "Bearer "+phone)
	if change.status != http.StatusNoContent {
		t.Fatalf("password change answered %d %s", change.status, change.body)
	}
	leaks = append(leaks, newPassword, phone)
	// Authorization headers of every shape.
	for _, value := range []string{phone, "Bearer\t" + phone, "bearer  " + phone, "Basic " + phone, "Token=" + phone} {
		r.do("GET", "/phone/v1/link", nil, "Authorization", value)
	}

	journal := string(r.do("GET", "/mock/v1/requests", nil).body)
	logs := r.log.String()
	for _, secret := range leaks {
		if strings.Contains(journal, secret) || strings.Contains(journal, jsonEscaped(secret)) {
			t.Errorf("the journal shows the secret %.6s…", secret)
		}
		if strings.Contains(logs, secret) {
			t.Errorf("the log shows the secret %.6s…", secret)
		}
	}
	if !strings.Contains(journal, "[redacted]") || !strings.Contains(journal, "/phone/v1/qr/scan") {
		t.Error("the journal lost the redacted entries themselves")
	}
}

// jsonKey writes name as a JSON member name.
func jsonKey(name string) string {
	b, _ := json.Marshal(name) // marshalling a string cannot fail
	return string(b)
}

func jsonEscaped(s string) string { return strings.Trim(jsonKey(s), `"`) }

func deviceJSON(t *testing.T, n int) string {
	t.Helper()
	b, err := json.Marshal(device(n))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
