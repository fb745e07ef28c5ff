package mockserver_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

func addFault(t *testing.T, h *harness, f map[string]any) {
	t.Helper()
	h.do("POST", "/mock/v1/faults", f).decode(t, http.StatusCreated, nil)
}

func TestStatusFaultHitsOnceByDefault(t *testing.T) {
	h := newHarness(t)
	addFault(t, h, map[string]any{"method": "post", "path": "/v1/logins", "status": 503})

	h.do("POST", "/v1/logins", loginBody(mockserver.DemoEmail, mockserver.DemoPassword, laptop)).
		apiErr(t, http.StatusServiceUnavailable, pairing.CodeMaintenance)
	h.startLogin(laptop) // the fault is used up

	var list struct{ Faults []map[string]any }
	h.do("GET", "/mock/v1/faults", nil).decode(t, http.StatusOK, &list)
	if len(list.Faults) != 0 {
		t.Errorf("used fault still listed: %v", list.Faults)
	}
}

func TestFaultCountPathPatternAndMethod(t *testing.T) {
	h := newHarness(t)
	pl := h.startLogin(laptop)
	addFault(t, h, map[string]any{"method": "POST", "path": "/v1/logins/*/code", "status": 500, "count": 2})

	// Another method or path is not hit.
	h.do("POST", "/v1/logins/"+pl.LoginID+"/code/renew", nil, ownerHdr(laptop)).decode(t, http.StatusOK, nil)
	for range 2 {
		h.do("POST", "/v1/logins/"+pl.LoginID+"/code", pairing.CodeRequest{Code: "000000"}, ownerHdr(laptop)).
			apiErr(t, http.StatusInternalServerError, pairing.CodeInternal)
	}
	h.do("POST", "/v1/logins/"+pl.LoginID+"/code", pairing.CodeRequest{Code: "abc"}, ownerHdr(laptop)).
		apiErr(t, http.StatusBadRequest, pairing.CodeBadRequest)
}

func TestPrefixFaultAndClear(t *testing.T) {
	h := newHarness(t)
	addFault(t, h, map[string]any{"path": "/phone/**", "status": 429, "count": -1})
	for range 3 {
		h.do("GET", "/phone/v1/link", nil).apiErr(t, http.StatusTooManyRequests, pairing.CodeTooManyRequests)
	}
	// The tester controls are never hit.
	h.do("GET", "/mock/v1/health", nil).decode(t, http.StatusOK, nil)
	h.do("DELETE", "/mock/v1/faults", nil).decode(t, http.StatusNoContent, nil)
	h.phone()
}

