package mockserver_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

func TestStartLoginAnswersCodeAndQR(t *testing.T) {
	h := newHarness(t)
	now := h.Clock.Now()

	pl := h.startLogin(laptop)

	if pl.LoginID == "" || len(pl.LoginID) > pairing.MaxLoginIDLen {
		t.Fatalf("login_id %q", pl.LoginID)
	}
	if want := now.Add(10 * time.Minute); !pl.ExpiresAt.Equal(want) {
		t.Errorf("expires_at = %v, want %v (10 min)", pl.ExpiresAt, want)
	}
	if pl.Code.Length != 6 {
		t.Errorf("code length = %d, want 6", pl.Code.Length)
	}
	if want := now.Add(180 * time.Second); !pl.Code.ExpiresAt.Equal(want) {
		t.Errorf("code expires_at = %v, want %v (180 s)", pl.Code.ExpiresAt, want)
	}
	if want := now.Add(30 * time.Second); !pl.QR.ExpiresAt.Equal(want) {
		t.Errorf("qr expires_at = %v, want %v (30 s)", pl.QR.ExpiresAt, want)
	}
	p, err := pairing.ParseQR(pl.QR.Payload)
	if err != nil {
		t.Fatalf("QR payload does not parse: %v", err)
	}
	if p.LoginID != pl.LoginID || len(p.Secret) != pairing.QRSecretBytes {
		t.Errorf("QR payload names login %q with %d secret bytes", p.LoginID, len(p.Secret))
	}
	code := h.codeOnPhone(h.phone(), pl.LoginID)
	if _, err := pairing.NormalizeCode(code, 6); err != nil {
		t.Errorf("the phone shows %d characters that are not a 6-digit code", len(code))
	}
}

func TestStartLoginRejectsMalformedRequests(t *testing.T) {
	h := newHarness(t)
	good := loginBody(mockserver.DemoEmail, mockserver.DemoPassword, laptop)
	with := func(f func(*pairing.LoginRequest)) pairing.LoginRequest {
		r := good
		f(&r)
		return r
	}
	cases := []struct {
		name string
		body any
	}{
		{"empty body", ""},
		{"not JSON", "{email:"},
		{"trailing data", `{"email":"a@b.c"} {}`},
		{"array", "[]"},
		{"no e-mail", with(func(r *pairing.LoginRequest) { r.Email = "" })},
		{"e-mail without @", with(func(r *pairing.LoginRequest) { r.Email = "demo.linkdesk.test" })},
		{"no password", with(func(r *pairing.LoginRequest) { r.Password = "" })},
		{"huge password", with(func(r *pairing.LoginRequest) { r.Password = strings.Repeat("x", 2000) })},
		{"no device id", with(func(r *pairing.LoginRequest) { r.Device.ID = "" })},
		{"no device name", with(func(r *pairing.LoginRequest) { r.Device.Name = "" })},
		{"control character in name", with(func(r *pairing.LoginRequest) { r.Device.Name = "PC\x07" })},
		{"unknown platform", with(func(r *pairing.LoginRequest) { r.Device.Platform = "beos" })},
		{"no fingerprint", with(func(r *pairing.LoginRequest) { r.Device.Fingerprint = "" })},
		{"fingerprint with spaces", with(func(r *pairing.LoginRequest) { r.Device.Fingerprint = "a b" })},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h.do("POST", "/v1/logins", tc.body).apiErr(t, http.StatusBadRequest, pairing.CodeBadRequest)
		})
	}
	t.Run("body over 64 KiB", func(t *testing.T) {
		big := `{"email":"` + strings.Repeat("a", 70<<10) + `"}`
		h.do("POST", "/v1/logins", big).apiErr(t, http.StatusRequestEntityTooLarge, pairing.CodeBadRequest)
	})
	t.Run("malformed input is not counted as a wrong password", func(t *testing.T) {
		// Given the malformed requests above, when the right password comes, then it works.
		h.startLogin(laptop)
	})
}

