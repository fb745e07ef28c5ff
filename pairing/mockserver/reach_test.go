package mockserver_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

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