func TestFaultBodyReplacesTheAnswer(t *testing.T) {
	h := newHarness(t)
	t.Run("with a status", func(t *testing.T) {
		addFault(t, h, map[string]any{"path": "/v1/session", "status": 502, "body": "<html>bad gateway</html>"})
		resp := h.do("GET", "/v1/session", nil)
		if resp.status != http.StatusBadGateway || string(resp.body) != "<html>bad gateway</html>" {
			t.Errorf("%d %s", resp.status, resp.body)
		}
	})
	t.Run("keeping the API's status", func(t *testing.T) {
		addFault(t, h, map[string]any{"path": "/v1/logins", "body": map[string]any{"login_id": 42}})
		resp := h.do("POST", "/v1/logins", loginBody(mockserver.DemoEmail, mockserver.DemoPassword, laptop))
		if resp.status != http.StatusCreated || string(resp.body) != `{"login_id":42}` {
			t.Errorf("%d %s", resp.status, resp.body)
		}
		if resp.header.Get("Content-Type") != "application/json" {
			t.Errorf("content type %q", resp.header.Get("Content-Type"))
		}
	})
	t.Run("ending a stream", func(t *testing.T) {
		pl := h.startLogin(laptop)
		addFault(t, h, map[string]any{"path": "/v1/logins/*/events", "body": "event: approved\ndata: {not json\n\n"})
		req, err := http.NewRequest("GET", h.URL+"/v1/logins/"+pl.LoginID+"/events", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set(pairing.HeaderDevice, laptop.Fingerprint)
		resp, err := h.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK || string(body) != "event: approved\ndata: {not json\n\n" {
			t.Errorf("%d %q", resp.StatusCode, body)
		}
	})
}

func TestDropFaultClosesTheConnection(t *testing.T) {
	h := newHarness(t)
	addFault(t, h, map[string]any{"path": "/v1/session", "drop": true})
	req, err := http.NewRequest("GET", h.URL+"/v1/session", nil)
	if err != nil {
		t.Fatal(err)
	}
	// A fresh connection: Go retries a GET whose reused connection was closed.
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := fresh.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got HTTP %d, want a dropped connection", resp.StatusCode)
	}
	h.do("GET", "/v1/session", nil).apiErr(t, http.StatusUnauthorized, pairing.CodeInvalidToken)
	// The dropped request's handler may still be finishing its journal entry.
	deadline := time.Now().Add(waitFor)
	for {
		for _, e := range h.Requests() {
			if strings.Contains(e.Fault, "drop") {
				if e.Status != 0 {
					t.Errorf("journal entry of the dropped request: %+v", e)
				}
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no journal entry of the dropped request: %+v", h.Requests())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestDelayFault(t *testing.T) {
	h := newHarness(t)
	addFault(t, h, map[string]any{"path": "/**", "delay": "1s"}) // matches every path but never applies to /mock/
	start := time.Now()
	h.do("GET", "/mock/v1/health", nil).decode(t, http.StatusOK, nil)
	if time.Since(start) > 900*time.Millisecond {
		t.Error("a fault delayed the tester controls")
	}
	h.do("DELETE", "/mock/v1/faults", nil).decode(t, http.StatusNoContent, nil)
	addFault(t, h, map[string]any{"path": "/v1/session", "delay": "150ms"})
	start = time.Now()
	h.do("GET", "/v1/session", nil).apiErr(t, http.StatusUnauthorized, pairing.CodeInvalidToken)
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("answered after %s, want at least 150ms", d)
	}
}

func TestProbabilityFault(t *testing.T) {
	h := newHarness(t)
	addFault(t, h, map[string]any{"path": "/v1/session", "status": 500, "probability": 0.5})
	hits := 0
	const n = 200
	for range n {
		if h.do("GET", "/v1/session", nil).status == http.StatusInternalServerError {
			hits++
		}
	}
	// Binomial(200, 0.5): 60..140 holds with overwhelming probability.
	if hits < 60 || hits > 140 {
		t.Errorf("%d of %d hit with probability 0.5", hits, n)
	}
}

func TestGoFaultAPI(t *testing.T) {
	h := newHarness(t)
	f, err := h.AddFault(mockserver.Fault{Path: "/v1/session", Status: 500, Count: -1})
	if err != nil || f.ID == "" {
		t.Fatalf("AddFault: %+v %v", f, err)
	}
	h.do("GET", "/v1/session", nil).apiErr(t, http.StatusInternalServerError, pairing.CodeInternal)
	h.ClearFaults()
	h.do("GET", "/v1/session", nil).apiErr(t, http.StatusUnauthorized, pairing.CodeInvalidToken)
	if _, err := h.AddFault(mockserver.Fault{Path: "/v1/session"}); err == nil {
		t.Error("a fault that does nothing was accepted")
	}
}

func TestBadFaultsAreRefused(t *testing.T) {
	h := newHarness(t)
	for _, f := range []map[string]any{
		{},
		{"status": 42},
		{"delay": "soon"},
		{"delay": "-1s"},
		{"delay": "11m"},
		{"status": 500, "probability": 1.5},
		{"drop": true, "status": 500},
		{"path": "/v1/[", "status": 500},
		// Faults never apply to the tester controls, so one only for them would never fire.
		{"path": "/mock/v1/health", "delay": "1s"},
		{"path": "/mock/**", "status": 500},
		{"path": "/mock", "status": 500},
		{"path": "/mock/v1/*", "status": 500},
		{"status": 502, "body": "x", "content_type": "text/html\r\nX-Evil: 1"},
		{"status": 502, "body": "x", "content_type": "not a type"},
		{"status": 503, "retry_after": -1},
	} {
		h.do("POST", "/mock/v1/faults", f).apiErr(t, http.StatusBadRequest, pairing.CodeBadRequest)
	}
}

// A fault's answer looks like the real answer of its status: 503 says when to
// come back as maintenance does, and a body says what it is.
func TestFaultAnswersLookReal(t *testing.T) {
	h := newHarness(t)
	addFault(t, h, map[string]any{"path": "/v1/session", "status": 503})
	resp := h.do("GET", "/v1/session", nil)
	resp.apiErr(t, http.StatusServiceUnavailable, pairing.CodeMaintenance)
	if got := resp.header.Get("Retry-After"); got != "5" {
		t.Errorf("503 fault: Retry-After %q, want 5 as real maintenance sends", got)
	}

	addFault(t, h, map[string]any{"path": "/v1/session", "status": 503, "retry_after": 120})
	if got := h.do("GET", "/v1/session", nil).header.Get("Retry-After"); got != "120" {
		t.Errorf("503 fault with retry_after 120: Retry-After %q", got)
	}

	// The "proxy's HTML page" case.
	const page = "<html><body>502 Bad Gateway</body></html>"
	addFault(t, h, map[string]any{"path": "/v1/**", "status": 502, "body": page, "content_type": "text/html; charset=utf-8"})
	resp = h.do("GET", "/v1/session", nil)
	if resp.status != http.StatusBadGateway || string(resp.body) != page || resp.header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("HTML fault: %d %q %q", resp.status, resp.header.Get("Content-Type"), resp.body)
	}
	// content_type also applies to a body that replaces a real answer.
	addFault(t, h, map[string]any{"path": "/v1/session", "body": "<html>login</html>", "content_type": "text/html"})
	resp = h.do("GET", "/v1/session", nil)
	if resp.header.Get("Content-Type") != "text/html" || string(resp.body) != "<html>login</html>" {
		t.Errorf("body-swap fault: %q %q", resp.header.Get("Content-Type"), resp.body)
	}
	var list struct{ Faults []map[string]any }
	addFault(t, h, map[string]any{"path": "/v1/x", "status": 502, "body": "x", "content_type": "text/html"})
	h.do("GET", "/mock/v1/faults", nil).decode(t, http.StatusOK, &list)
	if len(list.Faults) != 1 || list.Faults[0]["content_type"] != "text/html" {
		t.Errorf("listed faults %v do not show content_type", list.Faults)
	}
}
