package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
	"github.com/linkdesk/linkdesk/pairing/mockserver/mocktest"
	"github.com/linkdesk/linkdesk/pairing/mockserver/openapitest"
)

// buildBinary compiles this command with a version stamped in.
func buildBinary(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "mockserver")
	cmd := exec.Command("go", "build", "-ldflags", "-X main.version=9.9.9 -X main.commit=abc1234", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// process is the mock server running as its own process.
type process struct {
	cmd    *exec.Cmd
	url    string
	client *http.Client // checks every exchange against the OpenAPI description
}

func startProcess(t testing.TB, bin string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(bin, append(args, cheap...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // may have exited already
		_ = cmd.Wait()
	})
	first := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			first <- sc.Text()
		}
		_, _ = io.Copy(io.Discard, stdout) // keep the pipe drained
	}()
	select {
	case line := <-first:
		url, ok := strings.CutPrefix(line, "Linkdesk mock server listening on ")
		if !ok {
			t.Fatalf("first line %q", line)
		}
		return &process{cmd: cmd, url: url, client: &http.Client{Transport: openapitest.New(t, mockserver.OpenAPI()).Transport(nil)}}
	case <-time.After(waitFor):
		t.Fatal("the server printed nothing")
	}
	return nil
}

func (p *process) call(t testing.TB, method, path, token string, body, out any, headers ...string) int {
	t.Helper()
	if token != "" {
		headers = append(headers, "Authorization", "Bearer "+token)
	}
	resp := mocktest.Request(t, p.client, method, p.url+path, body, headers...)
	if out != nil && resp.Status < 300 {
		if err := json.Unmarshal(resp.Body, out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return resp.Status
}

// TestStateSurvivesKill9: a server killed without warning loses no account,
// session or linked device once it is started again on the same state file.
func TestStateSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	out, err := exec.Command(bin, "--version").Output()
	if err != nil || string(out) != "linkdesk mockserver 9.9.9 (commit abc1234)\n" {
		t.Errorf("--version: %q %v", out, err)
	}
	state := filepath.Join(t.TempDir(), "state.db")
	args := []string{"--addr", "127.0.0.1:0", "--state", state}

	// Given a desktop signed in with the code and an added account,
	p := startProcess(t, bin, args...)
	dev := pairing.Device{ID: "dev-1", Name: "ANNA-LAPTOP", Platform: pairing.PlatformLinux, Fingerprint: "fp-anna-laptop"}
	var pl pairing.PendingLogin
	if st := p.call(t, "POST", "/v1/logins", "", pairing.LoginRequest{Email: mockserver.DemoEmail, Password: mockserver.DemoPassword, Device: dev}, &pl); st != http.StatusCreated {
		t.Fatalf("start login: %d", st)
	}
	var phone pairing.PhoneSignIn
	p.call(t, "POST", "/phone/v1/signin", "", pairing.PhoneSignInRequest{Email: mockserver.DemoEmail, Password: mockserver.DemoPassword}, &phone)
	var link pairing.LinkScreen
	p.call(t, "GET", "/phone/v1/link", phone.PhoneToken, nil, &link)
	if len(link.Pending) != 1 {
		t.Fatalf("link screen %+v", link)
	}
	var g pairing.Grant
	if st := p.call(t, "POST", "/v1/logins/"+pl.LoginID+"/code", "", pairing.CodeRequest{Code: link.Pending[0].Code}, &g,
		pairing.HeaderDevice, dev.Fingerprint); st != http.StatusOK {
		t.Fatalf("code: %d", st)
	}
	if st := p.call(t, "POST", "/mock/v1/accounts", "", mockserver.SeedAccount{Email: "bora@linkdesk.test", Password: "bora-password"}, nil); st != http.StatusCreated {
		t.Fatalf("add account: %d", st)
	}

	// when the server is killed with SIGKILL and started again,
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait() // "signal: killed" is the expected outcome
	p = startProcess(t, bin, args...)

	// then the session, the linked device and the account are all there.
	var si pairing.SessionInfo
	if st := p.call(t, "GET", "/v1/session", g.Token, nil, &si, pairing.HeaderDevice, dev.Fingerprint); st != http.StatusOK {
		t.Fatalf("session after restart: %d", st)
	}
	if si.Session.ID != g.Session.ID {
		t.Errorf("session %s, want %s", si.Session.ID, g.Session.ID)
	}
	link = pairing.LinkScreen{}
	if st := p.call(t, "GET", "/phone/v1/link", phone.PhoneToken, nil, &link); st != http.StatusOK || len(link.Devices) != 1 {
		t.Errorf("linked devices after restart: %d %+v", st, link.Devices)
	}
	if st := p.call(t, "POST", "/phone/v1/signin", "", pairing.PhoneSignInRequest{Email: "bora@linkdesk.test", Password: "bora-password"}, nil); st != http.StatusOK {
		t.Errorf("added account after restart: %d", st)
	}

	// And SIGTERM shuts it down cleanly.
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- p.cmd.Wait() }()
	if err := mocktest.Receive(t, exited, "exit after SIGTERM"); err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
}

