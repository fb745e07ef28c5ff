package mockserver_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
	"github.com/linkdesk/linkdesk/pairing/mockserver/mocktest"
)

// waitFor bounds every wait for an event; nothing in these tests sleeps.
const waitFor = mocktest.Wait

// harness is one mock server (mocktest.Run: behind httptest, a fake clock,
// every exchange checked against the OpenAPI description) with the raw
// HTTP steps the server's own tests take.
type harness struct {
	*mocktest.Server
	t *testing.T
}

func newHarness(t *testing.T, mutate ...func(*mockserver.Config)) *harness {
	t.Helper()
	return &harness{Server: mocktest.Run(t, mutate...), t: t}
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

// do sends a raw request (mocktest's Do) and checks that the answer, like
// every answer of the server, carries a request ID.
func (h *harness) do(method, path string, body any, headers ...hdr) *response {
	h.t.Helper()
	pairs := make([]string, 0, 2*len(headers))
	for _, kv := range headers {
		pairs = append(pairs, kv[0], kv[1])
	}
	resp := h.Do(method, path, body, pairs...)
	if resp.Header.Get(pairing.HeaderRequestID) == "" {
		h.t.Errorf("%s %s: answer without %s", method, path, pairing.HeaderRequestID)
	}
	return &response{status: resp.Status, header: resp.Header, body: resp.Body}
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

// followedLogin opens a pending login of the demo account from laptop and
// follows its events past the first one (the current QR code).
func (h *harness) followedLogin() (pairing.PendingLogin, *stream) {
	h.t.Helper()
	pl := h.startLogin(laptop)
	s := h.openStream("/v1/logins/"+pl.LoginID+"/events", ownerHdr(laptop))
	s.expect(h.t, pairing.EventQR, nil)
	return pl, s
}

// replaysGrant checks that a stream the laptop opens after the approval
// still hears it, with the same grant.
func (h *harness) replaysGrant(pl pairing.PendingLogin, g pairing.Grant) {
	h.t.Helper()
	late := h.openStream("/v1/logins/"+pl.LoginID+"/events", ownerHdr(laptop))
	var again pairing.Grant
	late.expect(h.t, pairing.EventApproved, &again)
	if again != g {
		h.t.Error("the replayed grant differs")
	}
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
	req, err := http.NewRequestWithContext(ctx, "GET", h.URL+path, nil)
	if err != nil {
		cancel()
		h.t.Fatal(err)
	}
	for _, kv := range headers {
		req.Header.Set(kv[0], kv[1])
	}
	resp, err := h.HTTPClient().Do(req)
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
	return mocktest.Receive(t, s.events, "stream event")
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
	mocktest.Closed(t, s.events, "stream event")
}
