package mockserver_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

func TestHealth(t *testing.T) {
	h := newHarness(t)
	var got struct {
		Status string    `json:"status"`
		Now    time.Time `json:"now"`
	}
	h.do("GET", "/mock/v1/health", nil).decode(t, http.StatusOK, &got)
	if got.Status != "ok" || !got.Now.Equal(h.Clock.Now()) {
		t.Errorf("health %+v", got)
	}
}

func TestAddAccount(t *testing.T) {
	h := newHarness(t)
	body := map[string]string{"email": "Bora@Linkdesk.test", "password": "bora-password", "name": "Bora"}
	var got struct{ Account pairing.Account }
	h.do("POST", "/mock/v1/accounts", body).decode(t, http.StatusCreated, &got)
	if got.Account != (pairing.Account{Email: "bora@linkdesk.test", Name: "Bora"}) {
		t.Errorf("account %+v", got.Account)
	}
	h.do("POST", "/mock/v1/accounts", body).apiErr(t, http.StatusConflict, "conflict")
	for _, bad := range []map[string]string{
		{"email": "no-at-sign", "password": "long-enough"},
		{"email": "x@y.z", "password": "short"},
		{"email": "x@y.z", "password": "long-enough", "name": "bad\nname"},
	} {
		h.do("POST", "/mock/v1/accounts", bad).apiErr(t, http.StatusBadRequest, pairing.CodeBadRequest)
	}
	h.do("POST", "/v1/logins", loginBody("bora@linkdesk.test", "bora-password", laptop)).decode(t, http.StatusCreated, nil)

	var list struct{ Accounts []pairing.Account }
	h.do("GET", "/mock/v1/accounts", nil).decode(t, http.StatusOK, &list)
	if len(list.Accounts) != 2 {
		t.Errorf("accounts %+v, want demo and Bora", list.Accounts)
	}
	if strings.Contains(string(h.do("GET", "/mock/v1/accounts", nil).body), "argon2") {
		t.Error("the account list shows password hashes")
	}
}

func TestResetReturnsToTheSeededState(t *testing.T) {
	h := newHarness(t, func(c *mockserver.Config) {
		c.Accounts = []mockserver.SeedAccount{{Email: "seed@linkdesk.test", Password: "seed-password", Name: "Seed"}}
	})
	g := h.signIn(laptop)
	s := h.openStream("/v1/session/events", sessionHdrs(g)...)
	if err := h.AddAccount("extra@linkdesk.test", "extra-password", ""); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		h.do("POST", "/v1/logins", loginBody("seed@linkdesk.test", "wrong-password", laptop))
	}
	h.do("POST", "/mock/v1/maintenance", map[string]bool{"on": true}).decode(t, http.StatusOK, nil)
	h.do("POST", "/mock/v1/faults", map[string]any{"path": "/phone/v1/link", "status": 500, "count": -1}).decode(t, http.StatusCreated, nil)

	h.do("POST", "/mock/v1/reset", nil).decode(t, http.StatusNoContent, nil)

	s.ended(t)
	h.do("GET", "/v1/session", nil, sessionHdrs(g)...).apiErr(t, http.StatusUnauthorized, pairing.CodeInvalidToken)
	h.do("POST", "/v1/logins", loginBody("extra@linkdesk.test", "extra-password", laptop)).
		apiErr(t, http.StatusUnauthorized, pairing.CodeInvalidCredentials)
	h.do("POST", "/v1/logins", loginBody("seed@linkdesk.test", "seed-password", laptop)).decode(t, http.StatusCreated, nil)
	h.startLogin(laptop)
	h.link(h.phone())
	var j struct{ Requests []mockserver.JournalEntry }
	h.do("GET", "/mock/v1/requests", nil).decode(t, http.StatusOK, &j)
	for _, e := range j.Requests {
		if strings.HasSuffix(e.Path, "/code") {
			t.Errorf("the journal kept %s %s from before the reset", e.Method, e.Path)
		}
	}
	if len(j.Requests) < 6 {
		t.Errorf("journal after reset has %d entries, want the 6 since", len(j.Requests))
	}
}

func TestClockAdvance(t *testing.T) {
	h := newHarness(t)
	before := h.Clock.Now()
	var got struct{ Now time.Time }
	h.do("POST", "/mock/v1/clock", map[string]string{"advance": "24h"}).decode(t, http.StatusOK, &got)
	if !got.Now.Equal(before.Add(24*time.Hour)) || !h.Clock.Now().Equal(got.Now) {
		t.Errorf("now %v, want %v", got.Now, before.Add(24*time.Hour))
	}
	for _, bad := range []string{"", "-1h", "0s", "soon", "100000h"} {
		h.do("POST", "/mock/v1/clock", map[string]string{"advance": bad}).apiErr(t, http.StatusBadRequest, pairing.CodeBadRequest)
	}
	h.do("GET", "/mock/v1/clock", nil).decode(t, http.StatusOK, &got)
	if !got.Now.Equal(before.Add(24 * time.Hour)) {
		t.Error("a refused advance moved the clock")
	}
}

