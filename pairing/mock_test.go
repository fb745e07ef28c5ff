package pairing_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

// waitFor bounds every wait for something the server pushes.
const waitFor = 5 * time.Second

// mock is the real mock server, in-process behind httptest, with a fake
// clock. It signals every event stream the server starts writing.
type mock struct {
	t      *testing.T
	srv    *mockserver.Server
	ts     *httptest.Server
	clock  *mockserver.Clock
	opened chan string // path of each event stream, once its first bytes are flushed
}

func startMock(t *testing.T, mutate ...func(*mockserver.Config)) *mock {
	t.Helper()
	cfg := mockserver.TestConfig()
	cfg.TickInterval = 20 * time.Millisecond // rotation and expiry are noticed quickly
	for _, f := range mutate {
		f(&cfg)
	}
	srv, err := mockserver.New(cfg)
	if err != nil {
		t.Fatalf("mockserver.New: %v", err)
	}
	m := &mock{t: t, srv: srv, clock: srv.Clock(), opened: make(chan string, 64)}
	api := srv.Handler()
	m.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/events") {
			w = &flushSignal{ResponseWriter: w, path: r.URL.Path, ch: m.opened}
		}
		api.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		m.ts.CloseClientConnections() // open streams would hold Close
		if err := srv.Close(); err != nil {
			t.Errorf("mock server Close: %v", err)
		}
		m.ts.Close()
	})
	return m
}

// flushSignal reports the first flush of a stream: the server is then
// subscribed and anything that happens from now on is pushed.
type flushSignal struct {
	http.ResponseWriter
	path string
	ch   chan<- string
	once sync.Once
}

func (f *flushSignal) Flush() {
	if fl, ok := f.ResponseWriter.(http.Flusher); ok {
		fl.Flush()
	}
	f.once.Do(func() {
		select {
		case f.ch <- f.path:
		default: // nobody counts this many streams
		}
	})
}

// Unwrap lets http.ResponseController reach Hijack for the drop fault.
func (f *flushSignal) Unwrap() http.ResponseWriter { return f.ResponseWriter }

// waitOpened waits until n more event streams have started.
func (m *mock) waitOpened(n int) {
	m.t.Helper()
	timeout := time.After(waitFor)
	for range n {
		select {
		case <-m.opened:
		case <-timeout:
			m.t.Fatalf("event stream not opened within %v", waitFor)
		}
	}
}

// client returns a desktop client for the mock; streams reconnect quickly.
func (m *mock) client(opts pairing.Options) *pairing.Client {
	m.t.Helper()
	if opts.ReconnectDelay == 0 {
		opts.ReconnectDelay = 10 * time.Millisecond
	}
	return newClient(m.t, m.ts.URL, opts)
}

// phone returns a phone client signed in to the demo account.
func (m *mock) phone() *pairing.PhoneClient {
	m.t.Helper()
	p, err := pairing.NewPhoneClient(m.ts.URL, pairing.Options{})
	if err != nil {
		m.t.Fatalf("NewPhoneClient: %v", err)
	}
	if err := p.SignIn(m.t.Context(), mockserver.DemoEmail, mockserver.DemoPassword); err != nil {
		m.t.Fatalf("phone SignIn: %v", err)
	}
	return p
}

// addFault queues a fault through the tester API's Go form.
func (m *mock) addFault(f mockserver.Fault) {
	m.t.Helper()
	if _, err := m.srv.AddFault(f); err != nil {
		m.t.Fatalf("AddFault: %v", err)
	}
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
func (m *mock) signIn(c *pairing.Client, p *pairing.PhoneClient, dev pairing.Device) (*pairing.Grant, pairing.Credentials) {
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

// checkOf reads the number the desktop of a scanned login shows from the
// tester controls (Server.Logins), for tests whose desktop is not listening.
func (m *mock) checkOf(loginID string) string {
	m.t.Helper()
	logins, err := m.srv.Logins("")
	if err != nil {
		m.t.Fatal(err)
	}
	for _, l := range logins {
		if l.LoginID == loginID && l.Check != "" {
			return l.Check
		}
	}
	m.t.Fatalf("login %s is not pending and scanned", loginID)
	return ""
}

// next returns the next event of ch, failing if none comes in time or ch closed.
func next[E any](t *testing.T, ch <-chan E) E {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("stream closed, want another event")
		}
		return ev
	case <-time.After(waitFor):
		t.Fatalf("no event within %v", waitFor)
	}
	var zero E // not reached: Fatalf ends the test
	return zero
}

// assertClosed fails unless ch is closed without a further event.
func assertClosed[E any](t *testing.T, ch <-chan E) {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if ok {
			t.Fatalf("unexpected event %+v, want the stream closed", ev)
		}
	case <-time.After(waitFor):
		t.Fatalf("stream not closed within %v", waitFor)
	}
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
