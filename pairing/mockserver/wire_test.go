package mockserver_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
	"github.com/linkdesk/linkdesk/pairing/mockserver/openapitest"
)

// What every call shares on the wire, whatever it does: who may reach the
// server (healthz, CORS, the client-address header), how long a body may
// take, limits counted in characters, and how times are written.

// /healthz answers "ok" to anyone, for scripts and containers, and says
// nothing about the server; faults and the journal leave it alone.
func TestHealthzAnswersAnyone(t *testing.T) {
	h := newHarness(t)
	addFault(t, h, map[string]any{"path": "/**", "status": 503, "count": -1})
	for _, addr := range []string{"127.0.0.1:5000", "203.0.113.7:5000"} {
		req := httptest.NewRequest("GET", "/healthz", nil)
		req.RemoteAddr, req.Host = addr, "mock.example.test"
		rec := httptest.NewRecorder()
		h.Checked().ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || rec.Body.String() != "ok\n" || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
			t.Errorf("from %s: %d %q %q", addr, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
		}
	}
	for _, e := range h.Requests() {
		if e.Path == "/healthz" {
			t.Error("the journal keeps health checks")
		}
	}
	h.do("POST", "/mock/v1/faults", map[string]any{"path": "/healthz", "status": 500}).apiErr(t, http.StatusBadRequest, "bad_request")
}

// --cors-origin lets a browser-based test tool on that origin call the
// server; without it, or from another origin, no CORS header is sent.
func TestCORSOnlyForTheOriginsGiven(t *testing.T) {
	const tool = "http://localhost:3000"
	h := newHarness(t, func(c *mockserver.Config) { c.CORSOrigins = []string{tool, "https://tester.example.test"} })
	preflight := func(origin, path, method, headers string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("OPTIONS", path, nil)
		req.RemoteAddr, req.Host = "127.0.0.1:5000", "127.0.0.1:8470"
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", method)
		req.Header.Set("Access-Control-Request-Headers", headers)
		rec := httptest.NewRecorder()
		h.Checked().ServeHTTP(rec, req)
		return rec
	}
	rec := preflight(tool, "/mock/v1/maintenance", "POST", "content-type")
	if rec.Code != http.StatusNoContent || rec.Header().Get("Access-Control-Allow-Origin") != tool ||
		!strings.Contains(rec.Header().Get("Access-Control-Allow-Methods"), "POST") ||
		!strings.Contains(strings.ToLower(rec.Header().Get("Access-Control-Allow-Headers")), "content-type") {
		t.Errorf("preflight from %s: %d %v", tool, rec.Code, rec.Header())
	}
	rec = preflight("http://evil.example", "/mock/v1/maintenance", "POST", "content-type")
	if rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("a preflight from another origin was approved: %v", rec.Header())
	}
	// The answers themselves carry the origin and expose the request ID.
	resp := h.do("GET", "/mock/v1/health", nil, hdr{"Origin", tool})
	if resp.header.Get("Access-Control-Allow-Origin") != tool || !strings.Contains(resp.header.Get("Access-Control-Expose-Headers"), "X-Request-ID") ||
		!strings.Contains(resp.header.Get("Vary"), "Origin") {
		t.Errorf("answer headers %v", resp.header)
	}
	if got := h.do("GET", "/mock/v1/health", nil, hdr{"Origin", "http://evil.example"}).header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("answer to another origin allows %q", got)
	}

	// Off by default.
	plain := newHarness(t)
	if got := plain.do("GET", "/mock/v1/health", nil, hdr{"Origin", tool}).header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("CORS without --cors-origin: %q", got)
	}
	for _, bad := range [][]string{{"*"}, {"localhost:3000"}, {"http://localhost:3000/path"}, {"ftp://x"}} {
		cfg := mockserver.TestConfig()
		cfg.CORSOrigins = bad
		if srv, err := mockserver.New(cfg); err == nil {
			srv.Close()
			t.Errorf("CORS origin %q accepted", bad)
		}
	}
}

// nonLoopbackAddress returns an address of this machine that is not
// loopback, or nil when it has none (a sandbox with lo only).
func nonLoopbackAddress(t *testing.T) net.IP {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatalf("listing this machine's addresses: %v", err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			return n.IP
		}
	}
	return nil
}

// peerCall sends one request to handler as the given peer and decodes the answer.
type peerCall func(method, path string, body any, headers ...hdr) (int, []byte)

