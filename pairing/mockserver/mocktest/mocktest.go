// Package mocktest is the one test rig of Linkdesk: Run starts the real mock
// server for one test, in this process on a free loopback port, with cheap
// password hashing and a fake clock, and checks every exchange against its
// OpenAPI description; Phone plays the phone app against any server. Every
// package's tests (and the benchmarks' phones) use it, in the spirit of
// mockoidc's Run and net/http/httptest.
package mocktest

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
	"github.com/linkdesk/linkdesk/pairing/mockserver/openapitest"
)

// Wait bounds every wait for something the server pushes; nothing sleeps.
const Wait = 5 * time.Second

// Receive returns the next value from ch, as a test waits for something the
// server pushes. It fails t when ch is closed or nothing comes within Wait;
// what names the value in that message.
func Receive[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v, ok := <-ch:
		if !ok {
			t.Fatalf("closed while waiting for a %s", what)
		}
		return v
	case <-time.After(Wait):
		t.Fatalf("no %s within %v", what, Wait)
	}
	var zero T // not reached: Fatalf ends the test
	return zero
}

// Closed fails t unless ch closes within Wait with no further value; what
// names what ch carries.
func Closed[T any](t testing.TB, ch <-chan T, what string) {
	t.Helper()
	select {
	case _, ok := <-ch:
		if ok { // not printed: it may hold a token
			t.Fatalf("another %s after the last one, want the end", what)
		}
	case <-time.After(Wait):
		t.Fatalf("%s not ended within %v", what, Wait)
	}
}

// Server is one mock server for one test; it is closed when the test ends.
// The embedded *mockserver.Server gives the tester controls in Go
// (AddAccount, AddFault, SetMaintenance, Clock).
type Server struct {
	*mockserver.Server
	URL   string            // http://127.0.0.1:port
	Addr  string            // 127.0.0.1:port, kept across Stop and Restart
	Clock *mockserver.Clock // the server's fake clock: tests move it, never sleep
	Log   *LogBuffer        // what the server logged, at debug level

	t       testing.TB
	handler http.Handler // the server's, checked and watched
	hs      *httptest.Server
	opened  chan string // path of each event stream, once its first bytes are flushed
}

// Run starts a server with mockserver.TestConfig, changed by mods.
func Run(t testing.TB, mods ...func(*mockserver.Config)) *Server {
	t.Helper()
	cfg := mockserver.TestConfig()
	cfg.TickInterval = 20 * time.Millisecond // rotations and expiries are noticed quickly
	log := &LogBuffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for _, m := range mods {
		m(&cfg)
	}
	srv, err := mockserver.New(cfg)
	if err != nil {
		t.Fatalf("mocktest: starting the mock server: %v", err)
	}
	s := &Server{Server: srv, Clock: srv.Clock(), Log: log, t: t, opened: make(chan string, 64)}
	checked := openapitest.New(t, mockserver.OpenAPI()).Handler(srv.Handler())
	s.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/events") {
			w = &flushSignal{ResponseWriter: w, path: r.URL.Path, ch: s.opened}
		}
		checked.ServeHTTP(w, r)
	})
	s.hs = httptest.NewServer(s.handler)
	s.URL, s.Addr = s.hs.URL, s.hs.Listener.Addr().String()
	t.Cleanup(func() {
		s.Stop()
		if err := srv.Close(); err != nil {
			t.Errorf("mocktest: closing the mock server: %v", err)
		}
	})
	return s
}

// Checked is the server's handler behind the OpenAPI check, for tests that
// serve a request in memory (httptest.NewRecorder) or from a crafted peer.
func (s *Server) Checked() http.Handler { return s.handler }

// HTTPClient is a plain HTTP client for the server, for raw exchanges.
func (s *Server) HTTPClient() *http.Client { return s.hs.Client() }

// Client is a desktop protocol client of the server on its clock; streams
// reconnect after 10 ms unless opts say otherwise.
func (s *Server) Client(opts pairing.Options) *pairing.Client {
	s.t.Helper()
	if opts.Now == nil {
		opts.Now = s.Clock.Now
	}
	if opts.ReconnectDelay == 0 {
		opts.ReconnectDelay = 10 * time.Millisecond
	}
	c, err := pairing.NewClient(s.URL, opts)
	if err != nil {
		s.t.Fatalf("mocktest: client: %v", err)
	}
	return c
}

// Phone is a phone signed in to the account.
func (s *Server) Phone(email, password string) *Phone {
	s.t.Helper()
	p := NewPhone(s.URL)
	if err := p.SignIn(s.t.Context(), email, password); err != nil {
		s.t.Fatalf("mocktest: phone sign-in of %s: %v", email, err)
	}
	return p
}

