package security

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
	"github.com/linkdesk/linkdesk/pairing/mockserver/openapitest"
)

// rig is the real mock server in-process with a fake clock, cheap password
// hashing (TestConfig) and its log written to a buffer the test can read.
type rig struct {
	t     *testing.T
	srv   *mockserver.Server
	hs    *httptest.Server
	clock *mockserver.Clock
	log   *syncBuffer
}

// newRig starts a server; mods change its configuration first.
func newRig(t *testing.T, mods ...func(*mockserver.Config)) *rig {
	t.Helper()
	cfg := mockserver.TestConfig()
	logs := &syncBuffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for _, m := range mods {
		m(&cfg)
	}
	srv, err := mockserver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	checked := openapitest.New(t, mockserver.OpenAPI()).Handler(srv.Handler()) // attacks too must get documented answers
	r := &rig{t: t, srv: srv, hs: httptest.NewServer(checked), clock: srv.Clock(), log: logs}
	t.Cleanup(func() {
		r.hs.Close()
		if err := srv.Close(); err != nil {
			t.Errorf("closing the mock server: %v", err)
		}
	})
	return r
}

// account creates an account and returns its e-mail and password.
func (r *rig) account(name string) (email, password string) {
	r.t.Helper()
	email, password = name+"@security.test", "pw-"+name+"-Secret1"
	if err := r.srv.AddAccount(email, password, name); err != nil {
		r.t.Fatal(err)
	}
	return email, password
}

// client is a desktop protocol client on the server's clock.
func (r *rig) client() *pairing.Client {
	r.t.Helper()
	c, err := pairing.NewClient(r.hs.URL, pairing.Options{Now: r.clock.Now})
	if err != nil {
		r.t.Fatal(err)
	}
	return c
}

// phone is a phone signed in to the account.
func (r *rig) phone(email, password string) *pairing.PhoneClient {
	r.t.Helper()
	p, err := pairing.NewPhoneClient(r.hs.URL, pairing.Options{Now: r.clock.Now})
	if err != nil {
		r.t.Fatal(err)
	}
	if err := p.SignIn(context.Background(), email, password); err != nil {
		r.t.Fatalf("phone sign-in: %v", err)
	}
	return p
}

// device is desktop n as it presents itself.
func device(n int) pairing.Device {
	return pairing.Device{ID: fmt.Sprintf("dev-%d", n), Name: fmt.Sprintf("PC-%d", n),
		Platform: pairing.PlatformWindows, Fingerprint: fmt.Sprintf("%064x", n+1)}
}

// startLogin sends the password; it fails the test unless a login opens.
func (r *rig) startLogin(c *pairing.Client, email, password string, dev pairing.Device) *pairing.PendingLogin {
	r.t.Helper()
	pl, err := c.StartLogin(context.Background(), pairing.LoginRequest{Email: email, Password: password, Device: dev})
	if err != nil {
		r.t.Fatalf("start login: %v", err)
	}
	return pl
}

// response is a raw HTTP answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends a raw request; body is JSON-encoded unless it is a string or
// []byte; headers come in name, value pairs.
func (r *rig) do(method, path string, body any, headers ...string) response {
	r.t.Helper()
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
			r.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, r.hs.URL+path, rd)
	if err != nil {
		r.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := r.hs.Client().Do(req)
	if err != nil {
		r.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close() // read in full below
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		r.t.Fatalf("%s %s: reading the answer: %v", method, path, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

// errorCode is error.code of an error answer, "" for anything else.
func (resp response) errorCode() string {
	var eb pairing.ErrorBody
	if json.Unmarshal(resp.body, &eb) != nil {
		return ""
	}
	return eb.Error.Code
}

// phoneToken signs a phone in over raw HTTP and returns its token, for tests
// that must know it (the leak scan).
func (r *rig) phoneToken(email, password string) string {
	r.t.Helper()
	resp := r.do("POST", "/phone/v1/signin", pairing.PhoneSignInRequest{Email: email, Password: password})
	var ps pairing.PhoneSignIn
	if resp.status != http.StatusOK || json.Unmarshal(resp.body, &ps) != nil || ps.PhoneToken == "" {
		r.t.Fatalf("phone sign-in: %d %s", resp.status, resp.body)
	}
	return ps.PhoneToken
}

// errCode returns the protocol error code of err ("" for nil or another error).
func errCode(err error) string {
	var pe *pairing.Error
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// syncBuffer is a bytes.Buffer safe for a logger and a test at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
