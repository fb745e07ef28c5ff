package pairing_test

import (
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
	"github.com/linkdesk/linkdesk/pairing/mockserver/mocktest"
)

func TestSession(t *testing.T) {
	m := startMock(t)
	c := m.Client(pairing.Options{})
	dev := desktop("ANNA-LAPTOP")
	g, cr := m.signIn(c, m.phone(), dev)
	m.Clock.Advance(time.Hour)

	// When the desktop starts again and checks its stored token
	s, err := c.Session(t.Context(), cr)
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
	end    func(m *mock, c *pairing.Client, p *mocktest.Phone, g *pairing.Grant, cr pairing.Credentials)
	// probe is the credentials the desktop uses afterwards (its own by default).
	probe func(cr pairing.Credentials) pairing.Credentials
}

// sessionEnders are the ways a session ends, each with the reason the
// desktop must show. They serve the session call and the session stream.
var sessionEnders = []sessionEnder{
	{reason: pairing.CodeSessionRevoked, end: func(m *mock, c *pairing.Client, p *mocktest.Phone, g *pairing.Grant, cr pairing.Credentials) {
		if err := p.RevokeDevice(m.t.Context(), g.Session.ID); err != nil {
			m.t.Fatalf("RevokeDevice: %v", err)
		}
	}},
	{reason: pairing.CodeSignedInElsewhere, end: func(m *mock, c *pairing.Client, p *mocktest.Phone, g *pairing.Grant, cr pairing.Credentials) {
		m.signIn(c, p, desktop("OTHER-PC"))
	}},
	{reason: pairing.CodePasswordChanged, end: func(m *mock, c *pairing.Client, p *mocktest.Phone, g *pairing.Grant, cr pairing.Credentials) {
		if err := p.ChangePassword(m.t.Context(), mockserver.DemoPassword, "a-new-password-42"); err != nil {
			m.t.Fatalf("ChangePassword: %v", err)
		}
	}},
	{reason: pairing.CodeSessionExpired, end: func(m *mock, c *pairing.Client, p *mocktest.Phone, g *pairing.Grant, cr pairing.Credentials) {
		m.Clock.Advance(30*24*time.Hour + time.Second)
	}},
	{reason: pairing.CodeDeviceChanged, end: func(m *mock, c *pairing.Client, p *mocktest.Phone, g *pairing.Grant, cr pairing.Credentials) {
		// The settings were copied to another computer, which used the token.
		cr.Fingerprint = desktop("COPY").Fingerprint
		_, err := c.Session(m.t.Context(), cr)
		assertServerError(m.t, err, pairing.CodeDeviceChanged, 401)
	}},
	{reason: pairing.CodeInvalidToken, end: func(m *mock, c *pairing.Client, p *mocktest.Phone, g *pairing.Grant, cr pairing.Credentials) {
		if err := c.SignOut(m.t.Context(), cr); err != nil {
			m.t.Fatalf("SignOut: %v", err)
		}
	}},
	{name: "forged token", reason: pairing.CodeInvalidToken, end: func(*mock, *pairing.Client, *mocktest.Phone, *pairing.Grant, pairing.Credentials) {},
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
			c := m.Client(pairing.Options{})
			p := m.phone()
			g, cr := m.signIn(c, p, desktop("PC"))
			// Given the session ended this way
			tc.end(m, c, p, g, cr)
			if tc.probe != nil {
				cr = tc.probe(cr)
			}
			// When the desktop checks its token
			_, err := c.Session(t.Context(), cr)
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
	c := m.Client(pairing.Options{})
	p := m.phone()
	_, cr := m.signIn(c, p, desktop("PC"))
	// When the person signs out
	if err := c.SignOut(t.Context(), cr); err != nil {
		t.Fatalf("SignOut: %v", err)
	}
	// Then the phone no longer lists the computer, and the token is dead.
	screen, err := p.Link(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(screen.Devices) != 0 {
		t.Errorf("phone still lists %+v", screen.Devices)
	}
	assertServerError(t, c.SignOut(t.Context(), cr), pairing.CodeInvalidToken, 401)
}
