package mockserver_test

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
	"github.com/linkdesk/linkdesk/pairing/mockserver"
	"github.com/linkdesk/linkdesk/pairing/mockserver/openapitest"
)

// waitFor bounds every wait for an event; nothing in these tests sleeps.
const waitFor = 5 * time.Second

// harness is one mock server behind httptest with a fake clock.
type harness struct {
	t       *testing.T
	srv     *mockserver.Server
	handler http.Handler // srv's, checked against the OpenAPI description
	ts      *httptest.Server
	clock   *mockserver.Clock
}

func newHarness(t *testing.T, mutate ...func(*mockserver.Config)) *harness {
	t.Helper()
	cfg := mockserver.TestConfig()
	cfg.TickInterval = 20 * time.Millisecond
	for _, m := range mutate {
		m(&cfg)
	}
	srv, err := mockserver.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	handler := openapitest.New(t, mockserver.OpenAPI()).Handler(srv.Handler()) // every exchange is checked against the description
	ts := httptest.NewServer(handler)
	t.Cleanup(func() {
		ts.CloseClientConnections()
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		ts.Close()
	})
	return &harness{t: t, srv: srv, handler: handler, ts: ts, clock: srv.Clock()}
}

// response is a finished HTTP exchange.
type response struct {
	status int
	header http.Header
	body   []byte
}

// hdr is a header to send: name, value.
type hdr [2]string

func bearer(token string) hdr { return hdr{"Authorization", "Bearer " + token} }
func deviceHdr(fp string) hdr { return hdr{pairing.HeaderDevice, fp} }

// ownerHdr is the Linkdesk-Device header of dev: every call on a pending
// login needs the one of the desktop that started it.
func ownerHdr(dev pairing.Device) hdr { return deviceHdr(dev.Fingerprint) }
func sessionHdrs(g pairing.Grant) []hdr {
	return []hdr{bearer(g.Token), deviceHdr(g.Session.Device.Fingerprint)}
}

func (h *harness) do(method, path string, body any, headers ...hdr) *response {
	h.t.Helper()
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
			h.t.Fatalf("encoding body: %v", err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, h.ts.URL+path, rd)
	if err != nil {
		h.t.Fatalf("request: %v", err)
	}
	if rd != nil || method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json") // a JSON API: tester POSTs need it even without a body
	}
	for _, kv := range headers {
		req.Header.Set(kv[0], kv[1])
	}
	resp, err := h.ts.Client().Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	if resp.Header.Get(pairing.HeaderRequestID) == "" {
		h.t.Errorf("%s %s: answer without %s", method, path, pairing.HeaderRequestID)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: data}
}

// decode checks the status and decodes the body into v.
func (r *response) decode(t *testing.T, status int, v any) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	if v == nil {
		return
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
}

// apiErr checks the status and the error shape and returns its detail.
func (r *response) apiErr(t *testing.T, status int, code string) pairing.ErrorDetail {
	t.Helper()
	var eb pairing.ErrorBody
	r.decode(t, status, &eb)
	if eb.Error.Code != code {
		t.Fatalf("error.code = %q, want %q; body %s", eb.Error.Code, code, r.body)
	}
	if eb.Error.Message == "" {
		t.Errorf("error %q has no message", code)
	}
	if eb.RequestID == "" || eb.RequestID != r.header.Get(pairing.HeaderRequestID) {
		t.Errorf("request_id %q does not match header %q", eb.RequestID, r.header.Get(pairing.HeaderRequestID))
	}
	return eb.Error
}

var laptop = pairing.Device{ID: "dev-anna", Name: "ANNA-LAPTOP", Platform: pairing.PlatformWindows,
	Fingerprint: "3f1c0a9e5b7d2c4e6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e"}

var desk = pairing.Device{ID: "dev-desk", Name: "Office iMac", Platform: pairing.PlatformMacOS,
	Fingerprint: "aa1c0a9e5b7d2c4e6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e"}

func loginBody(email, password string, dev pairing.Device) pairing.LoginRequest {
	return pairing.LoginRequest{Email: email, Password: password, Device: dev}
}

// startLogin opens a pending login for the demo account.
func (h *harness) startLogin(dev pairing.Device) pairing.PendingLogin {
	h.t.Helper()
	var pl pairing.PendingLogin
	h.do("POST", "/v1/logins", loginBody(mockserver.DemoEmail, mockserver.DemoPassword, dev)).decode(h.t, http.StatusCreated, &pl)
	return pl
}

// phone signs the phone simulator in to the demo account.
func (h *harness) phone() string {
	h.t.Helper()
	var ps pairing.PhoneSignIn
	h.do("POST", "/phone/v1/signin", pairing.PhoneSignInRequest{Email: mockserver.DemoEmail, Password: mockserver.DemoPassword}).
		decode(h.t, http.StatusOK, &ps)
	return ps.PhoneToken
}

// link reads the phone's device-link screen.
func (h *harness) link(phoneToken string) pairing.LinkScreen {
	h.t.Helper()
	var ls pairing.LinkScreen
	h.do("GET", "/phone/v1/link", nil, bearer(phoneToken)).decode(h.t, http.StatusOK, &ls)
	return ls
}

