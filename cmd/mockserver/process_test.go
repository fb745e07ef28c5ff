package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
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
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, p.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := p.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode < 300 {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return resp.StatusCode
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
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v", err)
		}
	case <-time.After(waitFor):
		t.Fatal("no exit after SIGTERM")
	}
}
