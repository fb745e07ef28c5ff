package security

import (
	"context"
	"encoding/json"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/app"
	"github.com/linkdesk/linkdesk/assets"
	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver/mocktest"
)

// After a whole sign-in by code and another by QR code, with a wrong
// password, a wrong code, a new code, a stale QR code and a password change
// on the phone along the way, no secret may be readable anywhere but where
// it belongs (the token in the keychain): not in the server's request
// journal, the server's log, the desktop's settings folder, the support
// reports or the errors the desktop shows and logs. The real desktop
// process's own output is scanned the same way by the end-to-end test
// (e2e TestSignInWithCodeRestoreAndRevokeFromPhone).

// rawPhone plays the phone over raw HTTP so the test knows its token.
type rawPhone struct {
	r     *rig
	token string
}

func (p rawPhone) call(method, path string, body any) *mocktest.Response {
	return p.r.Do(method, path, body, "Authorization", "Bearer "+p.token)
}

func (p rawPhone) code(t *testing.T, loginID string) string {
	t.Helper()
	var ls pairing.LinkScreen
	resp := p.call("GET", "/phone/v1/link", nil)
	if resp.Status != http.StatusOK || json.Unmarshal(resp.Body, &ls) != nil {
		t.Fatalf("link screen: %d %s", resp.Status, resp.Body)
	}
	for _, pr := range ls.Pending {
		if pr.LoginID == loginID {
			return pr.Code
		}
	}
	t.Fatalf("the phone does not list %s", loginID)
	return ""
}

// secretSet names every secret seen in a flow.
type secretSet map[string]string

func (s secretSet) addQR(t *testing.T, name, payload string) {
	t.Helper()
	if _, err := pairing.ParseQR(payload); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	s[name] = payload[strings.LastIndex(payload, "s=")+2:]
}

