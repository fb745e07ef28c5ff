package mockserver_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

func TestRightCodeIssuesASession(t *testing.T) {
	h := newHarness(t)
	now := h.Clock.Now()
	pl := h.startLogin(laptop)
	s := h.openStream("/v1/logins/"+pl.LoginID+"/events", ownerHdr(laptop))
	code := h.codeOnPhone(h.phone(), pl.LoginID)

	var g pairing.Grant
	// Pasted with spaces and full-width digits, as a person might.
	typed := code[:3] + " " + strings.Map(func(r rune) rune { return r - '0' + '０' }, code[3:])
	h.do("POST", "/v1/logins/"+pl.LoginID+"/code", pairing.CodeRequest{Code: typed}, ownerHdr(laptop)).decode(t, http.StatusOK, &g)

	if !strings.HasPrefix(g.Token, pairing.TokenPrefix) || len(g.Token) != len(pairing.TokenPrefix)+43 {
		t.Errorf("token has the wrong form (length %d)", len(g.Token))
	}
	want := pairing.Session{ID: g.Session.ID, Account: pairing.Account{Email: mockserver.DemoEmail, Name: "Demo User"},
		Device: laptop, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(30 * 24 * time.Hour)}
	if g.Session != want || g.Session.ID == "" {
		t.Errorf("session = %+v\nwant %+v", g.Session, want)
	}
	// The login stream hears the approval too, and the login is used up.
	var pushed pairing.Grant
	s.expect(t, pairing.EventApproved, &pushed)
	if pushed != g {
		t.Error("pushed grant differs from the answer")
	}
	s.ended(t)
	h.do("POST", "/v1/logins/"+pl.LoginID+"/code", pairing.CodeRequest{Code: code}, ownerHdr(laptop)).
		apiErr(t, http.StatusNotFound, pairing.CodeLoginNotFound)
	h.do("GET", "/v1/session", nil, sessionHdrs(g)...).decode(t, http.StatusOK, nil)
}

// TestWrongCodesDestroyTheLogin: after five wrong codes no code is accepted,
// not even the right one, so guessing has five chances per pending login.
func TestWrongCodesDestroyTheLogin(t *testing.T) {
	h := newHarness(t)
	pl := h.startLogin(laptop)
	phone := h.phone()
	code := h.codeOnPhone(phone, pl.LoginID)
	s := h.openStream("/v1/logins/"+pl.LoginID+"/events", ownerHdr(laptop))

	for left := 4; left >= 0; left-- {
		e := h.do("POST", "/v1/logins/"+pl.LoginID+"/code", pairing.CodeRequest{Code: wrongCode(code)}, ownerHdr(laptop)).
			apiErr(t, http.StatusBadRequest, pairing.CodeInvalidCode)
		if e.AttemptsLeft == nil || *e.AttemptsLeft != left {
			t.Fatalf("attempts_left = %v, want %d", e.AttemptsLeft, left)
		}
	}
	h.do("POST", "/v1/logins/"+pl.LoginID+"/code", pairing.CodeRequest{Code: code}, ownerHdr(laptop)).
		apiErr(t, http.StatusNotFound, pairing.CodeLoginNotFound)
	s.expect(t, pairing.EventExpired, nil)
	if len(h.link(phone).Pending) != 0 {
		t.Error("the destroyed login is still on the phone")
	}
	h.do("POST", "/v1/logins/"+pl.LoginID+"/code/renew", nil, ownerHdr(laptop)).apiErr(t, http.StatusNotFound, pairing.CodeLoginNotFound)
	h.do("DELETE", "/v1/logins/"+pl.LoginID, nil, ownerHdr(laptop)).apiErr(t, http.StatusNotFound, pairing.CodeLoginNotFound)

	// A desktop whose stream dropped meanwhile hears the end when it comes back
	// (for one more login lifetime), as for any other end; nobody else does.
	again := h.openStream("/v1/logins/"+pl.LoginID+"/events", ownerHdr(laptop))
	again.expect(t, pairing.EventExpired, nil)
	again.ended(t)
	h.do("GET", "/v1/logins/"+pl.LoginID+"/events", nil, ownerHdr(desk)).apiErr(t, http.StatusNotFound, pairing.CodeLoginNotFound)
	h.Clock.Advance(2 * 10 * time.Minute)
	h.do("GET", "/v1/logins/"+pl.LoginID+"/events", nil, ownerHdr(laptop)).apiErr(t, http.StatusNotFound, pairing.CodeLoginNotFound)
}

