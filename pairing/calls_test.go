package pairing_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

func TestStartLogin(t *testing.T) {
	m := startMock(t)
	c := m.Client(pairing.Options{})
	dev := desktop("ANNA-LAPTOP")

	// When the person signs in with the right password
	pl := m.startLogin(c, dev)

	// Then a pending login waits for the phone: code length and lifetimes
	// as docs/PROTOCOL.md says, and a QR payload that names this login.
	now := m.Clock.Now()
	if pl.Code.Length != 6 {
		t.Errorf("code length = %d, want 6", pl.Code.Length)
	}
	if got := pl.Code.ExpiresAt.Sub(now); got != 180*time.Second {
		t.Errorf("code lifetime = %v, want 180s", got)
	}
	if got := pl.ExpiresAt.Sub(now); got != 10*time.Minute {
		t.Errorf("login lifetime = %v, want 10m", got)
	}
	qr, err := pairing.ParseQR(pl.QR.Payload)
	if err != nil {
		t.Fatalf("QR payload does not parse: %v", err)
	}
	if qr.LoginID != pl.LoginID {
		t.Errorf("QR names login %q, want %q", qr.LoginID, pl.LoginID)
	}
	// And the phone shows this computer with the code.
	screen := m.link(m.phone())
	if len(screen.Pending) != 1 || screen.Pending[0].Device.Name != dev.Name || len(screen.Pending[0].Code) != 6 {
		t.Fatalf("phone shows %+v, want one pending request from %s with a 6-digit code", screen.Pending, dev.Name)
	}
}

func TestStartLoginRefusals(t *testing.T) {
	m := startMock(t)
	c := m.Client(pairing.Options{})
	ctx := t.Context()
	dev := desktop("PC")
	start := func(email, password string, d pairing.Device) error {
		_, err := c.StartLogin(ctx, pairing.LoginRequest{Email: email, Password: password, Device: d})
		return err
	}

	t.Run("bad_request", func(t *testing.T) {
		// Given a request without a device fingerprint
		nofp := dev
		nofp.Fingerprint = ""
		assertServerError(t, start(mockserver.DemoEmail, mockserver.DemoPassword, nofp), pairing.CodeBadRequest, 400)
	})

	t.Run("maintenance", func(t *testing.T) {
		m.SetMaintenance(true)
		defer m.SetMaintenance(false)
		err := start(mockserver.DemoEmail, mockserver.DemoPassword, dev)
		assertServerError(t, err, pairing.CodeMaintenance, 503)
		if !pairing.Temporary(err) {
			t.Error("maintenance should be temporary")
		}
	})

	t.Run("invalid_credentials then account_locked", func(t *testing.T) {
		// When the wrong password is typed again and again
		left := 99
		for i := 0; ; i++ {
			err := start(mockserver.DemoEmail, "wrong-password", dev)
			var pe *pairing.Error
			if errors.As(err, &pe) && pe.Code == pairing.CodeAccountLocked {
				break
			}
			// Then each answer says how many tries are left, fewer each time
			pe = assertServerError(t, err, pairing.CodeInvalidCredentials, 401)
			if pe.AttemptsLeft == nil || *pe.AttemptsLeft >= left {
				t.Fatalf("attempts_left = %v after %d", pe.AttemptsLeft, left)
			}
			left = *pe.AttemptsLeft
			if i == 6 {
				t.Fatal("the account never locked")
			}
		}
		// And the account locks for 5 minutes, even for the right password.
		err := start(mockserver.DemoEmail, mockserver.DemoPassword, dev)
		pe := assertServerError(t, err, pairing.CodeAccountLocked, 423)
		if want := m.Clock.Now().Add(5 * time.Minute); !pe.RetryAt.Equal(want) {
			t.Errorf("RetryAt = %v, want %v", pe.RetryAt, want)
		}
		if pairing.Temporary(err) {
			t.Error("a lock is not retried unchanged")
		}
	})
}

func TestStartLoginBudget(t *testing.T) {
	m := startMock(t)
	c := m.Client(pairing.Options{})
	dev := desktop("PC")
	// Given the 10 pending logins an account may open in 24 h
	for range 10 {
		m.startLogin(c, dev)
	}
	// When one more is asked for
	_, err := c.StartLogin(t.Context(), pairing.LoginRequest{Email: mockserver.DemoEmail, Password: mockserver.DemoPassword, Device: dev})
	// Then the account is blocked for 24 h and the error says until when.
	pe := assertServerError(t, err, pairing.CodeTooManyRequests, 429)
	if want := m.Clock.Now().Add(24 * time.Hour); !pe.RetryAt.Equal(want) {
		t.Errorf("RetryAt = %v, want %v", pe.RetryAt, want)
	}
}

