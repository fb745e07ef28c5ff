package app

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// doorAnswer answers a request itself (true) or lets the server answer it.
type doorAnswer func(w http.ResponseWriter, r *http.Request, server http.Handler) bool

// faultDoor is the Core's own way into the mock server, for rows that answer
// requests in its place or present an untrusted certificate.
type faultDoor struct {
	server http.Handler
	hs     *httptest.Server

	mu        sync.Mutex
	answer    doorAnswer       // nil: the server answers everything
	untrusted *tls.Certificate // presented in TLS handshakes while set
}

func newFaultDoor(t *testing.T, server http.Handler, useTLS bool) *faultDoor {
	d := &faultDoor{server: server}
	d.hs = httptest.NewUnstartedServer(d)
	d.hs.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are the point, not news
	if useTLS {
		// A fresh handshake for every call, so a distrusted certificate is met
		// at once rather than after a pooled connection fails.
		d.hs.Config.SetKeepAlivesEnabled(false)
		d.hs.TLS = &tls.Config{GetConfigForClient: d.tlsConfig}
		d.hs.StartTLS()
	} else {
		d.hs.Start()
	}
	t.Cleanup(func() {
		d.hs.CloseClientConnections()
		d.hs.Close()
	})
	return d
}

func (d *faultDoor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	answer := d.answer
	d.mu.Unlock()
	if answer == nil || !answer(w, r, d.server) {
		d.server.ServeHTTP(w, r)
	}
}

func (d *faultDoor) set(a doorAnswer) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.answer = a
}

// distrust makes the door present a certificate the client does not trust
// (or its own again), and cuts the connections made with the other one.
func (d *faultDoor) distrust(t *testing.T, on bool) {
	var cert *tls.Certificate
	if on {
		c, err := selfSignedCertificate()
		if err != nil {
			t.Fatal(err)
		}
		cert = &c
	}
	d.mu.Lock()
	d.untrusted = cert
	d.mu.Unlock()
	d.hs.CloseClientConnections()
}

func (d *faultDoor) tlsConfig(*tls.ClientHelloInfo) (*tls.Config, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.untrusted == nil {
		return nil, nil // the server's own certificate
	}
	return &tls.Config{Certificates: []tls.Certificate{*d.untrusted}, NextProtos: []string{"http/1.1"}}, nil
}

// selfSignedCertificate is a valid certificate for this computer that no
// one trusts.
func selfSignedCertificate() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "not the Linkdesk server"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:     []string{"localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// tooManyRequests answers 429 with Retry-After, as a rate limiter in front
// of the server does.
func tooManyRequests(at endpoint) doorAnswer {
	return func(w http.ResponseWriter, r *http.Request, _ http.Handler) bool {
		if !at.matches(r) {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSec))
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"error":{"code":"too_many_requests","message":"slow down"}}`) // the client may be gone
		return true
	}
}

// resetMidBody starts a 200 answer and resets the connection halfway
// through its body; the server never sees the request.
func resetMidBody(at endpoint) doorAnswer {
	return func(w http.ResponseWriter, r *http.Request, _ http.Handler) bool {
		if !at.matches(r) {
			return false
		}
		body := `{"login_id":"lgn_cut","session":{"id":"ses_cut"},"code":{"length":6}}`
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, body[:len(body)/2]) // the client may be gone
		rc := http.NewResponseController(w)
		_ = rc.Flush() // as above
		conn, _, err := rc.Hijack()
		if err != nil {
			panic(http.ErrAbortHandler) // cuts the connection all the same
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // close with a reset; a plain close cuts the body too
		}
		_ = conn.Close() // the point is to leave the client without the rest
		return true
	}
}

// relabelled lets the server answer but labels the answer text/html, as a
// captive portal or a misconfigured proxy does.
func relabelled(at endpoint) doorAnswer {
	return func(w http.ResponseWriter, r *http.Request, server http.Handler) bool {
		if !at.matches(r) {
			return false
		}
		server.ServeHTTP(&relabelWriter{ResponseWriter: w}, r)
		return true
	}
}

type relabelWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *relabelWriter) WriteHeader(status int) {
	if !w.wrote {
		w.wrote = true
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *relabelWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}