// throughRealPeer serves handler on ip and calls it from there: a real TCP
// connection whose peer address is ip, not loopback.
func throughRealPeer(t *testing.T, handler http.Handler, ip net.IP) peerCall {
	ln, err := net.Listen("tcp", net.JoinHostPort(ip.String(), "0"))
	if err != nil {
		t.Fatalf("listening on %s: %v", ip, err)
	}
	ts := httptest.NewUnstartedServer(handler)
	_ = ts.Listener.Close() // replaced by the listener on ip
	ts.Listener = ln
	ts.Start()
	t.Cleanup(ts.Close)
	return func(method, path string, body any, headers ...hdr) (int, []byte) {
		t.Helper()
		data, _ := json.Marshal(body) // test values always encode
		req, err := http.NewRequest(method, ts.URL+path, bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		for _, kv := range headers {
			req.Header.Set(kv[0], kv[1])
		}
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		var out bytes.Buffer
		if _, err := out.ReadFrom(resp.Body); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, out.Bytes()
	}
}

// throughCraftedPeer hands requests to handler with RemoteAddr set to ip,
// for a machine without a non-loopback address.
func throughCraftedPeer(t *testing.T, handler http.Handler, ip net.IP) peerCall {
	return func(method, path string, body any, headers ...hdr) (int, []byte) {
		data, _ := json.Marshal(body) // test values always encode
		req := httptest.NewRequest(method, "http://mock.test"+path, bytes.NewReader(data))
		req.RemoteAddr = net.JoinHostPort(ip.String(), "40000")
		req.Header.Set("Content-Type", "application/json")
		for _, kv := range headers {
			req.Header.Set(kv[0], kv[1])
		}
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, req)
		return w.Code, w.Body.Bytes()
	}
}

func TestTheAddressHeaderIsIgnoredFromAnotherMachine(t *testing.T) {
	h := newHarness(t)
	ip := nonLoopbackAddress(t)
	call := throughRealPeer
	if ip == nil {
		// No address but loopback here: the handler is given the peer
		// address a real connection would have. Said in the test log.
		t.Log("this machine has no non-loopback address: the peer is set in RemoteAddr instead of a real connection")
		ip, call = net.ParseIP("192.0.2.10"), throughCraftedPeer
	} else {
		t.Logf("calling from %s over a real connection", ip)
	}
	from := call(t, h.Checked(), ip)

	// When a caller on the network claims another address, or sends a bad one,
	for _, claim := range []string{"127.0.0.1", "203.0.113.7", "not an address"} {
		status, body := from("POST", "/v1/logins", loginBody(mockserver.DemoEmail, mockserver.DemoPassword, laptop),
			hdr{mockserver.ClientIPHeader, claim})
		if status != http.StatusCreated {
			t.Fatalf("claiming %q: HTTP %d %s; the header must be ignored, not refused", claim, status, body)
		}
	}
	// then the phone (here on this machine) sees its real address, on another network,
	for _, p := range h.link(h.phone()).Pending {
		if p.IP != ip.String() || p.Network != pairing.NetworkDifferent {
			t.Errorf("pending login from %s (network %s), want %s (different)", p.IP, p.Network, ip)
		}
	}
	// the journal records the real address,
	for _, e := range h.Requests() {
		if e.Path == "/v1/logins" && e.RemoteIP != ip.String() {
			t.Errorf("journal: remote_ip %s, want %s", e.RemoteIP, ip)
		}
	}
	// and claiming loopback does not open the tester controls.
	status, body := from("GET", "/mock/v1/logins", nil, hdr{mockserver.ClientIPHeader, "127.0.0.1"}, hdr{"Host", "127.0.0.1"})
	if status != http.StatusForbidden {
		t.Errorf("tester controls from %s claiming 127.0.0.1: HTTP %d %s, want 403", ip, status, body)
	}
}

// A client that sends its headers and then stalls in the middle of the body
// gets 408 and its connection closed once Config.ReadTimeout has passed,
// while event streams on the same server live on.
func TestStalledBodyIsCutButStreamsLiveOn(t *testing.T) {
	cfg := mockserver.TestConfig()
	cfg.ReadTimeout = 300 * time.Millisecond
	cfg.Heartbeat = 100 * time.Millisecond
	srv, err := mockserver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := strings.TrimPrefix(base, "http://")

	// An event stream opened first keeps hearing heartbeats well past the timeout.
	var pl pairing.PendingLogin
	postJSON(t, base+"/v1/logins", loginBody(mockserver.DemoEmail, mockserver.DemoPassword, laptop), &pl)
	req, err := http.NewRequest("GET", base+"/v1/logins/"+pl.LoginID+"/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(pairing.HeaderDevice, laptop.Fingerprint)
	resp, err := checked(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var phone pairing.PhoneSignIn
	postJSON(t, base+"/phone/v1/signin", pairing.PhoneSignInRequest{Email: mockserver.DemoEmail, Password: mockserver.DemoPassword}, &phone)

	for _, tc := range []struct{ name, head string }{
		{"sign-in", "POST /v1/logins HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n"},
		{"picture upload", "POST /phone/v1/qr/decode HTTP/1.1\r\nAuthorization: Bearer " + phone.PhoneToken + "\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 5000\r\n"},
		{"tester call", "POST /mock/v1/accounts HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			// Given the headers and one byte of a 5,000-byte body,
			if _, err := io.WriteString(conn, tc.head+"Host: "+addr+"\r\n\r\n{"); err != nil {
				t.Fatal(err)
			}
			// then the server answers 408 and closes the connection within a few seconds.
			if err := conn.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
				t.Fatal(err)
			}
			rest, err := io.ReadAll(bufio.NewReader(conn))
			if err != nil {
				t.Fatalf("the stalled request was neither answered nor closed: %v (read %q)", err, rest)
			}
			if !strings.HasPrefix(string(rest), "HTTP/1.1 408") {
				t.Errorf("answer %q, want 408", firstLine(rest))
			}
		})
	}

	// The stream is still there: its heartbeats go on after every timeout above.
	beats := 0
	sc := bufio.NewScanner(resp.Body)
	deadline := time.Now().Add(5 * time.Second)
	for beats < 3 && time.Now().Before(deadline) && sc.Scan() {
		if strings.HasPrefix(sc.Text(), ": heartbeat") {
			beats++
		}
	}
	if beats < 3 {
		t.Errorf("the event stream ended after %d heartbeats: %v", beats, sc.Err())
	}
}