// A damaged --state file stops the server before it starts, with one line
// that names the file and what is wrong, and the file is left as it was.
func TestDamagedStateFileIsRefusedInOneLine(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	// A real state file, written by a server killed without warning.
	p := startProcess(t, bin, "--addr", "127.0.0.1:0", "--state", good)
	for i := range 20 {
		body := map[string]string{"email": "user" + string(rune('a'+i)) + "@linkdesk.test", "password": "long-enough-password"}
		p.call(t, "POST", "/mock/v1/accounts", "", body, nil)
	}
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait() // killed on purpose
	whole, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	const page = 4096
	if len(whole) < 4*page {
		t.Fatalf("state file of %d bytes, want a few pages", len(whole))
	}
	garbage := func(n int) []byte {
		b := make([]byte, n)
		if _, err := rand.Read(b); err != nil {
			t.Fatal(err)
		}
		return b
	}
	overwrite := func(from int) []byte {
		out := append([]byte(nil), whole...)
		copy(out[from:], garbage(len(out)-from))
		return out
	}
	cases := map[string][]byte{
		"truncated to two pages":      whole[:2*page],
		"truncated mid-page":          whole[:len(whole)-page-100],
		"data pages overwritten":      overwrite(2 * page),
		"everything overwritten":      garbage(len(whole)),
		"both meta pages overwritten": append(garbage(2*page), whole[2*page:]...),
		"a text file":                 []byte("this is not a state file\n"),
		"a few bytes of a real file":  whole[:100],
		"truncated to the first page": whole[:page],
		"zeros over the data pages":   append(append([]byte(nil), whole[:2*page]...), make([]byte, len(whole)-2*page)...),
	}
	for name, content := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db")
			if err := os.WriteFile(path, content, 0o600); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, append([]string{"--addr", "127.0.0.1:0", "--state", path}, cheap...)...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if ctx.Err() != nil {
				t.Fatalf("the server started on a damaged file (still running after 10 s); stdout %q", stdout.String())
			}
			if err == nil {
				t.Fatalf("exit status 0 on a damaged file; stdout %q", stdout.String())
			}
			msg := strings.TrimRight(stderr.String(), "\n")
			if strings.Count(msg, "\n") != 0 || !strings.Contains(msg, path) {
				t.Errorf("want one line naming %s, got:\n%s", path, msg)
			}
			for _, crash := range []string{"panic", "goroutine", "SIGBUS", "SIGSEGV", "fatal error"} {
				if strings.Contains(msg, crash) {
					t.Errorf("a crash (%s) instead of a message:\n%.600s", crash, msg)
				}
			}
			if !strings.Contains(msg, "start fresh") {
				t.Errorf("the message does not say how to start fresh: %s", msg)
			}
			after, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(after, content) {
				t.Errorf("the file was changed (%v)", err)
			}
		})
	}
}

