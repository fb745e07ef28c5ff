package mockserver_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
	"github.com/linkdesk/linkdesk/pairing/mockserver/openapitest"
)

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