func TestClockAdvanceExpiresAtOnce(t *testing.T) {
	h := newHarness(t, func(c *mockserver.Config) { c.TickInterval = time.Hour }) // no help from the timer loop
	_, s := h.followedLogin()
	h.do("POST", "/mock/v1/clock", map[string]string{"advance": "10m"}).decode(t, http.StatusOK, nil)
	s.expect(t, pairing.EventExpired, nil)
}

func TestMaintenance(t *testing.T) {
	h := newHarness(t)
	g := h.signIn(laptop)
	phone := h.phone()
	h.do("POST", "/mock/v1/maintenance", map[string]bool{"on": true}).decode(t, http.StatusOK, nil)

	desktopCalls := []struct{ method, path string }{
		{"POST", "/v1/logins"}, {"POST", "/v1/logins/x/code"}, {"POST", "/v1/logins/x/code/renew"},
		{"POST", "/v1/logins/x/qr"}, {"GET", "/v1/logins/x/events"}, {"DELETE", "/v1/logins/x"},
		{"GET", "/v1/session"}, {"GET", "/v1/session/events"}, {"DELETE", "/v1/session"},
	}
	for _, c := range desktopCalls {
		resp := h.do(c.method, c.path, nil, sessionHdrs(g)...)
		resp.apiErr(t, http.StatusServiceUnavailable, pairing.CodeMaintenance)
		if resp.header.Get("Retry-After") == "" {
			t.Errorf("%s %s: 503 without Retry-After", c.method, c.path)
		}
	}
	// The phone and the tester controls keep working.
	h.link(phone)
	var m struct{ On bool }
	h.do("GET", "/mock/v1/maintenance", nil).decode(t, http.StatusOK, &m)
	if !m.On {
		t.Error("maintenance reads off")
	}
	h.do("POST", "/mock/v1/maintenance", map[string]bool{"on": false}).decode(t, http.StatusOK, nil)
	h.do("GET", "/v1/session", nil, sessionHdrs(g)...).decode(t, http.StatusOK, nil)
	h.do("POST", "/mock/v1/maintenance", map[string]string{}).apiErr(t, http.StatusBadRequest, pairing.CodeBadRequest)
}

// serveFrom runs one request through the handler as if it came from addr.
func serveFrom(h http.Handler, addr, method, path, token string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	req.RemoteAddr = addr
	req.Host = "127.0.0.1:8470" // the server's address as a client names it
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func errorCode(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var eb pairing.ErrorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &eb); err != nil {
		t.Fatalf("not the error shape: %s", rec.Body)
	}
	return eb.Error.Code
}

func TestTesterControlsAreLoopbackOnly(t *testing.T) {
	h := newHarness(t)
	for _, addr := range []string{"127.0.0.1:5000", "[::1]:5000"} {
		if rec := serveFrom(h.Checked(), addr, "GET", "/mock/v1/health", ""); rec.Code != http.StatusOK {
			t.Errorf("from %s: %d", addr, rec.Code)
		}
	}
	for _, path := range []string{"/mock/v1/health", "/mock/v1/requests", "/mock/v1/reset", "/mock/nothing"} {
		rec := serveFrom(h.Checked(), "203.0.113.7:5000", "GET", path, "")
		if rec.Code != http.StatusForbidden || errorCode(t, rec) != pairing.CodeForbidden {
			t.Errorf("remote %s: %d %s", path, rec.Code, rec.Body)
		}
	}
	// The desktop API answers everyone.
	if rec := serveFrom(h.Checked(), "203.0.113.7:5000", "GET", "/v1/session", ""); rec.Code != http.StatusUnauthorized {
		t.Errorf("remote /v1/session: %d", rec.Code)
	}
}