// docs/tester-walk.sh, the walk of docs/TESTING.md as one script, runs as
// written against the mock server, over plain HTTP and over --tls with the
// certificate the server wrote; sourced, it leaves LOGIN, TOKEN and SESSION
// set, and it never prints the token.
func TestTesterWalkScript(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the tester script needs %s (scripts/deps.sh test installs it): %v", tool, err)
		}
	}
	script, err := filepath.Abs("../../docs/tester-walk.sh")
	if err != nil {
		t.Fatal(err)
	}
	bin := buildBinary(t)
	cert := filepath.Join(t.TempDir(), "cert.pem")
	for name, args := range map[string][]string{
		"http": {"--addr", "127.0.0.1:0"},
		"tls":  {"--addr", "127.0.0.1:0", "--tls", "--tls-cert-out", cert},
	} {
		t.Run(name, func(t *testing.T) {
			p := startProcess(t, bin, args...)
			cmd := exec.Command("bash", "-c", `source "$0"; echo "TOKEN_WAS=$TOKEN LOGIN_WAS=$LOGIN SESSION_WAS=$SESSION"`, script)
			cmd.Env = append(os.Environ(), "B="+p.url)
			if name == "tls" {
				cmd.Env = append(cmd.Env, "CACERT="+cert)
			}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("the script failed: %v\n%s", err, out)
			}
			text := string(out)
			for _, want := range []string{"signed out from the phone: HTTP 204", "the session now answers: session_revoked", `"account":"demo@linkdesk.test"`} {
				if !strings.Contains(text, want) {
					t.Errorf("output lacks %q:\n%s", want, text)
				}
			}
			m := regexp.MustCompile(`TOKEN_WAS=(ldk_\S+) LOGIN_WAS=(lgn_\S+) SESSION_WAS=(ses_\S+)`).FindStringSubmatch(text)
			if m == nil {
				t.Fatalf("LOGIN, TOKEN and SESSION are not set after sourcing it:\n%s", text)
			}
			shown := strings.TrimSuffix(text, text[strings.Index(text, "TOKEN_WAS="):])
			if strings.Contains(shown, m[1]) {
				t.Error("the script prints the token")
			}
			if !strings.Contains(shown, "LOGIN="+m[2]) || !strings.Contains(shown, "SESSION="+m[3]) {
				t.Errorf("the script does not show LOGIN and SESSION:\n%s", shown)
			}
		})
	}
}

// The phishing walk of docs/TESTING.md ("Playing the attacker") runs as
// written: its shell blocks, in order, against the mock server binary.
func TestPhishingWalkInTesting(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	doc, err := os.ReadFile("../../docs/TESTING.md")
	if err != nil {
		t.Fatal(err)
	}
	section := string(doc)
	start := strings.Index(section, "## Playing the attacker")
	if start < 0 {
		t.Fatal("TESTING.md has no section \"Playing the attacker\"")
	}
	section = section[start:]
	section = section[:strings.Index(section[3:], "\n## ")+3]
	var script strings.Builder
	for _, m := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(section, -1) {
		script.WriteString(m[1])
	}
	p := startProcess(t, buildBinary(t), "--addr", "127.0.0.1:0")
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", script.String())
	cmd.Env = append(os.Environ(), "B="+p.url)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the walk failed: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	want := []string{`"ip":"203.0.113.7","network":"different"`, "wrong_check", "login_declined", "login_declined",
		`"path":"/v1/logins","remote_ip":"203.0.113.7"`, `"remote_ip":"198.51.100.23"`, "same", "linked: DESKTOP-7QF2"}
	text := strings.Join(lines, "\n")
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("the walk's output lacks %q:\n%s", w, text)
		}
	}
	if strings.Contains(text, "null") {
		t.Errorf("a step of the walk found nothing:\n%s", text)
	}
}
