package mockserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver/openapitest"
)

// handOffWait bounds every wait in these tests; nothing sleeps.
const handOffWait = 5 * time.Second

var handOffLaptop = pairing.Device{ID: "dev-handoff", Name: "HANDOFF-LAPTOP", Platform: pairing.PlatformWindows,
	Fingerprint: "bb1c0a9e5b7d2c4e6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e"}

// newTestServer is a server on TestConfig, changed by mods, for this
// package's own tests (the others use mocktest); it closes when the test ends.
func newTestServer(t *testing.T, mods ...func(*Config)) *Server {
	t.Helper()
	cfg := TestConfig()
	for _, m := range mods {
		m(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return srv
}

// startedServer runs a server with Start, so its streams are handed off.
func startedServer(t *testing.T) (*Server, string) {
	t.Helper()
	srv := newTestServer(t, func(c *Config) { c.Heartbeat = 20 * time.Millisecond })
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	return srv, base
}

// checkedClient checks what it exchanges against the OpenAPI description.
func checkedClient(t *testing.T) *http.Client {
	return &http.Client{Transport: openapitest.New(t, openAPISpec).Transport(nil)}
}

// call sends one JSON request and decodes a JSON answer into out (if not nil).
func call(t *testing.T, method, url string, in, out any, headers ...string) int {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := checkedClient(t).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: %d, decoding: %v", method, url, resp.StatusCode, err)
		}
	}
	return resp.StatusCode
}

// sseReader reads an open stream in the background: events ("name data"),
// heartbeats, and the end of the body.
type sseReader struct {
	resp   *http.Response
	events chan string
	beats  chan struct{}
}

