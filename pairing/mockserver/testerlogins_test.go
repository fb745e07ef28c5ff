package mockserver_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

// testerLogin is one entry of GET /mock/v1/logins.
type testerLogin struct {
	LoginID       string          `json:"login_id"`
	Account       pairing.Account `json:"account"`
	Device        pairing.Device  `json:"device"`
	IP            string          `json:"ip"`
	Code          string          `json:"code"`
	CodeExpiresAt time.Time       `json:"code_expires_at"`
	AttemptsLeft  int             `json:"attempts_left"`
	QR            pairing.QRInfo  `json:"qr"`
	Scanned       bool            `json:"scanned"`
	Check         string          `json:"check"`
	CreatedAt     time.Time       `json:"created_at"`
	ExpiresAt     time.Time       `json:"expires_at"`
}

func (h *harness) testerLogins(query string) []testerLogin {
	h.t.Helper()
	var out struct{ Logins []testerLogin }
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
