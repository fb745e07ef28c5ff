package pairing_test

import (
	"crypto/x509"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

// startTLSMock serves the real mock server over HTTPS with httptest's
// self-signed certificate (valid for 127.0.0.1, ::1 and example.com).
func startTLSMock(t *testing.T) *httptest.Server {
	t.Helper()
	srv, err := mockserver.New(mockserver.TestConfig())
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are the point here
	ts.StartTLS()
	t.Cleanup(func() {
		ts.CloseClientConnections()
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		ts.Close()
	})
	return ts
}

func TestTLSTrust(t *testing.T) {
	ts := startTLSMock(t)
	extra := x509.NewCertPool()
	extra.AddCert(ts.Certificate())
	login := pairing.LoginRequest{Email: mockserver.DemoEmail, Password: mockserver.DemoPassword, Device: desktop("PC")}
	cases := []struct {
		name    string
		url     string
		roots   *x509.CertPool
		wantErr bool
	}{
		{"self-signed server without --ca is refused", ts.URL, nil, true},
		{"--ca adds trust on top of the system roots", ts.URL, extra, false},
		{"--ca does not excuse a wrong host name", strings.Replace(ts.URL, "127.0.0.1", "localhost", 1), extra, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Given a client with (or without) the tester's CA
			c := newClient(t, tc.url, pairing.Options{RootCAs: tc.roots})
			// When it signs in over HTTPS
			_, err := c.StartLogin(t.Context(), login)
			// Then only a certificate that chains to a trusted root and names the host is accepted.
			if !tc.wantErr {
				if err != nil {
					t.Fatalf("StartLogin: %v", err)
				}
				return
			}
			assertCode(t, err, pairing.CodeNetwork)
			if !strings.Contains(err.Error(), "certificate") {
				t.Errorf("error %q does not mention the certificate", err)
			}
			if strings.Contains(err.Error(), mockserver.DemoPassword) {
				t.Errorf("error %q carries the password", err)
			}
		})
	}
}
