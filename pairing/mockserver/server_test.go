package mockserver_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

// A server as a whole: the numbers it runs with, what New refuses, TLS, and
// what a --state file keeps across a restart.

// TestDefaultsAreDesignNumbers pins DefaultConfig to DESIGN.md's table.
func TestDefaultsAreDesignNumbers(t *testing.T) {
	c := mockserver.DefaultConfig()
	cases := []struct {
		what      string
		got, want any
	}{
		{"code digits", c.CodeLength, 6},
		{"code lifetime", c.CodeLifetime, 180 * time.Second},
		{"wrong codes per pending login", c.CodeAttempts, 5},
		{"pending login lifetime", c.LoginLifetime, 10 * time.Minute},
		{"pending logins + new codes", c.LoginBudget, 10},
		{"budget window", c.BudgetWindow, 24 * time.Hour},
		{"budget block", c.BudgetBlock, 24 * time.Hour},
		{"wrong passwords before a lock", c.PasswordAttempts, 5},
		{"first lock", c.LockBase, 5 * time.Minute},
		{"longest lock", c.LockMax, 24 * time.Hour},
		{"QR rotation", c.QRRotation, 30 * time.Second},
		{"token bytes", c.TokenBytes, 32},
		{"session idle", c.SessionIdle, 30 * 24 * time.Hour},
		{"session absolute", c.SessionAbsolute, 90 * 24 * time.Hour},
		{"desktops per account", c.MaxDesktops, 1},
		{"argon2 memory KiB", c.Argon2Memory, uint32(19 * 1024)},
		{"argon2 passes", c.Argon2Time, uint32(2)},
		{"argon2 lanes", c.Argon2Threads, uint8(1)},
		{"heartbeat", c.Heartbeat, 15 * time.Second},
		{"demo account", c.DemoAccount, true},
	}
	for _, tc := range cases {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.what, tc.got, tc.want)
		}
	}
}

// TestNumbersComeFromConfig: every limit follows the configuration, not a constant.
func TestNumbersComeFromConfig(t *testing.T) {
	h := newHarness(t, func(c *mockserver.Config) {
		c.CodeLength, c.CodeLifetime, c.CodeAttempts = 8, time.Minute, 2
		c.LoginLifetime, c.QRRotation = 3*time.Minute, 10*time.Second
		c.LoginBudget, c.BudgetBlock = 3, time.Hour
		c.PasswordAttempts, c.LockBase = 2, time.Minute
		c.TokenBytes, c.SessionIdle, c.SessionAbsolute = 48, time.Hour, 2*time.Hour
	})
	now := h.Clock.Now()
	pl := h.startLogin(laptop)
	if pl.Code.Length != 8 || !pl.Code.ExpiresAt.Equal(now.Add(time.Minute)) ||
		!pl.ExpiresAt.Equal(now.Add(3*time.Minute)) || !pl.QR.ExpiresAt.Equal(now.Add(10*time.Second)) {
		t.Errorf("pending login %+v", pl)
	}
	phone := h.phone()
	code := h.codeOnPhone(phone, pl.LoginID)
	if len(code) != 8 {
		t.Errorf("the phone shows %d digits", len(code))
	}
	e := h.do("POST", "/v1/logins/"+pl.LoginID+"/code", pairing.CodeRequest{Code: wrongCode(code)}, ownerHdr(laptop)).
		apiErr(t, http.StatusBadRequest, pairing.CodeInvalidCode)
	if *e.AttemptsLeft != 1 {
		t.Errorf("attempts_left %d, want 1 of 2", *e.AttemptsLeft)
	}
	var g pairing.Grant
	h.do("POST", "/v1/logins/"+pl.LoginID+"/code", pairing.CodeRequest{Code: code}, ownerHdr(laptop)).decode(t, http.StatusOK, &g)
	if len(g.Token) != len("ldk_")+64 || !g.Session.ExpiresAt.Equal(now.Add(time.Hour)) {
		t.Errorf("token length %d, session expires %v", len(g.Token), g.Session.ExpiresAt)
	}
	// The third budget unit is the last one.
	h.startLogin(laptop)
	h.startLogin(laptop)
	e = h.do("POST", "/v1/logins", loginBody(mockserver.DemoEmail, mockserver.DemoPassword, laptop)).
		apiErr(t, http.StatusTooManyRequests, pairing.CodeTooManyRequests)
	if !e.RetryAt.Equal(h.Clock.Now().Add(time.Hour)) {
		t.Errorf("block until %v", e.RetryAt)
	}
	h.do("POST", "/v1/logins", loginBody(mockserver.DemoEmail, "wrong-password", laptop))
	e = h.do("POST", "/v1/logins", loginBody(mockserver.DemoEmail, "wrong-password", laptop)).
		apiErr(t, http.StatusLocked, pairing.CodeAccountLocked)
	if !e.RetryAt.Equal(h.Clock.Now().Add(time.Minute)) {
		t.Errorf("lock until %v", e.RetryAt)
	}
}

