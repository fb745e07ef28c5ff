package mockserver_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

func TestLinkScreenShowsWhoIsAsking(t *testing.T) {
	h := newHarness(t)
	phone := h.phone()
	if ls := h.link(phone); ls.Pending == nil || ls.Devices == nil || len(ls.Pending)+len(ls.Devices) != 0 {
		t.Fatalf("a fresh account's screen should be two empty lists, got %+v", ls)
	}
	t0 := h.Clock.Now()
	first := h.startLogin(laptop)
	h.Clock.Advance(time.Second)
	second := h.startLogin(desk)

	ls := h.link(phone)
	if len(ls.Pending) != 2 {
		t.Fatalf("pending = %+v", ls.Pending)
	}
	p := ls.Pending[0]
	if p.LoginID != first.LoginID || ls.Pending[1].LoginID != second.LoginID {
		t.Error("pending logins are not oldest first")
	}
	if _, err := pairing.NormalizeCode(p.Code, 6); err != nil {
		t.Errorf("code %q is not 6 digits", p.Code)
	}
	if !p.CodeExpiresAt.Equal(first.Code.ExpiresAt) || !p.CreatedAt.Equal(t0) || p.IP != "127.0.0.1" {
		t.Errorf("pending %+v", p)
	}
	if p.Device.Name != laptop.Name || p.Device.Platform != laptop.Platform || p.Device.Fingerprint != "" {
		t.Errorf("device %+v: want name and platform, no fingerprint", p.Device)
	}

	// A signed-in desktop is listed, without pending entry.
	var g pairing.Grant
	h.do("POST", "/v1/logins/"+first.LoginID+"/code", pairing.CodeRequest{Code: p.Code}, ownerHdr(laptop)).decode(t, http.StatusOK, &g)
	ls = h.link(phone)
	if len(ls.Pending) != 1 || len(ls.Devices) != 1 {
		t.Fatalf("after sign-in: %+v", ls)
	}
	d := ls.Devices[0]
	if d.SessionID != g.Session.ID || d.Name != laptop.Name || d.Platform != laptop.Platform || !d.CreatedAt.Equal(g.Session.CreatedAt) {
		t.Errorf("device %+v", d)
	}
}

func TestPhoneSeesOnlyItsOwnAccount(t *testing.T) {
	h := newHarness(t)
	if err := h.AddAccount("anna@linkdesk.test", "anna-password", "Anna"); err != nil {
		t.Fatal(err)
	}
	h.startLogin(laptop)
	var ps pairing.PhoneSignIn
	h.do("POST", "/phone/v1/signin", pairing.PhoneSignInRequest{Email: "anna@linkdesk.test", Password: "anna-password"}).
		decode(t, http.StatusOK, &ps)
	if ls := h.link(ps.PhoneToken); len(ls.Pending) != 0 {
		t.Errorf("Anna's phone sees the demo account's login: %+v", ls.Pending)
	}
	g := h.signIn(laptop)
	h.do("DELETE", "/phone/v1/devices/"+g.Session.ID, nil, bearer(ps.PhoneToken)).apiErr(t, http.StatusNotFound, pairing.CodeNotFound)
	h.do("GET", "/v1/session", nil, sessionHdrs(g)...).decode(t, http.StatusOK, nil)
}

func TestPhoneCallsNeedAPhoneToken(t *testing.T) {
	h := newHarness(t)
	g := h.signIn(laptop)
	calls := []struct{ method, path string }{
		{"GET", "/phone/v1/link"},
		{"POST", "/phone/v1/qr/scan"},
		{"POST", "/phone/v1/logins/x/approve"},
		{"POST", "/phone/v1/logins/x/decline"},
		{"DELETE", "/phone/v1/devices/x"},
		{"POST", "/phone/v1/password"},
	}
	for _, c := range calls {
		for _, headers := range [][]hdr{nil, {bearer("ldp_unknown")}, {bearer(g.Token)}} {
			h.do(c.method, c.path, map[string]string{}, headers...).apiErr(t, http.StatusUnauthorized, pairing.CodeUnauthorized)
		}
	}
}

func TestPhoneRevokeUnknownDevice(t *testing.T) {
	h := newHarness(t)
	h.do("DELETE", "/phone/v1/devices/ses_nope", nil, bearer(h.phone())).apiErr(t, http.StatusNotFound, pairing.CodeNotFound)
}

func TestPasswordChange(t *testing.T) {
	h := newHarness(t)
	phone := h.phone()
	g := h.signIn(laptop)
	pending := h.startLogin(desk)
	s := h.openStream("/v1/logins/"+pending.LoginID+"/events", ownerHdr(desk))

	cases := []struct {
		name   string
		body   pairing.PasswordChange
		status int
		code   string
	}{
		{"new too short", pairing.PasswordChange{Old: mockserver.DemoPassword, New: "short"}, http.StatusBadRequest, pairing.CodeBadRequest},
		{"old missing", pairing.PasswordChange{New: "long-enough-1"}, http.StatusBadRequest, pairing.CodeBadRequest},
		{"old wrong", pairing.PasswordChange{Old: "not-it-at-all", New: "long-enough-1"}, http.StatusUnauthorized, pairing.CodeInvalidCredentials},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h.do("POST", "/phone/v1/password", tc.body, bearer(phone)).apiErr(t, tc.status, tc.code)
		})
	}
	h.do("GET", "/v1/session", nil, sessionHdrs(g)...).decode(t, http.StatusOK, nil)

	h.do("POST", "/phone/v1/password", pairing.PasswordChange{Old: mockserver.DemoPassword, New: "long-enough-1"}, bearer(phone)).
		decode(t, http.StatusNoContent, nil)

	h.do("GET", "/v1/session", nil, sessionHdrs(g)...).apiErr(t, http.StatusUnauthorized, pairing.CodePasswordChanged)
	s.expect(t, pairing.EventExpired, nil) // a login started with the old password cannot complete
	h.do("POST", "/v1/logins", loginBody(mockserver.DemoEmail, mockserver.DemoPassword, laptop)).
		apiErr(t, http.StatusUnauthorized, pairing.CodeInvalidCredentials)
	h.do("POST", "/v1/logins", loginBody(mockserver.DemoEmail, "long-enough-1", laptop)).decode(t, http.StatusCreated, nil)
	h.link(phone) // the phone that changed it stays signed in
}