func TestNoSecretLeaksAfterWholeFlows(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	email, password := r.account("leaky")
	const wrongPassword, newPassword = "Wr0ng-Passw0rd-42", "N3w-Passw0rd-After"
	phone := rawPhone{r: r, token: r.phoneToken(email, password)}
	d := r.desktop(1)
	secrets := secretSet{"password": password, "wrong password": wrongPassword, "new password": newPassword,
		"phone token": phone.token}
	var reports, shown []string
	var languages []*assets.Words
	for _, tag := range assets.Languages() {
		w, err := assets.LoadWords(tag)
		if err != nil {
			t.Fatal(err)
		}
		languages = append(languages, w)
	}
	see := func(st app.State) { // what the desktop shows, logs and puts in a report, in every language
		for _, w := range languages {
			reports = append(reports, d.core.SupportReport(nil, w))
		}
		if p := st.Problem; p != nil {
			shown = append(shown, p.Code, p.Key, p.Action, p.RequestID)
			if p.Err != nil {
				shown = append(shown, p.Err.Error())
			}
			for _, v := range p.Params {
				if s, ok := v.(string); ok {
					shown = append(shown, s)
				}
			}
		}
	}

	// A wrong password, then the code path with a wrong code and a new code.
	d.core.SignIn(ctx, email, wrongPassword, true)
	see(d.core.State())
	login := d.signIn(t, email, password)
	code1 := phone.code(t, login.ID)
	wrong := code1[:5] + string('0'+(code1[5]-'0'+1)%10)
	secrets["first code"], secrets["wrong code"] = code1, wrong
	secrets.addQR(t, "QR secret 1", login.QRPayload)
	d.core.SubmitCode(ctx, wrong)
	see(d.core.State())
	d.core.RenewCode(ctx)
	code2 := phone.code(t, login.ID)
	secrets["second code"] = code2
	d.core.SubmitCode(ctx, code2)
	see(d.waitFor(t, "signed in by code", func(s app.State) bool { return s.Phase == app.PhaseSignedIn }))
	d.core.SignOut(ctx)
	see(d.waitFor(t, "signed out", func(s app.State) bool { return s.Phase == app.PhaseSignedOut }))

	// The QR path: the payload rotates, the phone scans the stale one first.
	login = d.signIn(t, email, password)
	d.core.UseMethod(app.MethodQR)
	stale := login.QRPayload
	secrets.addQR(t, "QR secret 2", stale)
	r.Clock.Advance(30 * time.Second)
	st := d.waitFor(t, "a rotated QR code", func(s app.State) bool { return s.Login != nil && s.Login.QRPayload != stale })
	current := st.Login.QRPayload
	secrets.addQR(t, "QR secret 3", current)
	if resp := phone.call("POST", "/phone/v1/qr/scan", pairing.ScanRequest{Payload: stale}); resp.ErrorCode() != pairing.CodeInvalidQR {
		t.Fatalf("stale QR: %d %s", resp.Status, resp.Body)
	}
	if resp := phone.call("POST", "/phone/v1/qr/scan", pairing.ScanRequest{Payload: current}); resp.Status != http.StatusOK {
		t.Fatalf("scan: %d %s", resp.Status, resp.Body)
	}
	st = d.waitFor(t, "the number to pick", func(s app.State) bool { return s.Login != nil && s.Login.Scanned })
	if resp := phone.call("POST", "/phone/v1/logins/"+login.ID+"/approve", pairing.ApproveRequest{Check: st.Login.Check}); resp.Status != http.StatusOK {
		t.Fatalf("approve: %d %s", resp.Status, resp.Body)
	}
	see(d.waitFor(t, "signed in by QR", func(s app.State) bool { return s.Phase == app.PhaseSignedIn }))

	// The password changes on the phone: the desktop is signed out, and says why.
	if resp := phone.call("POST", "/phone/v1/password", pairing.PasswordChange{Old: password, New: newPassword}); resp.Status != http.StatusNoContent {
		t.Fatalf("password change: %d %s", resp.Status, resp.Body)
	}
	see(d.waitFor(t, "signed out by the password change", func(s app.State) bool { return s.Ended == pairing.CodePasswordChanged }))

	// Positive control: both tokens went to the keychain, and only there.
	tokens := 0
	for _, v := range d.keyring.stored() {
		var ss app.StoredSession
		if err := json.Unmarshal([]byte(v), &ss); err != nil || !strings.HasPrefix(ss.Token, pairing.TokenPrefix) {
			t.Fatalf("keychain value is not a stored session: %v", err)
		}
		tokens++
		secrets["session token "+string(rune('0'+tokens))] = ss.Token
	}
	if tokens != 2 {
		t.Fatalf("%d tokens reached the keychain, want 2 (code and QR)", tokens)
	}

	journal := r.Do("GET", "/mock/v1/requests", nil)
	if journal.Status != http.StatusOK || !strings.Contains(string(journal.Body), login.ID) {
		t.Fatalf("journal: %d (it must hold the flow to be worth scanning)", journal.Status)
	}
	places := map[string]string{
		"server request journal": string(journal.Body),
		"server log":             r.Log.String(),
		"desktop settings":       readTree(t, d.dir),
		"support reports":        strings.Join(reports, "\n"),
		"desktop problems":       strings.Join(shown, "\n"),
	}
	if !strings.Contains(places["desktop settings"], email) || !strings.Contains(places["server log"], "request") {
		t.Fatal("the settings or the server log are not what this test thinks they are")
	}
	for place, text := range places {
		for name, secret := range secrets {
			if leaks(text, secret) {
				t.Errorf("the %s shows the %s", place, name)
			}
		}
	}
	t.Logf("leak scan: %d secrets (passwords, codes, QR secrets, phone and session tokens) over %d places, "+
		"%d support reports, %d bytes in all", len(secrets), len(places), len(reports), totalLen(places))
}

var digitsOnly = regexp.MustCompile(`^[0-9]+$`)

// leaks reports whether text holds secret as itself or JSON-escaped; a code
// counts only as a whole number, not inside a longer one (a timestamp).
func leaks(text, secret string) bool {
	if digitsOnly.MatchString(secret) {
		return regexp.MustCompile(`(^|[^0-9])` + secret + `([^0-9]|$)`).MatchString(text)
	}
	esc, err := json.Marshal(secret)
	if err != nil {
		return true
	}
	return strings.Contains(text, secret) || strings.Contains(text, strings.Trim(string(esc), `"`))
}

// readTree is every file under dir, concatenated.
func readTree(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		b.Write(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func totalLen(m map[string]string) int {
	n := 0
	for _, v := range m {
		n += len(v)
	}
	return n
}

// The scanner itself must find what it looks for, or the test above proves nothing.
func TestLeakScannerFindsSecrets(t *testing.T) {
	cases := []struct {
		text, secret string
		want         bool
	}{
		{`{"code":"482913"}`, "482913", true},
		{"code 482913.", "482913", true},
		{"at 2026-11-23T10:48:29.1348291300Z", "482913", false}, // inside a longer number
		{`{"password":"p\"q"}`, `p"q`, true},                    // JSON-escaped
		{"Bearer ldk_abc", "ldk_abc", true},
		{"Bearer [redacted]", "ldk_abc", false},
	}
	for _, tc := range cases {
		if got := leaks(tc.text, tc.secret); got != tc.want {
			t.Errorf("leaks(%q, %q) = %v, want %v", tc.text, tc.secret, got, tc.want)
		}
	}
}

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
