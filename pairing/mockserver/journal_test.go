package mockserver_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

// TestJournalRedactsEverySecret runs every kind of call that carries a
// secret and checks none of them is readable in the journal.
func TestJournalRedactsEverySecret(t *testing.T) {
	h := newHarness(t)
	const wrongPassword, newPassword = "Wr0ng-Passw0rd", "N3w-Passw0rd-x"
	h.do("POST", "/v1/logins", loginBody(mockserver.DemoEmail, wrongPassword, laptop))
	pl := h.startLogin(laptop)
	phone := h.phone()
	code := h.codeOnPhone(phone, pl.LoginID)
	h.do("POST", "/v1/logins/"+pl.LoginID+"/code", pairing.CodeRequest{Code: wrongCode(code)}, ownerHdr(laptop))
	var g pairing.Grant
	h.do("POST", "/v1/logins/"+pl.LoginID+"/code", pairing.CodeRequest{Code: code}, ownerHdr(laptop)).decode(t, http.StatusOK, &g)
	h.do("GET", "/v1/session", nil, sessionHdrs(g)...)

	qr := h.startLogin(desk)
	var rot pairing.QRRotation
	h.do("POST", "/v1/logins/"+qr.LoginID+"/qr", nil, ownerHdr(desk)).decode(t, http.StatusOK, &rot)
	h.do("POST", "/phone/v1/qr/scan", pairing.ScanRequest{Payload: rot.QR.Payload}, bearer(phone))
	h.do("POST", "/phone/v1/password", pairing.PasswordChange{Old: mockserver.DemoPassword, New: newPassword}, bearer(phone))

	resp := h.do("GET", "/mock/v1/requests", nil)
	var j struct{ Requests []mockserver.JournalEntry }
	resp.decode(t, http.StatusOK, &j)
	raw := string(resp.body)

	secrets := map[string]string{
		"password": mockserver.DemoPassword, "wrong password": wrongPassword, "new password": newPassword,
		"code": code, "session token": g.Token, "phone token": phone,
	}
	for _, payload := range []string{pl.QR.Payload, qr.QR.Payload, rot.QR.Payload} {
		p, err := pairing.ParseQR(payload)
		if err != nil {
			t.Fatal(err)
		}
		secrets["QR secret of "+p.LoginID] = payload[strings.LastIndex(payload, "s=")+2:]
	}
	for name, secret := range secrets {
		if strings.Contains(raw, secret) || strings.Contains(raw, jsonEscape(secret)) {
			t.Errorf("the journal shows the %s", name)
		}
	}

	// What is not secret stays readable, newest last.
	last := j.Requests[len(j.Requests)-1]
	if last.Path != "/phone/v1/password" || last.Status != http.StatusNoContent {
		t.Errorf("last entry %s %d, want the password change", last.Path, last.Status)
	}
	if last.Headers["Authorization"] != "Bearer [redacted]" {
		t.Errorf("Authorization recorded as %q", last.Headers["Authorization"])
	}
	for _, want := range []string{`"invalid_code"`, `"invalid_credentials"`, qr.LoginID, pairing.HeaderDevice, `"attempts_left":4`} {
		if !strings.Contains(raw, want) {
			t.Errorf("the journal lost %s", want)
		}
	}
	for i, e := range j.Requests {
		if e.RequestID == "" || e.Time.IsZero() || e.Method == "" {
			t.Errorf("entry %d incomplete: %+v", i, e)
		}
	}
	var limited struct{ Requests []mockserver.JournalEntry }
	h.do("GET", "/mock/v1/requests?limit=2", nil).decode(t, http.StatusOK, &limited)
	if len(limited.Requests) != 2 || limited.Requests[1].RequestID != last.RequestID {
		t.Error("?limit=2 does not give the two newest")
	}
	h.do("DELETE", "/mock/v1/requests", nil).decode(t, http.StatusNoContent, nil)
	if n := len(h.Requests()); n != 0 {
		t.Errorf("%d entries after clearing", n)
	}
}

func jsonEscape(s string) string {
	b, _ := json.Marshal(s) // marshalling a string cannot fail
	return strings.Trim(string(b), `"`)
}

func TestJournalKeepsTheNewest(t *testing.T) {
	h := newHarness(t, func(c *mockserver.Config) { c.JournalSize = 3 })
	for _, p := range []string{"/v1/a", "/v1/b", "/v1/c", "/v1/d"} {
		h.do("GET", p, nil)
	}
	got := h.Requests()
	if len(got) != 3 || got[0].Path != "/v1/b" || got[2].Path != "/v1/d" {
		t.Errorf("journal %v", got)
	}
}

// --log-level debug logs every request, the tester's own calls included
// (they are not journaled: the journal is what the desktop and phone did).
func TestDebugLogShowsTesterCallsToo(t *testing.T) {
	var logs strings.Builder
	var mu sync.Mutex
	h := newHarness(t, func(c *mockserver.Config) {
		c.Logger = slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
			mu.Lock()
			defer mu.Unlock()
			return logs.Write(p)
		}), &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	h.do("POST", "/mock/v1/clock", map[string]string{"advance": "1h"}).decode(t, http.StatusOK, nil)
	h.do("GET", "/v1/session", nil)
	mu.Lock()
	got := logs.String()
	mu.Unlock()
	for _, want := range []string{"path=/mock/v1/clock", "path=/v1/session"} {
		if !strings.Contains(got, want) {
			t.Errorf("the debug log lacks %s:\n%s", want, got)
		}
	}
	for _, e := range h.Requests() {
		if strings.HasPrefix(e.Path, "/mock/") {
			t.Errorf("the journal keeps the tester call %s", e.Path)
		}
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