func TestMalformedCodesAreNotCounted(t *testing.T) {
	h := newHarness(t)
	pl := h.startLogin(laptop)
	for _, c := range []string{"", "12345", "1234567", "12a456", strings.Repeat("1", 100)} {
		h.do("POST", "/v1/logins/"+pl.LoginID+"/code", pairing.CodeRequest{Code: c}, ownerHdr(laptop)).
			apiErr(t, http.StatusBadRequest, pairing.CodeBadRequest)
	}
	code := h.codeOnPhone(h.phone(), pl.LoginID)
	e := h.do("POST", "/v1/logins/"+pl.LoginID+"/code", pairing.CodeRequest{Code: wrongCode(code)}, ownerHdr(laptop)).
		apiErr(t, http.StatusBadRequest, pairing.CodeInvalidCode)
	if *e.AttemptsLeft != 4 {
		t.Errorf("attempts_left = %d, want 4", *e.AttemptsLeft)
	}
}

func TestCodeExpiresAfter180Seconds(t *testing.T) {
	h := newHarness(t)
	pl := h.startLogin(laptop)
	phone := h.phone()
	code := h.codeOnPhone(phone, pl.LoginID)

	h.Clock.Advance(180 * time.Second)
	h.do("POST", "/v1/logins/"+pl.LoginID+"/code", pairing.CodeRequest{Code: code}, ownerHdr(laptop)).
		apiErr(t, http.StatusGone, pairing.CodeCodeExpired)

	// A new code has a fresh lifetime; the old one is no longer accepted.
	var cr pairing.CodeRenewal
	now := h.Clock.Now()
	h.do("POST", "/v1/logins/"+pl.LoginID+"/code/renew", nil, ownerHdr(laptop)).decode(t, http.StatusOK, &cr)
	if cr.Code.Length != 6 || !cr.Code.ExpiresAt.Equal(now.Add(180*time.Second)) {
		t.Errorf("renewed code info %+v", cr.Code)
	}
	var shown pairing.PendingRequest
	for _, p := range h.link(phone).Pending {
		shown = p
	}
	if !shown.CodeExpiresAt.Equal(cr.Code.ExpiresAt) {
		t.Errorf("the phone shows expiry %v, want %v", shown.CodeExpiresAt, cr.Code.ExpiresAt)
	}
	if shown.Code != code {
		h.do("POST", "/v1/logins/"+pl.LoginID+"/code", pairing.CodeRequest{Code: code}, ownerHdr(laptop)).
			apiErr(t, http.StatusBadRequest, pairing.CodeInvalidCode)
	}
	h.do("POST", "/v1/logins/"+pl.LoginID+"/code", pairing.CodeRequest{Code: shown.Code}, ownerHdr(laptop)).decode(t, http.StatusOK, nil)
}

func TestCodeLifetimeNeverOutlivesTheLogin(t *testing.T) {
	h := newHarness(t)
	pl := h.startLogin(laptop)
	h.Clock.Advance(9 * time.Minute)
	var cr pairing.CodeRenewal
	h.do("POST", "/v1/logins/"+pl.LoginID+"/code/renew", nil, ownerHdr(laptop)).decode(t, http.StatusOK, &cr)
	if !cr.Code.ExpiresAt.Equal(pl.ExpiresAt) {
		t.Errorf("code expires %v, after the login %v", cr.Code.ExpiresAt, pl.ExpiresAt)
	}
}