func TestNewRefusesNonsenseNumbers(t *testing.T) {
	for name, mutate := range map[string]func(*mockserver.Config){
		"code length 2":         func(c *mockserver.Config) { c.CodeLength = 2 },
		"zero code lifetime":    func(c *mockserver.Config) { c.CodeLifetime = 0 },
		"no desktops":           func(c *mockserver.Config) { c.MaxDesktops = 0 },
		"absolute below idle":   func(c *mockserver.Config) { c.SessionAbsolute = time.Hour },
		"short token":           func(c *mockserver.Config) { c.TokenBytes = 8 },
		"lock max below base":   func(c *mockserver.Config) { c.LockMax = time.Second },
		"argon2 without memory": func(c *mockserver.Config) { c.Argon2Memory = 1 },
		"bad seeded account": func(c *mockserver.Config) {
			c.Accounts = []mockserver.SeedAccount{{Email: "x", Password: "long-enough"}}
		},
		"seeded account twice": func(c *mockserver.Config) {
			c.Accounts = []mockserver.SeedAccount{{Email: "DEMO@linkdesk.test", Password: "long-enough"}}
		},
		"state file unreachable": func(c *mockserver.Config) { c.StatePath = t.TempDir() + "/missing/dir/state.db" },
	} {
		cfg := mockserver.TestConfig()
		mutate(&cfg)
		if srv, err := mockserver.New(cfg); err == nil {
			srv.Close()
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestNoDemoAccount(t *testing.T) {
	h := newHarness(t, func(c *mockserver.Config) { c.DemoAccount = false })
	h.do("POST", "/v1/logins", loginBody(mockserver.DemoEmail, mockserver.DemoPassword, laptop)).
		apiErr(t, http.StatusUnauthorized, pairing.CodeInvalidCredentials)
}

func TestStartServesOverTLSAndClosesStreams(t *testing.T) {
	cert, certPEM, err := mockserver.GenerateSelfSignedCert(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	leaf := cert.Leaf
	if leaf.PublicKeyAlgorithm != x509.ECDSA || leaf.VerifyHostname("127.0.0.1") != nil || leaf.VerifyHostname("localhost") != nil {
		t.Errorf("certificate: %v for %v %v", leaf.PublicKeyAlgorithm, leaf.IPAddresses, leaf.DNSNames)
	}
	if fp := mockserver.CertFingerprint(leaf.Raw); len(fp) != 95 || strings.Count(fp, ":") != 31 {
		t.Errorf("fingerprint %q", fp)
	}
	cfg := mockserver.TestConfig()
	cfg.TLS = mockserver.TLSConfig(cert)
	srv, err := mockserver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if srv.URL() != "" || srv.PhoneURL() != "" {
		t.Error("URL before Start")
	}
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(base, "https://127.0.0.1:") || srv.URL() != base || srv.PhoneURL() != base+"/phone" {
		t.Errorf("URL %q PhoneURL %q", base, srv.PhoneURL())
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get(base + "/mock/v1/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("health over TLS: %d", resp.StatusCode)
	}

	// A login stream is open when the server closes: Close ends it and returns.
	body, err := json.Marshal(loginBody(mockserver.DemoEmail, mockserver.DemoPassword, laptop))
	if err != nil {
		t.Fatal(err)
	}
	resp, err = client.Post(base+"/v1/logins", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var pl pairing.PendingLogin
	err = json.NewDecoder(resp.Body).Decode(&pl)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest("GET", base+"/v1/logins/"+pl.LoginID+"/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(pairing.HeaderDevice, laptop.Fingerprint)
	stream, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	if stream.StatusCode != http.StatusOK {
		t.Fatalf("login stream: %d", stream.StatusCode)
	}
	streamEnded := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, stream.Body) // until the server ends it
		close(streamEnded)
	}()
	done := make(chan error, 1)
	go func() { done <- srv.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(waitFor):
		t.Fatal("Close hangs")
	}
	select {
	case <-streamEnded:
	case <-time.After(waitFor):
		t.Fatal("the stream outlived the server")
	}
	if err := srv.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := client.Get(base + "/mock/v1/health"); err == nil {
		t.Error("still serving after Close")
	}
}

// The clock never goes back, also across a restart on the same --state file.
func TestAdvancedClockSurvivesARestart(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.db")
	start := time.Now().UTC().Truncate(time.Second)
	open := func(clock *mockserver.Clock) *mockserver.Server {
		cfg := mockserver.TestConfig()
		cfg.StatePath, cfg.Clock = state, clock
		srv, err := mockserver.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return srv
	}

	srv := open(mockserver.NewFakeClock(start))
	srv.Clock().Advance(48 * time.Hour)
	srv.Clock().Advance(time.Hour)
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}

	srv = open(mockserver.NewFakeClock(start))
	if got, want := srv.Clock().Now(), start.Add(49*time.Hour); !got.Equal(want) {
		t.Errorf("after a restart the clock reads %v, want %v (49h advanced before)", got, want)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}

	// The binary's real clock too.
	srv = open(mockserver.NewClock())
	defer srv.Close()
	if ahead := srv.Clock().Now().Sub(time.Now()); ahead < 49*time.Hour-time.Minute {
		t.Errorf("a real clock restarted on the state file is %v ahead, want 49h", ahead)
	}
}