func firstLine(b []byte) string {
	line, _, _ := strings.Cut(string(b), "\r\n")
	return line
}

// checked is a client whose exchanges are checked against the OpenAPI description.
func checked(t *testing.T) *http.Client {
	return &http.Client{Transport: openapitest.New(t, mockserver.OpenAPI()).Transport(nil)}
}

// postJSON posts body to url and decodes a 2xx answer into out.
func postJSON(t *testing.T, url string, body, out any) {
	t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := checked(t).Post(url, "application/json", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		t.Fatalf("POST %s: %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}

// Names and passwords are limited in characters, as the docs and the error
// messages say, not in bytes: a Korean name of 43 characters takes 129 bytes.
func TestTextLimitsCountCharacters(t *testing.T) {
	h := newHarness(t)
	hangul := func(n int) string { return strings.Repeat("한", n) } // 3 bytes each in UTF-8

	// A device name of 43 to 128 Hangul characters is fine; 129 are too many.
	for _, n := range []int{43, 128} {
		dev := laptop
		dev.Name = hangul(n)
		h.do("POST", "/v1/logins", loginBody("demo@linkdesk.test", "linkdesk-demo", dev)).decode(t, http.StatusCreated, nil)
	}
	dev := laptop
	dev.Name = hangul(129)
	h.do("POST", "/v1/logins", loginBody("demo@linkdesk.test", "linkdesk-demo", dev)).apiErr(t, http.StatusBadRequest, pairing.CodeBadRequest)

	// Account names: 128 characters fit, 129 do not.
	account := func(email, password, name string) *response {
		return h.do("POST", "/mock/v1/accounts", map[string]string{"email": email, "password": password, "name": name})
	}
	account("name128@linkdesk.test", "long-enough", hangul(128)).decode(t, http.StatusCreated, nil)
	account("name129@linkdesk.test", "long-enough", hangul(129)).apiErr(t, http.StatusBadRequest, pairing.CodeBadRequest)

	// Passwords: 8 to 1024 characters, whatever their bytes.
	account("short@linkdesk.test", hangul(7), "").apiErr(t, http.StatusBadRequest, pairing.CodeBadRequest)
	account("long@linkdesk.test", hangul(1024), "").decode(t, http.StatusCreated, nil)
	account("toolong@linkdesk.test", hangul(1025), "").apiErr(t, http.StatusBadRequest, pairing.CodeBadRequest)
	h.do("POST", "/v1/logins", loginBody("long@linkdesk.test", hangul(1024), laptop)).decode(t, http.StatusCreated, nil)
	h.do("POST", "/phone/v1/signin", pairing.PhoneSignInRequest{Email: "long@linkdesk.test", Password: hangul(1024)}).decode(t, http.StatusOK, nil)
}

// Every time the server writes is RFC 3339 in UTC to the millisecond: three
// digits always, also when they are zeros (the clock stands on a whole second here).
func TestTimesAreWrittenToTheMillisecond(t *testing.T) {
	h := newHarness(t)
	if h.Clock.Now().Nanosecond() != 0 {
		t.Fatal("the test clock should start on a whole second")
	}
	pl := h.do("POST", "/v1/logins", loginBody("demo@linkdesk.test", "linkdesk-demo", laptop))
	phone := h.phone()
	link := h.do("GET", "/phone/v1/link", nil, bearer(phone))
	clock := h.do("GET", "/mock/v1/clock", nil)
	h.Clock.Advance(1500 * time.Millisecond)
	later := h.do("GET", "/mock/v1/health", nil)
	s := h.openStream("/v1/logins/"+loginIDOf(t, pl)+"/events", ownerHdr(laptop))
	ev := s.next(t)

	anyTime := regexp.MustCompile(`"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[^"]*"`)
	exact := regexp.MustCompile(`^"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"$`)
	for name, body := range map[string]string{
		"sign-in": string(pl.body), "link": string(link.body), "clock": string(clock.body),
		"health": string(later.body), "qr event": ev.data,
	} {
		found := anyTime.FindAllString(body, -1)
		if len(found) == 0 {
			t.Errorf("%s: no time in %s", name, body)
		}
		for _, ts := range found {
			if !exact.MatchString(ts) {
				t.Errorf("%s: time %s is not to the millisecond", name, ts)
			}
		}
	}
}

func loginIDOf(t *testing.T, r *response) string {
	t.Helper()
	var pl pairing.PendingLogin
	r.decode(t, http.StatusCreated, &pl)
	return pl.LoginID
}