func TestWrongPasswordsLockTheAccountWithDoublingLocks(t *testing.T) {
	h := newHarness(t)
	wrong := loginBody(mockserver.DemoEmail, "not-the-password", laptop)
	right := loginBody(mockserver.DemoEmail, mockserver.DemoPassword, laptop)

	wantLocks := []time.Duration{5 * time.Minute, 10 * time.Minute, 20 * time.Minute, 40 * time.Minute,
		80 * time.Minute, 160 * time.Minute, 320 * time.Minute, 640 * time.Minute, 1280 * time.Minute, 24 * time.Hour, 24 * time.Hour}
	for round, lock := range wantLocks {
		// Given four wrong passwords, each tells how many tries are left.
		for left := 4; left >= 1; left-- {
			e := h.do("POST", "/v1/logins", wrong).apiErr(t, http.StatusUnauthorized, pairing.CodeInvalidCredentials)
			if e.AttemptsLeft == nil || *e.AttemptsLeft != left {
				t.Fatalf("round %d: attempts_left = %v, want %d", round, e.AttemptsLeft, left)
			}
		}
		// When the fifth is wrong too, then the account locks for this round's time.
		now := h.Clock.Now()
		resp := h.do("POST", "/v1/logins", wrong)
		e := resp.apiErr(t, http.StatusLocked, pairing.CodeAccountLocked)
		if e.RetryAt == nil || !e.RetryAt.Equal(now.Add(lock)) {
			t.Fatalf("round %d: retry_at = %v, want %v (lock %s)", round, e.RetryAt, now.Add(lock), lock)
		}
		if resp.header.Get("Retry-After") == "" {
			t.Errorf("round %d: 423 without Retry-After", round)
		}
		// While locked, even the right password is refused.
		h.Clock.Advance(lock - time.Second)
		h.do("POST", "/v1/logins", right).apiErr(t, http.StatusLocked, pairing.CodeAccountLocked)
		h.Clock.Advance(time.Second)
	}

	// Then after the last lock the right password works and resets the count:
	h.startLogin(laptop)
	for left := 4; left >= 1; left-- {
		h.do("POST", "/v1/logins", wrong).apiErr(t, http.StatusUnauthorized, pairing.CodeInvalidCredentials)
	}
	now := h.Clock.Now()
	e := h.do("POST", "/v1/logins", wrong).apiErr(t, http.StatusLocked, pairing.CodeAccountLocked)
	if !e.RetryAt.Equal(now.Add(5 * time.Minute)) {
		t.Errorf("after a success the next lock is %v, want 5 min", e.RetryAt.Sub(now))
	}
}

func TestSuccessResetsTheWrongPasswordCount(t *testing.T) {
	h := newHarness(t)
	wrong := loginBody(mockserver.DemoEmail, "nope-nope", laptop)
	for range 4 {
		h.do("POST", "/v1/logins", wrong).apiErr(t, http.StatusUnauthorized, pairing.CodeInvalidCredentials)
	}
	h.startLogin(laptop)
	e := h.do("POST", "/v1/logins", wrong).apiErr(t, http.StatusUnauthorized, pairing.CodeInvalidCredentials)
	if *e.AttemptsLeft != 4 {
		t.Errorf("attempts_left after a success = %d, want 4", *e.AttemptsLeft)
	}
}

// TestUnknownEmailIsIndistinguishable: an attacker must not learn whether an
// account exists: every answer for an unknown address equals the answer for
// a known one with a wrong password, apart from the request ID.
func TestUnknownEmailIsIndistinguishable(t *testing.T) {
	h := newHarness(t)
	known := loginBody(mockserver.DemoEmail, "wrong-password", laptop)
	unknown := loginBody("nobody@linkdesk.test", "wrong-password", laptop)
	for i := range 7 { // through the lock and beyond
		a := h.do("POST", "/v1/logins", known)
		b := h.do("POST", "/v1/logins", unknown)
		if a.status != b.status {
			t.Fatalf("attempt %d: status %d (known) vs %d (unknown)", i+1, a.status, b.status)
		}
		if ja, jb := withoutRequestID(t, a.body), withoutRequestID(t, b.body); ja != jb {
			t.Fatalf("attempt %d: bodies differ:\nknown   %s\nunknown %s", i+1, ja, jb)
		}
		if a.header.Get("Retry-After") != b.header.Get("Retry-After") {
			t.Fatalf("attempt %d: Retry-After differs", i+1)
		}
	}
	// The phone sign-in answers alike too.
	if err := h.AddAccount("anna@linkdesk.test", "anna-password", "Anna"); err != nil {
		t.Fatal(err)
	}
	a := h.do("POST", "/phone/v1/signin", pairing.PhoneSignInRequest{Email: "Anna@LINKDESK.test ", Password: "x-wrong-x"})
	b := h.do("POST", "/phone/v1/signin", pairing.PhoneSignInRequest{Email: "ghost@linkdesk.test", Password: "x-wrong-x"})
	if a.status != b.status || withoutRequestID(t, a.body) != withoutRequestID(t, b.body) {
		t.Errorf("phone sign-in differs: %d %s vs %d %s", a.status, a.body, b.status, b.body)
	}
}

func withoutRequestID(t *testing.T, body []byte) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("not JSON: %s", body)
	}
	delete(m, "request_id")
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestEmailIsCaseAndSpaceInsensitive(t *testing.T) {
	h := newHarness(t)
	var pl pairing.PendingLogin
	h.do("POST", "/v1/logins", loginBody("  Demo@LinkDesk.TEST ", mockserver.DemoPassword, laptop)).decode(t, http.StatusCreated, &pl)
}