func TestSubmitCode(t *testing.T) {
	m := startMock(t)
	dev := desktop("ANNA-LAPTOP")
	d := m.waitingDesktop(pairing.Options{}, dev)
	code, err := d.phone.CodeFor(t.Context(), d.pl.LoginID)
	if err != nil {
		t.Fatal(err)
	}
	// When the person types the code as the phone groups it
	typed := code[:3] + " " + code[3:]
	norm, err := pairing.NormalizeCode(typed, d.pl.Code.Length)
	if err != nil {
		t.Fatal(err)
	}
	g, err := d.c.SubmitCode(t.Context(), d.pl.LoginID, norm)
	// Then a session token is issued for this computer and account.
	if err != nil {
		t.Fatalf("SubmitCode: %v", err)
	}
	if !strings.HasPrefix(g.Token, pairing.TokenPrefix) || g.Session.Account.Email != mockserver.DemoEmail ||
		g.Session.Device.Fingerprint != dev.Fingerprint {
		t.Fatalf("grant = token %t, session %+v", strings.HasPrefix(g.Token, pairing.TokenPrefix), g.Session)
	}
	// And the pending login is used up.
	_, err = d.c.SubmitCode(t.Context(), d.pl.LoginID, norm)
	assertServerError(t, err, pairing.CodeLoginNotFound, 404)
}

func TestSubmitCodeRefusals(t *testing.T) {
	cases := []struct {
		name   string
		given  func(m *mock, d waiting) // what happened before the code is typed
		code   string
		status int
		left   int // attempts_left, -1 when not said
	}{
		{"invalid_code", nil, pairing.CodeInvalidCode, 400, 4},
		{"login_not_found", func(m *mock, d waiting) {
			if err := d.c.CancelLogin(m.t.Context(), d.pl.LoginID); err != nil {
				m.t.Fatal(err)
			}
		}, pairing.CodeLoginNotFound, 404, -1},
		{"code_expired", func(m *mock, _ waiting) {
			m.Clock.Advance(181 * time.Second)
		}, pairing.CodeCodeExpired, 410, -1},
		{"login_expired", func(m *mock, _ waiting) {
			m.Clock.Advance(10*time.Minute + time.Second)
		}, pairing.CodeLoginExpired, 410, -1},
		{"login_declined", func(m *mock, d waiting) {
			if err := d.phone.Decline(m.t.Context(), d.pl.LoginID); err != nil {
				m.t.Fatal(err)
			}
		}, pairing.CodeLoginDeclined, 409, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := startMock(t)
			d := m.waitingDesktop(pairing.Options{}, desktop("PC"))
			code, err := d.phone.CodeFor(t.Context(), d.pl.LoginID)
			if err != nil {
				t.Fatal(err)
			}
			// Given the situation
			if tc.given != nil {
				tc.given(m, d)
			} else {
				code = wrongCode(code)
			}
			// When the code is submitted
			_, err = d.c.SubmitCode(t.Context(), d.pl.LoginID, code)
			// Then the error says why, with the tries left where they matter.
			pe := assertServerError(t, err, tc.code, tc.status)
			if tc.left >= 0 && (pe.AttemptsLeft == nil || *pe.AttemptsLeft != tc.left) {
				t.Errorf("attempts_left = %v, want %d", pe.AttemptsLeft, tc.left)
			}
			if strings.Contains(err.Error(), code) {
				t.Errorf("error %q contains the code", err)
			}
		})
	}
}

// wrongCode returns a code of the same length that differs in every digit.
func wrongCode(code string) string {
	b := []byte(code)
	for i := range b {
		b[i] = '0' + (b[i]-'0'+1)%10
	}
	return string(b)
}

