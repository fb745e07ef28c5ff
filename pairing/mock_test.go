package pairing_test

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
	"github.com/linkdesk/linkdesk/pairing/mockserver/mocktest"
)

// waitFor bounds every wait for something the server pushes.
const waitFor = mocktest.Wait

// mock is the real mock server (mocktest.Run) with the pairing tests' own
// steps on top.
type mock struct {
	*mocktest.Server
	t *testing.T
}

func startMock(t *testing.T, mutate ...func(*mockserver.Config)) *mock {
	t.Helper()
	return &mock{Server: mocktest.Run(t, mutate...), t: t}
}

// phone returns a phone signed in to the demo account.
func (m *mock) phone() *mocktest.Phone { return m.Phone(mockserver.DemoEmail, mockserver.DemoPassword) }

// link reads the device-link screen of phone p.
func (m *mock) link(p *mocktest.Phone) *pairing.LinkScreen {
	m.t.Helper()
	screen, err := p.Link(m.t.Context())
	if err != nil {
		m.t.Fatalf("phone link screen: %v", err)
	}
	return screen
}

// desktop describes a computer named name, as app/ would.
func desktop(name string) pairing.Device {
	sum := sha256.Sum256([]byte("machine " + name))
	return pairing.Device{ID: "dev-" + name, Name: name, Platform: pairing.PlatformLinux, Fingerprint: hex.EncodeToString(sum[:])}
}

// startLogin opens a pending login for the demo account from dev.
func (m *mock) startLogin(c *pairing.Client, dev pairing.Device) *pairing.PendingLogin {
	m.t.Helper()
	pl, err := c.StartLogin(m.t.Context(), pairing.LoginRequest{Email: mockserver.DemoEmail, Password: mockserver.DemoPassword, Device: dev})
	if err != nil {
		m.t.Fatalf("StartLogin: %v", err)
	}
	return pl
}

// signIn completes a sign-in of dev by typing the code the phone shows.
func (m *mock) signIn(c *pairing.Client, p *mocktest.Phone, dev pairing.Device) (*pairing.Grant, pairing.Credentials) {
	m.t.Helper()
	pl := m.startLogin(c, dev)
	code, err := p.CodeFor(m.t.Context(), pl.LoginID)
	if err != nil {
		m.t.Fatalf("CodeFor: %v", err)
	}
	g, err := c.SubmitCode(m.t.Context(), pl.LoginID, code)
	if err != nil {
		m.t.Fatalf("SubmitCode: %v", err)
	}
	return g, pairing.Credentials{Token: g.Token, Fingerprint: dev.Fingerprint}
}

// waiting is a desktop client waiting on a pending login of the demo
// account, and the phone that shows it.
type waiting struct {
	c     *pairing.Client
	phone *mocktest.Phone
	pl    *pairing.PendingLogin
}

// waitingDesktop signs the phone in, then starts a login as dev from a new
// client with opts.
func (m *mock) waitingDesktop(opts pairing.Options, dev pairing.Device) waiting {
	m.t.Helper()
	c := m.Client(opts)
	p := m.phone()
	return waiting{c: c, phone: p, pl: m.startLogin(c, dev)}
}

// signedIn is a desktop client signed in to the demo account with the
// phone's code.
type signedIn struct {
	c     *pairing.Client
	phone *mocktest.Phone
	grant *pairing.Grant
	creds pairing.Credentials
}

// signedInDesktop signs a new client with opts in as dev.
func (m *mock) signedInDesktop(opts pairing.Options, dev pairing.Device) signedIn {
	m.t.Helper()
	c := m.Client(opts)
	p := m.phone()
	g, cr := m.signIn(c, p, dev)
	return signedIn{c: c, phone: p, grant: g, creds: cr}
}

// next returns the next event of ch, failing if none comes in time or ch closed.
func next[E any](t *testing.T, ch <-chan E) E {
	t.Helper()
	return mocktest.Receive(t, ch, "stream event")
}

// assertClosed fails unless ch is closed without a further event.
func assertClosed[E any](t *testing.T, ch <-chan E) {
	t.Helper()
	mocktest.Closed(t, ch, "stream event")
}

// assertServerError checks an error answered by the server: its code, that
// it carries a request ID for support, and that no secret leaked into it.
func assertServerError(t *testing.T, err error, code string, status int) *pairing.Error {
	t.Helper()
	pe := assertCode(t, err, code)
	if pe.Status != status {
		t.Errorf("Status = %d, want %d", pe.Status, status)
	}
	if pe.RequestID == "" {
		t.Errorf("no request ID in %v", err)
	}
	if strings.Contains(err.Error(), mockserver.DemoPassword) || strings.Contains(err.Error(), pairing.TokenPrefix) {
		t.Errorf("error %q carries a secret", err)
	}
	return pe
}
