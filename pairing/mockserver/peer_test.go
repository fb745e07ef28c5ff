package mockserver_test

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

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