func TestWrongCodesDestroyTheLogin(t *testing.T) {
	m := startMock(t)
	c := m.Client(pairing.Options{})
	pl := m.startLogin(c, desktop("PC"))
	code, err := m.phone().CodeFor(t.Context(), pl.LoginID)
	if err != nil {
		t.Fatal(err)
	}
	// When five wrong codes are typed
	for want := 4; want >= 0; want-- {
		_, err := c.SubmitCode(t.Context(), pl.LoginID, wrongCode(code))
		pe := assertServerError(t, err, pairing.CodeInvalidCode, 400)
		if pe.AttemptsLeft == nil || *pe.AttemptsLeft != want {
			t.Fatalf("attempts_left = %v, want %d", pe.AttemptsLeft, want)
		}
	}
	// Then even the right code no longer works: the pending login is gone.
	_, err = c.SubmitCode(t.Context(), pl.LoginID, code)
	assertServerError(t, err, pairing.CodeLoginNotFound, 404)
}

func TestRenewCode(t *testing.T) {
	m := startMock(t)
	c := m.Client(pairing.Options{})
	p := m.phone()
	pl := m.startLogin(c, desktop("PC"))
	old, err := p.CodeFor(t.Context(), pl.LoginID)
	if err != nil {
		t.Fatal(err)
	}
	m.Clock.Advance(time.Minute)

	// When a new code is asked for
	info, err := c.RenewCode(t.Context(), pl.LoginID)
	// Then it lives 180 s from now, and the phone shows it instead of the old one.
	if err != nil {
		t.Fatalf("RenewCode: %v", err)
	}
	if got := info.ExpiresAt.Sub(m.Clock.Now()); got != 180*time.Second || info.Length != 6 {
		t.Errorf("renewed code: length %d, lifetime %v", info.Length, got)
	}
	fresh, err := p.CodeFor(t.Context(), pl.LoginID)
	if err != nil {
		t.Fatal(err)
	}
	if fresh != old { // equal once in 10⁶ runs
		_, err = c.SubmitCode(t.Context(), pl.LoginID, old)
		assertServerError(t, err, pairing.CodeInvalidCode, 400)
	}

	// And renewing is refused once the account's budget is spent: the
	// login above counted once, so nine renewals are left.
	pl2 := m.startLogin(c, desktop("PC2"))
	var last error
	for range 10 {
		if _, last = c.RenewCode(t.Context(), pl2.LoginID); last != nil {
			break
		}
	}
	assertServerError(t, last, pairing.CodeTooManyRequests, 429)

	_, err = c.RenewCode(t.Context(), "lgn_unknown")
	assertServerError(t, err, pairing.CodeLoginNotFound, 404)
}

func TestRotateQR(t *testing.T) {
	m := startMock(t)
	c := m.Client(pairing.Options{})
	pl := m.startLogin(c, desktop("PC"))
	// When the desktop asks for a fresh QR code
	qr, err := c.RotateQR(t.Context(), pl.LoginID)
	// Then the payload changes but still names the same login.
	if err != nil {
		t.Fatalf("RotateQR: %v", err)
	}
	if qr.Payload == pl.QR.Payload {
		t.Error("payload did not change")
	}
	if p, err := pairing.ParseQR(qr.Payload); err != nil || p.LoginID != pl.LoginID {
		t.Errorf("rotated payload: %+v, %v", p.LoginID, err)
	}
	if !qr.ExpiresAt.After(m.Clock.Now()) {
		t.Errorf("rotated payload already expired at %v", qr.ExpiresAt)
	}
	_, err = c.RotateQR(t.Context(), "lgn_unknown")
	assertServerError(t, err, pairing.CodeLoginNotFound, 404)
}

func TestCancelLogin(t *testing.T) {
	m := startMock(t)
	d := m.waitingDesktop(pairing.Options{}, desktop("PC"))
	// When the person presses Cancel
	if err := d.c.CancelLogin(t.Context(), d.pl.LoginID); err != nil {
		t.Fatalf("CancelLogin: %v", err)
	}
	// Then the phone no longer shows the request, and cancelling again finds nothing.
	screen := m.link(d.phone)
	if len(screen.Pending) != 0 {
		t.Errorf("phone still shows %+v", screen.Pending)
	}
	assertServerError(t, d.c.CancelLogin(t.Context(), d.pl.LoginID), pairing.CodeLoginNotFound, 404)
}