func TestLoginBudgetBlocksForADay(t *testing.T) {
	h := newHarness(t)
	// Given ten pending logins and new codes within 24 h (mixed),
	for range 5 {
		h.startLogin(laptop)
		h.Clock.Advance(time.Hour)
	}
	pl := h.startLogin(laptop)
	for range 4 {
		h.do("POST", "/v1/logins/"+pl.LoginID+"/code/renew", nil, ownerHdr(laptop)).decode(t, http.StatusOK, nil)
	}
	// When one more is asked for,
	now := h.Clock.Now()
	resp := h.do("POST", "/v1/logins", loginBody(mockserver.DemoEmail, mockserver.DemoPassword, laptop))
	// Then it is refused with a 24 h block, and so is a new code.
	e := resp.apiErr(t, http.StatusTooManyRequests, pairing.CodeTooManyRequests)
	if e.RetryAt == nil || !e.RetryAt.Equal(now.Add(24*time.Hour)) {
		t.Fatalf("retry_at = %v, want %v", e.RetryAt, now.Add(24*time.Hour))
	}
	if resp.header.Get("Retry-After") != "86400" {
		t.Errorf("Retry-After = %q, want 86400", resp.header.Get("Retry-After"))
	}
	// The block is per account: the renewal of an open login is refused too.
	e = h.do("POST", "/v1/logins/"+pl.LoginID+"/code/renew", nil, ownerHdr(laptop)).apiErr(t, http.StatusTooManyRequests, pairing.CodeTooManyRequests)
	if !e.RetryAt.Equal(now.Add(24 * time.Hour)) {
		t.Errorf("renew retry_at = %v", e.RetryAt)
	}
	// The block does not grow with further tries, and lifts after 24 h.
	h.Clock.Advance(24*time.Hour - time.Millisecond)
	e = h.do("POST", "/v1/logins", loginBody(mockserver.DemoEmail, mockserver.DemoPassword, laptop)).
		apiErr(t, http.StatusTooManyRequests, pairing.CodeTooManyRequests)
	if !e.RetryAt.Equal(now.Add(24 * time.Hour)) {
		t.Errorf("retry_at moved to %v", e.RetryAt)
	}
	h.Clock.Advance(time.Millisecond)
	h.startLogin(laptop)
}

func TestLoginBudgetIsARollingWindow(t *testing.T) {
	h := newHarness(t)
	// Given nine logins an hour apart,
	for range 9 {
		h.startLogin(laptop)
		h.Clock.Advance(time.Hour)
	}
	// when the first drops out of the 24 h window, two more fit without a block.
	h.Clock.Advance(15 * time.Hour)
	h.startLogin(laptop)
	h.startLogin(laptop)
	h.do("POST", "/v1/logins", loginBody(mockserver.DemoEmail, mockserver.DemoPassword, laptop)).
		apiErr(t, http.StatusTooManyRequests, pairing.CodeTooManyRequests)
}

func TestWrongPasswordDoesNotSpendTheBudget(t *testing.T) {
	h := newHarness(t, func(c *mockserver.Config) { c.PasswordAttempts = 100 })
	for range 20 {
		h.do("POST", "/v1/logins", loginBody(mockserver.DemoEmail, "wrong-one", laptop)).
			apiErr(t, http.StatusUnauthorized, pairing.CodeInvalidCredentials)
	}
	h.startLogin(laptop)
}

func TestCancelLogin(t *testing.T) {
	h := newHarness(t)
	pl, s := h.followedLogin()

	h.do("DELETE", "/v1/logins/"+pl.LoginID, nil, ownerHdr(laptop)).decode(t, http.StatusNoContent, nil)

	s.ended(t)
	h.do("DELETE", "/v1/logins/"+pl.LoginID, nil, ownerHdr(laptop)).apiErr(t, http.StatusNotFound, pairing.CodeLoginNotFound)
	h.do("POST", "/v1/logins/"+pl.LoginID+"/code", pairing.CodeRequest{Code: "123456"}, ownerHdr(laptop)).
		apiErr(t, http.StatusNotFound, pairing.CodeLoginNotFound)
	if len(h.link(h.phone()).Pending) != 0 {
		t.Error("the phone still shows the cancelled login")
	}
}

func TestUnknownRoutesAnswerTheErrorShape(t *testing.T) {
	h := newHarness(t)
	h.do("GET", "/v2/anything", nil).apiErr(t, http.StatusNotFound, pairing.CodeNotFound)
	h.do("PUT", "/v1/logins", nil).apiErr(t, http.StatusNotFound, pairing.CodeNotFound)
}

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