func TestPendingLoginExpiresAfterTenMinutes(t *testing.T) {
	h := newHarness(t)
	pl := h.startLogin(laptop)
	phone := h.phone()
	s := h.openStream("/v1/logins/"+pl.LoginID+"/events", ownerHdr(laptop))
	s.expect(t, pairing.EventQR, nil)

	h.Clock.Advance(10*time.Minute - time.Second)
	if len(h.link(phone).Pending) != 1 {
		t.Fatal("the login left the phone before its time")
	}
	h.Clock.Advance(time.Second)

	s.expect(t, pairing.EventExpired, nil)
	s.ended(t)
	for _, path := range []string{"/code", "/code/renew", "/qr"} {
		h.do("POST", "/v1/logins/"+pl.LoginID+path, pairing.CodeRequest{Code: "123456"}, ownerHdr(laptop)).
			apiErr(t, http.StatusGone, pairing.CodeLoginExpired)
	}
	if len(h.link(phone).Pending) != 0 {
		t.Error("the expired login is still on the phone")
	}
	// A stream opened later hears "expired" at once.
	late := h.openStream("/v1/logins/"+pl.LoginID+"/events", ownerHdr(laptop))
	late.expect(t, pairing.EventExpired, nil)
	// After one more lifetime the login is forgotten.
	h.Clock.Advance(10 * time.Minute)
	h.do("POST", "/v1/logins/"+pl.LoginID+"/code", pairing.CodeRequest{Code: "123456"}, ownerHdr(laptop)).
		apiErr(t, http.StatusNotFound, pairing.CodeLoginNotFound)
	h.do("GET", "/v1/logins/"+pl.LoginID+"/events", nil, ownerHdr(laptop)).apiErr(t, http.StatusNotFound, pairing.CodeLoginNotFound)
}

func TestDeclinedLoginAnswersDeclined(t *testing.T) {
	h := newHarness(t)
	pl := h.startLogin(laptop)
	phone := h.phone()
	s := h.openStream("/v1/logins/"+pl.LoginID+"/events", ownerHdr(laptop))
	code := h.codeOnPhone(phone, pl.LoginID)

	h.do("POST", "/phone/v1/logins/"+pl.LoginID+"/decline", nil, bearer(phone)).decode(t, http.StatusNoContent, nil)

	s.expect(t, pairing.EventDeclined, nil)
	s.ended(t)
	h.do("POST", "/v1/logins/"+pl.LoginID+"/code", pairing.CodeRequest{Code: code}, ownerHdr(laptop)).
		apiErr(t, http.StatusConflict, pairing.CodeLoginDeclined)
	h.do("POST", "/v1/logins/"+pl.LoginID+"/code/renew", nil, ownerHdr(laptop)).apiErr(t, http.StatusConflict, pairing.CodeLoginDeclined)
	h.approve(phone, pl.LoginID, "42").apiErr(t, http.StatusConflict, pairing.CodeLoginDeclined)
	late := h.openStream("/v1/logins/"+pl.LoginID+"/events", ownerHdr(laptop))
	var d pairing.Decline
	late.expect(t, pairing.EventDeclined, &d)
	if d.Reason != pairing.DeclinedOnPhone {
		t.Errorf("a replayed decline says %q, want %q", d.Reason, pairing.DeclinedOnPhone)
	}
}

func TestLoginCallsOnUnknownLogins(t *testing.T) {
	h := newHarness(t)
	for _, c := range []struct{ method, path string }{
		{"POST", "/v1/logins/lgn_nope/code"},
		{"POST", "/v1/logins/lgn_nope/code/renew"},
		{"POST", "/v1/logins/lgn_nope/qr"},
		{"GET", "/v1/logins/lgn_nope/events"},
		{"DELETE", "/v1/logins/lgn_nope"},
	} {
		h.do(c.method, c.path, pairing.CodeRequest{Code: "123456"}).apiErr(t, http.StatusNotFound, pairing.CodeLoginNotFound)
	}
}