func openSSE(t *testing.T, url string, headers ...string) *sseReader {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := checkedClient(t).Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	t.Cleanup(func() { cancel(); resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	s := &sseReader{resp: resp, events: make(chan string, 64), beats: make(chan struct{}, 1)}
	go func() {
		defer close(s.events)
		sc := bufio.NewScanner(resp.Body)
		var name string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == ": heartbeat":
				select {
				case s.beats <- struct{}{}:
				default:
				}
			case strings.HasPrefix(line, "event: "):
				name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				s.events <- name + " " + strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	return s
}

// next returns the next event's name, decoding its data into v (if not nil).
func (s *sseReader) next(t *testing.T, v any) string {
	t.Helper()
	select {
	case ev, ok := <-s.events:
		if !ok {
			t.Fatal("the stream ended before the next event")
		}
		name, data, _ := strings.Cut(ev, " ")
		if v != nil {
			if err := json.Unmarshal([]byte(data), v); err != nil {
				t.Fatalf("event %s: %v", name, err)
			}
		}
		return name
	case <-time.After(handOffWait):
		t.Fatal("no event")
	}
	return ""
}

// ended checks the server ends the response with no further event.
func (s *sseReader) ended(t *testing.T) {
	t.Helper()
	select {
	case ev, ok := <-s.events:
		if ok {
			t.Fatalf("event %q, want the end of the stream", ev)
		}
	case <-time.After(handOffWait):
		t.Fatal("the stream is still open")
	}
}

// handedOff reports whether key's only stream on h left net/http.
func handedOff(h *hub, key string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for sub := range h.subs[key] {
		return sub.conn != nil
	}
	return false
}

// startLogin opens a pending login of the demo account from handOffLaptop.
func startLogin(t *testing.T, base string) pairing.PendingLogin {
	t.Helper()
	var pl pairing.PendingLogin
	call(t, "POST", base+"/v1/logins", pairing.LoginRequest{Email: DemoEmail, Password: DemoPassword, Device: handOffLaptop}, &pl)
	return pl
}

// followLogin opens the event stream of a login, as its desktop.
func followLogin(t *testing.T, base, loginID string) *sseReader {
	t.Helper()
	return openSSE(t, base+"/v1/logins/"+loginID+"/events", pairing.HeaderDevice, handOffLaptop.Fingerprint)
}

// handedOffStream is a login followed on a server started with Start, once
// its stream has left net/http.
func handedOffStream(t *testing.T) (*Server, string, pairing.PendingLogin, *sseReader) {
	t.Helper()
	srv, base := startedServer(t)
	pl := startLogin(t, base)
	s := followLogin(t, base, pl.LoginID)
	s.next(t, nil)
	eventually(t, "not handed off", func() bool { return handedOff(srv.logins, pl.LoginID) })
	return srv, base, pl, s
}

// eventually waits until cond holds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(handOffWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestHandedOffStreamCarriesTheWholeLogin(t *testing.T) {
	srv, base := startedServer(t)
	pl := startLogin(t, base)

	// Given a desktop follows its login on a server started with Start
	s := followLogin(t, base, pl.LoginID)
	h := s.resp.Header
	if !strings.HasPrefix(h.Get("Content-Type"), "text/event-stream") || h.Get("Cache-Control") != "no-store" ||
		h.Get(pairing.HeaderRequestID) == "" || h.Get("Date") == "" {
		t.Errorf("headers %v", h)
	}
	if !s.resp.Close || len(s.resp.TransferEncoding) != 1 || s.resp.TransferEncoding[0] != "chunked" {
		t.Errorf("Connection close %v, Transfer-Encoding %v: want a chunked response on a connection not kept", s.resp.Close, s.resp.TransferEncoding)
	}
	var qr pairing.QRInfo
	if name := s.next(t, &qr); name != pairing.EventQR || qr.Payload != pl.QR.Payload {
		t.Fatalf("first event %s %+v, want the current QR", name, qr)
	}
	// Then the connection leaves net/http, and the stream is in the journal.
	eventually(t, "the stream was not handed off", func() bool { return handedOff(srv.logins, pl.LoginID) })
	found := false
	for _, e := range srv.Requests() {
		found = found || (e.Path == "/v1/logins/"+pl.LoginID+"/events" && e.Status == http.StatusOK)
	}
	if !found {
		t.Error("the stream request is not in the journal")
	}

	// When the QR rotates, Then the new payload reaches the stream.
	var rot pairing.QRRotation
	call(t, "POST", base+"/v1/logins/"+pl.LoginID+"/qr", nil, &rot, pairing.HeaderDevice, handOffLaptop.Fingerprint)
	if name := s.next(t, &qr); name != pairing.EventQR || qr.Payload != rot.QR.Payload {
		t.Fatalf("event %s %+v, want the rotated QR", name, qr)
	}
	// And heartbeats keep coming.
	select {
	case <-s.beats:
	case <-time.After(handOffWait):
		t.Fatal("no heartbeat")
	}

	// When the phone's code is entered, Then the grant arrives and the stream ends.
	var ps pairing.PhoneSignIn
	call(t, "POST", base+"/phone/v1/signin", pairing.PhoneSignInRequest{Email: DemoEmail, Password: DemoPassword}, &ps)
	var ls pairing.LinkScreen
	call(t, "GET", base+"/phone/v1/link", nil, &ls, "Authorization", "Bearer "+ps.PhoneToken)
	if len(ls.Pending) != 1 {
		t.Fatalf("pending on the phone: %d", len(ls.Pending))
	}
	var g pairing.Grant
	if st := call(t, "POST", base+"/v1/logins/"+pl.LoginID+"/code", pairing.CodeRequest{Code: ls.Pending[0].Code}, &g,
		pairing.HeaderDevice, handOffLaptop.Fingerprint); st != http.StatusOK {
		t.Fatalf("code: %d", st)
	}
	var streamed pairing.Grant
	for name := s.next(t, &streamed); name == pairing.EventQR; name = s.next(t, &streamed) {
	}
	if streamed.Token != g.Token {
		t.Error("the stream's grant is not the code's")
	}
	s.ended(t)
	eventually(t, "the hub still holds the stream", func() bool { return len(srv.logins.keys()) == 0 })
}

func TestHandedOffStreamsEnd(t *testing.T) {
	tests := []struct {
		name string
		end  func(*testing.T, *Server, pairing.PendingLogin, string)
	}{
		{"login cancelled", func(t *testing.T, _ *Server, pl pairing.PendingLogin, base string) {
			call(t, "DELETE", base+"/v1/logins/"+pl.LoginID, nil, nil, pairing.HeaderDevice, handOffLaptop.Fingerprint)
		}},
		{"reset", func(t *testing.T, srv *Server, _ pairing.PendingLogin, _ string) {
			if err := srv.Reset(); err != nil {
				t.Errorf("Reset: %v", err)
			}
		}},
		{"server closed", func(t *testing.T, srv *Server, _ pairing.PendingLogin, _ string) {
			if err := srv.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Given a handed-off stream
			srv, base, pl, s := handedOffStream(t)
			// When the server ends it, Then the desktop sees the response end.
			tc.end(t, srv, pl, base)
			s.ended(t)
		})
	}
}

func TestHandedOffStreamNoticesTheDesktopLeaving(t *testing.T) {
	srv, _, _, s := handedOffStream(t)
	// When the desktop hangs up, Then a heartbeat or two later the hub lets the stream go.
	s.resp.Body.Close()
	eventually(t, "the hub still holds the stream", func() bool { return len(srv.logins.keys()) == 0 })
}

func TestStreamsUnderAnotherServerStayInNetHTTP(t *testing.T) {
	// Given the handler runs under the caller's own server (httptest), whose
	// CloseClientConnections must keep ending streams
	srv, err := New(TestConfig())
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { ts.CloseClientConnections(); _ = srv.Close(); ts.Close() }) // Close is tested elsewhere
	pl := startLogin(t, ts.URL)
	s := followLogin(t, ts.URL, pl.LoginID)
	s.next(t, nil)
	// Then the stream is not handed off, and CloseClientConnections ends it.
	if handedOff(srv.logins, pl.LoginID) {
		t.Fatal("handed off a connection the server does not own")
	}
	ts.CloseClientConnections()
	select {
	case <-s.events:
	case <-time.After(handOffWait):
		t.Fatal("the stream outlived its connection")
	}
}