func TestAdminTokenOpensTheControlsToAnyone(t *testing.T) {
	h := newHarness(t, func(c *mockserver.Config) { c.AdminToken = "s3cret-admin" })
	cases := []struct {
		addr, token string
		status      int
	}{
		{"203.0.113.7:5000", "s3cret-admin", http.StatusOK},
		{"127.0.0.1:5000", "s3cret-admin", http.StatusOK},
		{"127.0.0.1:5000", "", http.StatusUnauthorized},
		{"203.0.113.7:5000", "", http.StatusUnauthorized},
		{"203.0.113.7:5000", "s3cret-admiN", http.StatusUnauthorized},
	}
	for _, tc := range cases {
		rec := serveFrom(h.Checked(), tc.addr, "GET", "/mock/v1/health", tc.token)
		if rec.Code != tc.status {
			t.Errorf("from %s with %q: %d, want %d", tc.addr, tc.token, rec.Code, tc.status)
		}
		if rec.Code == http.StatusUnauthorized && errorCode(t, rec) != pairing.CodeUnauthorized {
			t.Errorf("401 with code %s", errorCode(t, rec))
		}
	}
}

// serveTester sends a tester call as a web page in the tester's browser
// could: from this machine, with any Host and content type.
func serveTester(h http.Handler, host, method, path, contentType, body, token string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.RemoteAddr = "127.0.0.1:5000"
	req.Host = host
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// A page in the tester's browser may POST text/plain or form bodies to any
// address without asking first, and after DNS rebinding read what it gets;
// neither must reach the tester controls.
func TestTesterWritesNeedJSONAndALoopbackHost(t *testing.T) {
	h := newHarness(t)
	handler := h.Checked()
	const local = "127.0.0.1:8470"

	// Writes a browser sends cross-site without a preflight are refused and change nothing.
	for _, ct := range []string{"text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""} {
		for _, path := range []string{"/mock/v1/maintenance", "/mock/v1/accounts", "/mock/v1/faults", "/mock/v1/reset", "/mock/v1/clock"} {
			rec := serveTester(handler, local, "POST", path, ct, `{"on":true,"email":"web@evil.test","password":"web-password","status":500,"advance":"1h"}`, "")
			if rec.Code != http.StatusUnsupportedMediaType || errorCode(t, rec) != pairing.CodeBadRequest {
				t.Errorf("POST %s as %q: %d %s, want 415 bad_request", path, ct, rec.Code, rec.Body)
			}
		}
	}
	var m struct{ On bool }
	h.do("GET", "/mock/v1/maintenance", nil).decode(t, http.StatusOK, &m)
	if m.On {
		t.Error("a text/plain POST switched maintenance on")
	}
	var faults struct{ Faults []any }
	h.do("GET", "/mock/v1/faults", nil).decode(t, http.StatusOK, &faults)
	if len(faults.Faults) != 0 {
		t.Errorf("a form POST added a fault: %v", faults.Faults)
	}
	var accts struct{ Accounts []pairing.Account }
	h.do("GET", "/mock/v1/accounts", nil).decode(t, http.StatusOK, &accts)
	if len(accts.Accounts) != 1 {
		t.Errorf("a form POST added an account: %+v", accts.Accounts)
	}

	// A rebound name reaches this machine with its own Host: refused, reads too.
	for _, host := range []string{"evil.example:8470", "evil.example", "127.0.0.1.evil.example:8470", "10.0.0.5:8470", "localhost.evil.example"} {
		for _, method := range []string{"GET", "POST"} {
			rec := serveTester(handler, host, method, "/mock/v1/requests", "application/json", "", "")
			if rec.Code != http.StatusForbidden || errorCode(t, rec) != pairing.CodeForbidden {
				t.Errorf("%s with Host %q: %d, want 403 forbidden", method, host, rec.Code)
			}
		}
	}
	// This machine's own names, with or without a port, are fine.
	for _, host := range []string{local, "127.0.0.1", "localhost:8470", "LocalHost", "[::1]:8470", "[::1]"} {
		if rec := serveTester(handler, host, "GET", "/mock/v1/health", "", "", ""); rec.Code != http.StatusOK {
			t.Errorf("Host %q: %d", host, rec.Code)
		}
	}
	if rec := serveTester(handler, local, "POST", "/mock/v1/maintenance", "application/json; charset=utf-8", `{"on":false}`, ""); rec.Code != http.StatusOK {
		t.Errorf("a JSON POST: %d %s", rec.Code, rec.Body)
	}
	// The desktop and phone APIs answer whatever the Host.
	if rec := serveTester(handler, "evil.example", "GET", "/v1/session", "", "", ""); rec.Code != http.StatusUnauthorized {
		t.Errorf("/v1/session with a foreign Host: %d", rec.Code)
	}
}

func TestAdminTokenAllowsAnyHostButStillNeedsJSON(t *testing.T) {
	h := newHarness(t, func(c *mockserver.Config) { c.AdminToken = "s3cret-admin" })
	handler := h.Checked()
	if rec := serveTester(handler, "mock.example.test:8470", "GET", "/mock/v1/health", "", "", "s3cret-admin"); rec.Code != http.StatusOK {
		t.Errorf("with the admin token and a public Host: %d", rec.Code)
	}
	if rec := serveTester(handler, "mock.example.test", "POST", "/mock/v1/maintenance", "text/plain", `{"on":true}`, "s3cret-admin"); rec.Code != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain with the admin token: %d", rec.Code)
	}
}