// codeOnPhone returns the code the phone shows for loginID.
func (h *harness) codeOnPhone(phoneToken, loginID string) string {
	h.t.Helper()
	for _, p := range h.link(phoneToken).Pending {
		if p.LoginID == loginID {
			return p.Code
		}
	}
	h.t.Fatalf("login %s is not on the phone", loginID)
	return ""
}

// scan has the phone scan payload and returns what it shows.
func (h *harness) scan(phoneToken, payload string) pairing.ScanResult {
	h.t.Helper()
	var sr pairing.ScanResult
	h.do("POST", "/phone/v1/qr/scan", pairing.ScanRequest{Payload: payload}, bearer(phoneToken)).decode(h.t, http.StatusOK, &sr)
	return sr
}

// approve has the phone pick check for loginID.
func (h *harness) approve(phoneToken, loginID, check string) *response {
	h.t.Helper()
	return h.do("POST", "/phone/v1/logins/"+loginID+"/approve", pairing.ApproveRequest{Check: check}, bearer(phoneToken))
}

// checkOf is the number the desktop of a scanned login shows, as the tester controls list it.
func (h *harness) checkOf(loginID string) string {
	h.t.Helper()
	for _, l := range h.testerLogins("") {
		if l.LoginID == loginID {
			return l.Check
		}
	}
	h.t.Fatalf("login %s is not pending", loginID)
	return ""
}

// signIn runs the whole code flow for dev and returns the grant.
func (h *harness) signIn(dev pairing.Device) pairing.Grant {
	h.t.Helper()
	pl := h.startLogin(dev)
	code := h.codeOnPhone(h.phone(), pl.LoginID)
	var g pairing.Grant
	h.do("POST", "/v1/logins/"+pl.LoginID+"/code", pairing.CodeRequest{Code: code}, ownerHdr(dev)).decode(h.t, http.StatusOK, &g)
	return g
}

// wrongCode returns a code of the right length that is not code.
func wrongCode(code string) string {
	b := []byte(code)
	b[0] = '0' + (b[0]-'0'+1)%10
	return string(b)
}

// event is one server-sent event.
type event struct {
	name string
	data string
}

// stream is an open event stream read in the background.
type stream struct {
	resp   *http.Response
	events chan event
	beats  chan struct{}
	cancel context.CancelFunc
}

// openStream connects to an SSE endpoint and checks it answered 200.
func (h *harness) openStream(path string, headers ...hdr) *stream {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", h.ts.URL+path, nil)
	if err != nil {
		cancel()
		h.t.Fatal(err)
	}
	for _, kv := range headers {
		req.Header.Set(kv[0], kv[1])
	}
	resp, err := h.ts.Client().Do(req)
	if err != nil {
		cancel()
		h.t.Fatalf("GET %s: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		body, _ := io.ReadAll(resp.Body) // for the message only
		resp.Body.Close()
		cancel()
		h.t.Fatalf("GET %s: %d %s %s", path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	s := &stream{resp: resp, events: make(chan event, 64), beats: make(chan struct{}, 64), cancel: cancel}
	go s.read()
	h.t.Cleanup(s.close)
	return s
}

func (s *stream) read() {
	defer close(s.events)
	sc := bufio.NewScanner(s.resp.Body)
	var ev event
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if ev.name != "" {
				s.events <- ev
			}
			ev = event{}
		case strings.HasPrefix(line, ": heartbeat"):
			select {
			case s.beats <- struct{}{}:
			default:
			}
		case strings.HasPrefix(line, "event: "):
			ev.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			ev.data = strings.TrimPrefix(line, "data: ")
		}
	}
}

func (s *stream) close() {
	s.cancel()
	s.resp.Body.Close()
}

// next returns the next event, failing after waitFor.
func (s *stream) next(t *testing.T) event {
	t.Helper()
	select {
	case ev, ok := <-s.events:
		if !ok {
			t.Fatal("stream ended without the expected event")
		}
		return ev
	case <-time.After(waitFor):
		t.Fatal("no event within", waitFor)
	}
	return event{}
}

// expect reads events until one named name arrives (skipping "qr" and
// "scanned" events unless name is one of them) and decodes its data into v.
func (s *stream) expect(t *testing.T, name string, v any) {
	t.Helper()
	for {
		ev := s.next(t)
		if (ev.name == pairing.EventQR || ev.name == pairing.EventScanned) && name != ev.name {
			continue
		}
		if ev.name != name {
			t.Fatalf("event %q (%s), want %q", ev.name, ev.data, name)
		}
		if v != nil {
			if err := json.Unmarshal([]byte(ev.data), v); err != nil {
				t.Fatalf("event %s data %s: %v", name, ev.data, err)
			}
		}
		return
	}
}

// ended checks the stream closes (after its terminal event).
func (s *stream) ended(t *testing.T) {
	t.Helper()
	select {
	case ev, ok := <-s.events:
		if ok {
			t.Fatalf("unexpected event %q after the last one", ev.name)
		}
	case <-time.After(waitFor):
		t.Fatal("stream still open")
	}
}
