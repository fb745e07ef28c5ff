package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing/mockserver"
	"github.com/linkdesk/linkdesk/pairing/mockserver/mocktest"
)

// cheap keeps password hashing fast in tests.
var cheap = []string{"--argon2-memory", "64", "--argon2-time", "1"}

// waitFor bounds every wait; nothing here sleeps.
const waitFor = 10 * time.Second

func TestEveryNumberIsAFlag(t *testing.T) {
	cases := []struct {
		flag, value string
		field       string
		want        any
	}{
		{"code-length", "8", "CodeLength", 8},
		{"code-lifetime", "2m", "CodeLifetime", 2 * time.Minute},
		{"code-attempts", "3", "CodeAttempts", 3},
		{"login-lifetime", "5m", "LoginLifetime", 5 * time.Minute},
		{"login-budget", "20", "LoginBudget", 20},
		{"budget-window", "12h", "BudgetWindow", 12 * time.Hour},
		{"budget-block", "1h", "BudgetBlock", time.Hour},
		{"password-attempts", "3", "PasswordAttempts", 3},
		{"lock-base", "1m", "LockBase", time.Minute},
		{"lock-max", "2h", "LockMax", 2 * time.Hour},
		{"qr-rotation", "20s", "QRRotation", 20 * time.Second},
		{"token-bytes", "48", "TokenBytes", 48},
		{"session-idle", "24h", "SessionIdle", 24 * time.Hour},
		{"session-absolute", "48h", "SessionAbsolute", 48 * time.Hour},
		{"max-desktops", "4", "MaxDesktops", 4},
		{"argon2-memory", "65536", "Argon2Memory", uint32(65536)},
		{"argon2-time", "3", "Argon2Time", uint32(3)},
		{"argon2-threads", "2", "Argon2Threads", uint8(2)},
		{"heartbeat", "5s", "Heartbeat", 5 * time.Second},
		{"read-timeout", "1m", "ReadTimeout", time.Minute},
		{"admin-token", "tok", "AdminToken", "tok"},
		{"state", "/tmp/x.db", "StatePath", "/tmp/x.db"},
	}
	for _, tc := range cases {
		t.Run(tc.flag, func(t *testing.T) {
			cfg := mockserver.DefaultConfig()
			def := reflect.ValueOf(cfg).FieldByName(tc.field).Interface()
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			bindFlags(fs, &cfg, &options{})
			if got := fs.Lookup(tc.flag); got == nil {
				t.Fatalf("no --%s", tc.flag)
			} else if tc.field != "AdminToken" && tc.field != "StatePath" && got.DefValue != fmt.Sprint(def) {
				t.Errorf("--%s defaults to %s, Config to %v", tc.flag, got.DefValue, def)
			}
			if err := fs.Parse([]string{"--" + tc.flag, tc.value}); err != nil {
				t.Fatal(err)
			}
			if got := reflect.ValueOf(cfg).FieldByName(tc.field).Interface(); got != tc.want {
				t.Errorf("--%s %s set %s = %v, want %v", tc.flag, tc.value, tc.field, got, tc.want)
			}
		})
	}
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg := mockserver.DefaultConfig()
	bindFlags(fs, &cfg, &options{})
	if err := fs.Parse([]string{"--argon2-threads", "256"}); err == nil {
		t.Error("--argon2-threads 256 accepted for a uint8")
	}
}

func TestCORSOriginRepeats(t *testing.T) {
	cfg := mockserver.DefaultConfig()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	bindFlags(fs, &cfg, &options{})
	if err := fs.Parse([]string{"--cors-origin", "http://localhost:3000", "--cors-origin", "https://tools.example.test"}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg.CORSOrigins, []string{"http://localhost:3000", "https://tools.example.test"}) {
		t.Errorf("CORSOrigins %v", cfg.CORSOrigins)
	}
	if len(mockserver.DefaultConfig().CORSOrigins) != 0 {
		t.Error("CORS is on by default")
	}
}

