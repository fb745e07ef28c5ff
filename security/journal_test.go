package security

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver/mocktest"
)

// Go's JSON decoder matches member names case-insensitively with Unicode
// folding (ſ is s, K is k), so "paſſword" or "PAYLOAD" would be read as the
// password or the QR payload. The server refuses such spellings (it reads
// only the documented names), and the request journal, which keeps refused
// requests too, hides their values all the same, and every Authorization
// value whatever its shape.

// foldedSpellings are spellings Go's decoder would read as name.
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

func TestSecretsUnderFoldedNamesAreRefusedAndNeverJournaled(t *testing.T) {
	r := newRig(t)
	email, password := r.account("folded")
	phone := r.phoneToken(email, password)
	resp := r.Do("POST", "/v1/logins", pairing.LoginRequest{Email: email, Password: password, Device: device(1)})
	var pl pairing.PendingLogin
	if resp.Status != http.StatusCreated || json.Unmarshal(resp.Body, &pl) != nil {
		t.Fatalf("sign-in: %d %s", resp.Status, resp.Body)
	}
	const newPassword = "N3w-Folded-Passw0rd"
	secrets := []string{password, pl.QR.Payload[strings.LastIndex(pl.QR.Payload, "s=")+2:], newPassword, phone}

	refused := func(what string, resp *mocktest.Response) {
		t.Helper()
		if resp.Status != http.StatusBadRequest || resp.ErrorCode() != pairing.CodeBadRequest {
			t.Errorf("%s: %d %s, want 400 bad_request", what, resp.Status, resp.Body)
		}
	}
	// Given secrets sent under every spelling the decoder would fold to theirs,
	for _, key := range foldedSpellings("password") {
		refused("sign-in with "+key, r.Do("POST", "/v1/logins",
			`{"email":"`+email+`",`+jsonKey(key)+`:"`+password+`","device":`+deviceJSON(t, 2)+`}`))
		refused("phone sign-in with "+key, r.Do("POST", "/phone/v1/signin", `{"email":"`+email+`",`+jsonKey(key)+`:"`+password+`"}`))
	}
	for _, key := range foldedSpellings("payload") {
		refused("scan with "+key, r.Do("POST", "/phone/v1/qr/scan", `{`+jsonKey(key)+`:"`+pl.QR.Payload+`"}`, "Authorization", "Bearer "+phone))
	}
	refused("password change with OLD/NEW", r.Do("POST", "/phone/v1/password",
		`{"OLD":"`+password+`","NEW":"`+newPassword+`","old":"x","new":"y"}`, "Authorization", "Bearer "+phone))
	// and Authorization headers of every shape,
	for _, value := range []string{phone, "Bearer\t" + phone, "bearer  " + phone, "Basic " + phone, "Token=" + phone} {
		r.Do("GET", "/phone/v1/link", nil, "Authorization", value)
	}

	// then neither the journal nor the log shows any of them.
	journal := string(r.Do("GET", "/mock/v1/requests", nil).Body)
	logs := r.Log.String()
	for _, secret := range secrets {
		if strings.Contains(journal, secret) || strings.Contains(journal, jsonEscaped(secret)) {
			t.Errorf("the journal shows the secret %.6s…", secret)
		}
		if strings.Contains(logs, secret) {
			t.Errorf("the log shows the secret %.6s…", secret)
		}
	}
	if strings.Count(journal, "[redacted]") < 10 || !strings.Contains(journal, "/phone/v1/qr/scan") {
		t.Error("the journal lost the refused requests themselves")
	}
	// The QR code was never scanned.
	for _, p := range r.phoneLink(t, phone).Pending {
		if p.LoginID == pl.LoginID && p.Scanned {
			t.Error("a refused scan marked the login scanned")
		}
	}
}

func (r *rig) phoneLink(t *testing.T, phone string) pairing.LinkScreen {
	t.Helper()
	var ls pairing.LinkScreen
	resp := r.Do("GET", "/phone/v1/link", nil, "Authorization", "Bearer "+phone)
	if resp.Status != http.StatusOK || json.Unmarshal(resp.Body, &ls) != nil {
		t.Fatalf("link screen: %d %s", resp.Status, resp.Body)
	}
	return ls
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