// testerLogins reads GET /mock/v1/logins over HTTP; the OpenAPI check
// (additionalProperties: false) pins every member name of the answer.
func (h *harness) testerLogins(query string) []mockserver.TesterLogin {
	h.t.Helper()
	var out struct{ Logins []mockserver.TesterLogin }
	h.do("GET", "/mock/v1/logins"+query, nil).decode(h.t, http.StatusOK, &out)
	return out.Logins
}

// A test reads the code of a pending login from the tester controls instead
// of signing a phone in (which shares the account's wrong-password count).
func TestTesterListsPendingLoginsWithTheirSecrets(t *testing.T) {
	h := newHarness(t, func(c *mockserver.Config) {
		c.Accounts = []mockserver.SeedAccount{{Email: "bora@linkdesk.test", Password: "bora-password", Name: "Bora"}}
	})
	if got := h.testerLogins(""); len(got) != 0 {
		t.Fatalf("logins before any sign-in: %+v", got)
	}
	first := h.startLogin(laptop)
	h.Clock.Advance(time.Second)
	var second pairing.PendingLogin
	h.do("POST", "/v1/logins", loginBody("bora@linkdesk.test", "bora-password", desk)).decode(t, http.StatusCreated, &second)

	all := h.testerLogins("")
	if len(all) != 2 || all[0].LoginID != first.LoginID || all[1].LoginID != second.LoginID {
		t.Fatalf("logins %+v, want both, oldest first", all)
	}
	l := all[0]
	if l.Account != (pairing.Account{Email: mockserver.DemoEmail, Name: mockserver.DemoName}) || l.Device != laptop ||
		l.QR.Payload != first.QR.Payload || !l.ExpiresAt.Equal(first.ExpiresAt) || l.Scanned || l.Check != "" || l.AttemptsLeft != 5 ||
		len(l.Code) != 6 || l.IP != "127.0.0.1" {
		t.Errorf("entry %+v", l)
	}
	if got := h.testerLogins("?email=BORA@linkdesk.test"); len(got) != 1 || got[0].LoginID != second.LoginID {
		t.Errorf("?email= filter: %+v", got)
	}

	// The code it shows is the one the login takes.
	h.do("POST", "/v1/logins/"+first.LoginID+"/code", pairing.CodeRequest{Code: wrongCode(l.Code)}, ownerHdr(laptop))
	if got := h.testerLogins("?email=" + mockserver.DemoEmail); got[0].AttemptsLeft != 4 {
		t.Errorf("attempts_left after a wrong code: %d", got[0].AttemptsLeft)
	}
	// Scanned once the phone scanned the QR code.
	h.do("POST", "/phone/v1/qr/scan", pairing.ScanRequest{Payload: second.QR.Payload}, bearer(h.phoneOf("bora@linkdesk.test", "bora-password"))).
		decode(t, http.StatusOK, nil)
	if got := h.testerLogins("?email=bora@linkdesk.test"); !got[0].Scanned || !pairing.ValidCheck(got[0].Check) {
		t.Errorf("after a scan: scanned %v, check %q; want true and the two digits the desktop shows", got[0].Scanned, got[0].Check)
	}
	var g pairing.Grant
	h.do("POST", "/v1/logins/"+first.LoginID+"/code", pairing.CodeRequest{Code: l.Code}, ownerHdr(laptop)).decode(t, http.StatusOK, &g)
	// Finished and expired logins leave the list.
	h.Clock.Advance(10 * time.Minute)
	if got := h.testerLogins(""); len(got) != 0 {
		t.Errorf("logins after one was used and the other expired: %+v", got)
	}
	h.do("GET", "/mock/v1/logins?email=not-an-address", nil).apiErr(t, http.StatusBadRequest, pairing.CodeBadRequest)
}

// phoneOf signs a phone in to another account.
func (h *harness) phoneOf(email, password string) string {
	h.t.Helper()
	var ps pairing.PhoneSignIn
	h.do("POST", "/phone/v1/signin", pairing.PhoneSignInRequest{Email: email, Password: password}).decode(h.t, http.StatusOK, &ps)
	return ps.PhoneToken
}