func TestVersion(t *testing.T) {
	var out strings.Builder
	if err := run(context.Background(), []string{"--version"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if out.String() != "linkdesk mockserver dev (commit dev)\n" {
		t.Errorf("--version printed %q", out.String())
	}
}

func TestBadArguments(t *testing.T) {
	for _, args := range [][]string{
		{"extra"},
		{"--code-length", "x"},
		{"--log-level", "loud"},
		{"--tls-cert", "a.pem"},
		{"--tls", "--tls-cert", "a.pem", "--tls-key", "b.pem"},
		{"--accounts", "/nonexistent/accounts.json"},
		{"--code-length", "2"},
		{"--addr", "256.0.0.1:1"},
	} {
		args = append(args, cheap...)
		if err := run(context.Background(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

// running is a run() in the background with its stdout lines.
type running struct {
	lines  chan string
	cancel context.CancelFunc
	done   chan error
}

func startRun(t *testing.T, args ...string) (*running, string) {
	t.Helper()
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{lines: make(chan string, 16), cancel: cancel, done: make(chan error, 1)}
	go func() {
		r.done <- run(ctx, append(args, cheap...), pw, io.Discard)
		pw.Close()
	}()
	go func() {
		defer close(r.lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			r.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-r.done
	})
	first := r.line(t)
	m := regexp.MustCompile(`^Linkdesk mock server listening on (https?://127\.0\.0\.1:\d+)$`).FindStringSubmatch(first)
	if m == nil {
		t.Fatalf("first line %q", first)
	}
	return r, m[1]
}

func (r *running) line(t *testing.T) string {
	t.Helper()
	select {
	case l, ok := <-r.lines:
		if !ok {
			t.Fatal("stdout ended")
		}
		return l
	case err := <-r.done:
		t.Fatalf("run ended: %v", err)
	case <-time.After(waitFor):
		t.Fatal("no output")
	}
	return ""
}

func TestRunPrintsWhereItListensAndStops(t *testing.T) {
	r, url := startRun(t, "--addr", "127.0.0.1:0")
	if got := r.line(t); got != "Phone simulator: "+url+"/phone" {
		t.Errorf("second line %q", got)
	}
	if got := r.line(t); got != "Demo account: demo@linkdesk.test / linkdesk-demo" {
		t.Errorf("third line %q", got)
	}
	if resp := mocktest.Request(t, http.DefaultClient, "GET", url+"/mock/v1/health", nil); resp.Status != http.StatusOK {
		t.Errorf("health %d", resp.Status)
	}
	r.cancel()
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("run returned %v after the signal", err)
		}
		r.done <- err // for the cleanup
	case <-time.After(waitFor):
		t.Fatal("no clean shutdown")
	}
}

func TestAccountsFileAndNoDemo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "accounts.json")
	if err := os.WriteFile(path, []byte(`[{"email":"anna@linkdesk.test","password":"anna-password","name":"Anna"}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	r, url := startRun(t, "--addr", "127.0.0.1:0", "--accounts", path, "--no-demo-account")
	if got := r.line(t); !strings.HasPrefix(got, "Phone simulator:") {
		t.Errorf("second line %q", got)
	}
	signIn := func(email, password string) int {
		body := `{"email":"` + email + `","password":"` + password + `"}`
		resp, err := http.Post(url+"/phone/v1/signin", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := signIn("anna@linkdesk.test", "anna-password"); got != http.StatusOK {
		t.Errorf("seeded account: %d", got)
	}
	if got := signIn(mockserver.DemoEmail, mockserver.DemoPassword); got != http.StatusUnauthorized {
		t.Errorf("demo account with --no-demo-account: %d", got)
	}
}

func TestAccountsFileErrorsDoNotShowPasswords(t *testing.T) {
	for _, content := range []string{
		`[{"email":"a@b.c","password":"hunter2-secret","nmae":"x"}]`,
		`[{"email":"a@b.c","password":"hunter2-secret"`,
		`{"email":"a@b.c","password":"hunter2-secret"}`,
		`[{"email":"a@b.c","password":"hunter2-secret-but-this-one-is-long","name":"\u0007"}]`,
	} {
		path := filepath.Join(t.TempDir(), "accounts.json")
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		err := run(context.Background(), append([]string{"--accounts", path, "--addr", "127.0.0.1:0"}, cheap...), io.Discard, io.Discard)
		if err == nil {
			t.Errorf("%s accepted", content)
		} else if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("error shows the password: %v", err)
		}
	}
}

func TestTLSWritesTheCertificateToTrust(t *testing.T) {
	certPath := filepath.Join(t.TempDir(), "cert.pem")
	r, url := startRun(t, "--addr", "127.0.0.1:0", "--tls", "--tls-cert-out", certPath)
	if !strings.HasPrefix(url, "https://") {
		t.Fatalf("URL %s", url)
	}
	var certLine string
	for certLine == "" {
		if l := r.line(t); strings.HasPrefix(l, "TLS certificate: ") {
			certLine = l
		}
	}
	if !regexp.MustCompile(`^TLS certificate: ` + regexp.QuoteMeta(certPath) + ` \(SHA-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}\)$`).MatchString(certLine) {
		t.Errorf("certificate line %q", certLine)
	}
	pemData, err := os.ReadFile(certPath)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(pemData), "PRIVATE KEY") {
		t.Error("the private key was written")
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemData) {
		t.Fatal("certificate file is not PEM")
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get(url + "/mock/v1/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, err := http.Get(url + "/mock/v1/health"); err == nil || !errors.As(err, new(*tls.CertificateVerificationError)) {
		t.Errorf("an untrusting client connected: %v", err)
	}
}

// The mock server is pure Go: `make run-mockserver` installs Go if it is
// missing and nothing of the desktop's (no C compiler, no GUI libraries).
func TestMakeRunMockserverNeedsOnlyGo(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	out, err := exec.Command("make", "-C", "../..", "-n", "-B", "run-mockserver").CombinedOutput()
	if err != nil {
		t.Fatalf("make -n run-mockserver: %v\n%s", err, out)
	}
	plan := string(out)
	if !strings.Contains(plan, "scripts/deps.sh go") {
		t.Errorf("make run-mockserver does not make sure Go is there (scripts/deps.sh go):\n%s", plan)
	}
	for _, heavy := range []string{"deps.sh run", "deps.sh test", "deps.sh package", "CGO_ENABLED=1"} {
		if strings.Contains(plan, heavy) {
			t.Errorf("make run-mockserver runs %q:\n%s", heavy, plan)
		}
	}
	// deps.sh go asks only for Go's own packages.
	script, err := os.ReadFile("../../scripts/deps.sh")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(script), `"${1:-run}" = go`) {
		t.Error("scripts/deps.sh has no go mode")
	}
}