// Fault adds a tester fault.
func (s *Server) Fault(f mockserver.Fault) {
	s.t.Helper()
	if _, err := s.AddFault(f); err != nil {
		s.t.Fatalf("mocktest: fault: %v", err)
	}
}

// Check is the number the desktop of a scanned login shows, read from the
// tester controls (Server.Logins): what the person would read off the
// screen, for tests whose desktop is not listening at that moment.
func (s *Server) Check(loginID string) string {
	s.t.Helper()
	logins, err := s.Logins("")
	if err != nil {
		s.t.Fatalf("mocktest: pending logins: %v", err)
	}
	for _, l := range logins {
		if l.LoginID == loginID && l.Check != "" {
			return l.Check
		}
	}
	s.t.Fatalf("mocktest: login %s is not pending and scanned", loginID)
	return ""
}

// Stop takes the server off the network: its address refuses connections
// until Restart, and open streams are cut. The listener closes first, so a
// stream that reconnects at once cannot slip in.
func (s *Server) Stop() {
	_ = s.hs.Listener.Close() // Close below closes it again and ignores the error too
	s.hs.CloseClientConnections()
	s.hs.Close()
}

// Restart serves the same server on the same address again; the test is
// skipped when another program took the port meanwhile.
func (s *Server) Restart() {
	s.t.Helper()
	l, err := net.Listen("tcp", s.Addr)
	if err != nil {
		s.t.Skipf("mocktest: cannot listen on %s again: %v", s.Addr, err)
	}
	s.hs = httptest.NewUnstartedServer(s.handler)
	_ = s.hs.Listener.Close() // unused: replaced by the listener on the old address
	s.hs.Listener = l
	s.hs.Start()
}

// CutConnections drops every open connection, as a Wi-Fi hiccup would; the
// server stays up.
func (s *Server) CutConnections() { s.hs.CloseClientConnections() }

// Opened delivers the path of each event stream once its first bytes are
// flushed; WaitStreams reads from it too.
func (s *Server) Opened() <-chan string { return s.opened }

// WaitStreams waits until n more event streams have started: the server is
// then subscribed, and whatever happens from now on is pushed.
func (s *Server) WaitStreams(n int) {
	s.t.Helper()
	timeout := time.After(Wait)
	for range n {
		select {
		case <-s.opened:
		case <-timeout:
			s.t.Fatalf("mocktest: event stream not opened within %v", Wait)
		}
	}
}

// Response is a finished raw exchange.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// ErrorCode is error.code of an error answer, "" for anything else.
func (r *Response) ErrorCode() string {
	var eb pairing.ErrorBody
	if json.Unmarshal(r.Body, &eb) != nil {
		return ""
	}
	return eb.Error.Code
}

// Do sends a raw request to this server; see Request for body and headers.
func (s *Server) Do(method, path string, body any, headers ...string) *Response {
	s.t.Helper()
	return Request(s.t, s.hs.Client(), method, s.URL+path, body, headers...)
}

// Request sends a raw request to any server (a mock server process too) and
// reads the whole answer: body is sent as is when a string or []byte and
// encoded as JSON otherwise; headers come in name, value pairs. A POST says
// it is JSON, as the tester controls require.
func Request(t testing.TB, client *http.Client, method, url string, body any, headers ...string) *Response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("mocktest: encoding the body: %v", err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, rd)
	if err != nil {
		t.Fatalf("mocktest: %s %s: %v", method, url, err)
	}
	if rd != nil || method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("mocktest: %s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("mocktest: %s %s: reading the answer: %v", method, url, err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// Journal returns the server's request journal (GET /mock/v1/requests).
func (s *Server) Journal() []mockserver.JournalEntry {
	s.t.Helper()
	var out struct {
		Requests []mockserver.JournalEntry `json:"requests"`
	}
	resp := s.Do(http.MethodGet, "/mock/v1/requests", nil)
	if err := json.Unmarshal(resp.Body, &out); resp.Status != http.StatusOK || err != nil {
		s.t.Fatalf("mocktest: journal: HTTP %d, %v", resp.Status, err)
	}
	return out.Requests
}

// flushSignal reports the first flush of a stream.
type flushSignal struct {
	http.ResponseWriter
	path string
	ch   chan<- string
	once sync.Once
}

func (f *flushSignal) Flush() {
	_ = http.NewResponseController(f.ResponseWriter).Flush()
	f.once.Do(func() {
		select {
		case f.ch <- f.path:
		default: // nobody counts this many streams
		}
	})
}

// Unwrap lets http.ResponseController reach Hijack for the drop fault.
func (f *flushSignal) Unwrap() http.ResponseWriter { return f.ResponseWriter }

// LogBuffer collects what a logger or a process writes, safe for the writer
// and a test reading at once.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