func TestSession(t *testing.T) {
	m := startMock(t)
	dev := desktop("ANNA-LAPTOP")
	d := m.signedInDesktop(pairing.Options{}, dev)
	g := d.grant
	m.Clock.Advance(time.Hour)

	// When the desktop starts again and checks its stored token
	s, err := d.c.Session(t.Context(), d.creds)
	// Then the server describes the same session, seen just now.
	if err != nil {
		t.Fatalf("Session: %v", err)
	}
	if s.ID != g.Session.ID || s.Account.Email != mockserver.DemoEmail || s.Device.Name != dev.Name {
		t.Errorf("session = %+v, want %s for %s on %s", s, g.Session.ID, mockserver.DemoEmail, dev.Name)
	}
	if !s.LastSeenAt.Equal(m.Clock.Now()) {
		t.Errorf("last seen %v, want now %v", s.LastSeenAt, m.Clock.Now())
	}
}

type sessionEnder struct {
	name   string // defaults to reason
	reason string
	end    func(m *mock, d signedIn)
	// probe is the credentials the desktop uses afterwards (its own by default).
	probe func(cr pairing.Credentials) pairing.Credentials
}

// sessionEnders are the ways a session ends, each with the reason the
// desktop must show. They serve the session call and the session stream.
var sessionEnders = []sessionEnder{
	{reason: pairing.CodeSessionRevoked, end: func(m *mock, d signedIn) {
		if err := d.phone.RevokeDevice(m.t.Context(), d.grant.Session.ID); err != nil {
			m.t.Fatalf("RevokeDevice: %v", err)
		}
	}},
	{reason: pairing.CodeSignedInElsewhere, end: func(m *mock, d signedIn) {
		m.signIn(d.c, d.phone, desktop("OTHER-PC"))
	}},
	{reason: pairing.CodePasswordChanged, end: func(m *mock, d signedIn) {
		if err := d.phone.ChangePassword(m.t.Context(), mockserver.DemoPassword, "a-new-password-42"); err != nil {
			m.t.Fatalf("ChangePassword: %v", err)
		}
	}},
	{reason: pairing.CodeSessionExpired, end: func(m *mock, d signedIn) {
		m.Clock.Advance(30*24*time.Hour + time.Second)
	}},
	{reason: pairing.CodeDeviceChanged, end: func(m *mock, d signedIn) {
		// The settings were copied to another computer, which used the token.
		copied := d.creds
		copied.Fingerprint = desktop("COPY").Fingerprint
		_, err := d.c.Session(m.t.Context(), copied)
		assertServerError(m.t, err, pairing.CodeDeviceChanged, 401)
	}},
	{reason: pairing.CodeInvalidToken, end: func(m *mock, d signedIn) {
		if err := d.c.SignOut(m.t.Context(), d.creds); err != nil {
			m.t.Fatalf("SignOut: %v", err)
		}
	}},
	{name: "forged token", reason: pairing.CodeInvalidToken, end: func(*mock, signedIn) {},
		probe: func(cr pairing.Credentials) pairing.Credentials {
			cr.Token = pairing.TokenPrefix + "Zm9yZ2VkLXRva2VuLWZvcmdlZC10b2tlbi1mb3JnZWQ"
			return cr
		}},
}

func (e sessionEnder) title() string {
	if e.name != "" {
		return e.name
	}
	return e.reason
}

func TestSessionEnded(t *testing.T) {
	for _, tc := range sessionEnders {
		t.Run(tc.title(), func(t *testing.T) {
			m := startMock(t)
			d := m.signedInDesktop(pairing.Options{}, desktop("PC"))
			// Given the session ended this way
			tc.end(m, d)
			cr := d.creds
			if tc.probe != nil {
				cr = tc.probe(cr)
			}
			// When the desktop checks its token
			_, err := d.c.Session(t.Context(), cr)
			// Then it is told why, as a session end.
			pe := assertServerError(t, err, tc.reason, 401)
			if !pairing.IsSessionEnd(pe.Code) {
				t.Errorf("IsSessionEnd(%q) = false", pe.Code)
			}
		})
	}
}

func TestSignOut(t *testing.T) {
	m := startMock(t)
	d := m.signedInDesktop(pairing.Options{}, desktop("PC"))
	// When the person signs out
	if err := d.c.SignOut(t.Context(), d.creds); err != nil {
		t.Fatalf("SignOut: %v", err)
	}
	// Then the phone no longer lists the computer, and the token is dead.
	screen := m.link(d.phone)
	if len(screen.Devices) != 0 {
		t.Errorf("phone still lists %+v", screen.Devices)
	}
	assertServerError(t, d.c.SignOut(t.Context(), d.creds), pairing.CodeInvalidToken, 401)
}
