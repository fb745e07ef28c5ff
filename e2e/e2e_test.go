//go:build e2e

// Package e2e drives the real Linkdesk window as a person would: under Xvfb,
// from the keyboard (xdotool), against the mock server started as a process,
// with a real Secret Service (see scripts/with-keyring.sh). Run it with
// `make e2e` (part of `make test`).
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
	"github.com/linkdesk/linkdesk/pairing/mockserver/mocktest"
)

// binDir holds the binaries `make build` wrote; the tests that start them need
// a display and a Secret Service, as `make e2e` gives them.
func binDir(t *testing.T) string {
	t.Helper()
	if os.Getenv("DISPLAY") == "" || os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		t.Fatal("needs DISPLAY and a D-Bus session with a Secret Service: run through `make e2e`")
	}
	dir, err := filepath.Abs("../bin")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"linkdesk", "linkdesk-mockserver"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Fatalf("%s not built (run `make build` first): %v", name, err)
		}
	}
	return dir
}

// waitFor polls cond every 100 ms until it holds or the timeout passes.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// startMockServer runs the mock server binary on a free loopback port.
func startMockServer(t *testing.T, bin string) string {
	t.Helper()
	cmd := exec.Command(filepath.Join(bin, "linkdesk-mockserver"), "--addr", "127.0.0.1:0")
	// Ended with the test even when a timeout kills it before its clean-ups;
	// it would hold `go test`'s output open and hang it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	first, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("mock server printed nothing: %v", err)
	}
	const prefix = "Linkdesk mock server listening on "
	if !strings.HasPrefix(first, prefix) {
		t.Fatalf("first line of the mock server = %q, want %q…", first, prefix)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	return strings.TrimSpace(strings.TrimPrefix(first, prefix))
}

// desktop is one run of the app.
type desktop struct {
	cmd    *exec.Cmd
	log    *mocktest.LogBuffer
	window string
}

// startDesktop starts the app against server, or in demo mode when server is "".
func startDesktop(t *testing.T, bin, server string, env []string) *desktop {
	t.Helper()
	args := []string{"--lang", "en"}
	if server != "" { // none: demo mode
		args = append(args, "--server", server)
	}
	cmd := exec.Command(filepath.Join(bin, "linkdesk"), args...)
	cmd.Env = env
	return launchDesktop(t, cmd)
}

// launchDesktop starts cmd, an app that logs to stdout/stderr, and waits for its window.
func launchDesktop(t *testing.T, cmd *exec.Cmd) *desktop {
	t.Helper()
	d := &desktop{cmd: cmd, log: &mocktest.LogBuffer{}}
	d.cmd.Stdout = d.log
	d.cmd.Stderr = d.log
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.stop)
	waitFor(t, "the Linkdesk window", 60*time.Second, func() bool {
		out, err := exec.Command("xdotool", "search", "--onlyvisible", "--name", "^Linkdesk$").Output()
		if err != nil {
			return false
		}
		d.window = strings.Fields(string(out))[0]
		return true
	})
	return d
}

func (d *desktop) stop() {
	if d.cmd.ProcessState != nil {
		return
	}
	_ = d.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = d.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = d.cmd.Process.Kill()
		<-done
	}
}

// screen waits until the app reports it shows the named screen.
func (d *desktop) screen(t *testing.T, name string, timeout time.Duration) {
	t.Helper()
	re := regexp.MustCompile(`screen=` + name + `\b`)
	waitFor(t, "screen "+name+"; app output so far:\n"+d.log.String(), timeout, func() bool {
		return re.MatchString(d.log.String())
	})
}

// waitLog waits until the app's output holds text.
func (d *desktop) waitLog(t *testing.T, text string, timeout time.Duration) {
	t.Helper()
	waitFor(t, text+"; app output so far:\n"+d.log.String(), timeout, func() bool {
		return strings.Contains(d.log.String(), text)
	})
}

// keys types text and presses keys into the window, as a person at the keyboard.
func (d *desktop) keys(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("xdotool", "windowfocus", "--sync", d.window).CombinedOutput(); err != nil {
		t.Fatalf("xdotool windowfocus: %v: %s", err, out)
	}
	if out, err := exec.Command("xdotool", args...).CombinedOutput(); err != nil {
		t.Fatalf("xdotool %v: %v: %s", args[0], err, out)
	}
}

// typePassword types the demo e-mail, Tab, the password and Enter.
func typePassword(t *testing.T, d *desktop) {
	t.Helper()
	d.keys(t, "type", "--delay", "40", mockserver.DemoEmail)
	d.keys(t, "key", "Tab")
	d.keys(t, "type", "--delay", "40", mockserver.DemoPassword)
	d.keys(t, "key", "Return")
}

// phoneSignedIn is the phone of the demo account, signed in to server.
func phoneSignedIn(ctx context.Context, t *testing.T, server string) *mocktest.Phone {
	t.Helper()
	phone := mocktest.NewPhone(server)
	if err := phone.SignIn(ctx, mockserver.DemoEmail, mockserver.DemoPassword); err != nil {
		t.Fatal(err)
	}
	return phone
}

// begin starts what a story with its own server needs: the programs, the
// mock server process, and the demo account's phone signed in to it; ctx
// bounds the whole story.
func begin(t *testing.T) (bin, server string, ctx context.Context, phone *mocktest.Phone) {
	t.Helper()
	bin = binDir(t)
	server = startMockServer(t, bin)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return bin, server, ctx, phoneSignedIn(ctx, t, server)
}

// signInByCode types e-mail, Tab, password, Enter, reads the code the phone
// shows and types it (the field submits itself on the sixth digit). It
// returns the code.
func signInByCode(ctx context.Context, t *testing.T, d *desktop, phone *mocktest.Phone) string {
	t.Helper()
	submitPassword(t, d)
	return typeCodeFromPhone(ctx, t, d, phone)
}

// submitPassword types e-mail, Tab, password, Enter and waits for the verify screen.
func submitPassword(t *testing.T, d *desktop) {
	t.Helper()
	typePassword(t, d)
	d.screen(t, "verify", 30*time.Second)
}

// typeCodeFromPhone reads the code of the pending request on the phone and types it.
func typeCodeFromPhone(ctx context.Context, t *testing.T, d *desktop, phone *mocktest.Phone) string {
	t.Helper()
	var code string
	waitFor(t, "a pending request on the phone", 10*time.Second, func() bool {
		link, err := phone.Link(ctx)
		if err != nil || len(link.Pending) == 0 {
			return false
		}
		code = link.Pending[0].Code
		return true
	})
	d.keys(t, "type", "--delay", "60", code)
	return code
}

// testEnv is this environment with home as the person's home: its own
// settings, caches and runtime folder (where the single-instance socket is).
func testEnv(home string) []string {
	return append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"), "XDG_RUNTIME_DIR="+filepath.Join(home, "run"), "LANG=C.UTF-8")
}

func keychainLookup(server, email string) (string, error) {
	out, err := exec.Command("secret-tool", "lookup", "service", "linkdesk", "username", server+" "+email).Output()
	return string(out), err
}

func TestSignInWithCodeRestoreAndRevokeFromPhone(t *testing.T) {
	bin, server, ctx, phone := begin(t)
	home := t.TempDir()
	env := testEnv(home)
	var err error

	// Given a first start: the sign-in screen with focus in the e-mail field.
	d := startDesktop(t, bin, server, env)
	d.screen(t, "signin", 30*time.Second)

	// When the person types e-mail, password and the code from the phone.
	code := signInByCode(ctx, t, d, phone)

	// Then the home screen is up and the keychain holds the token.
	d.screen(t, "home", 30*time.Second)
	var stored string
	waitFor(t, "the keychain entry", 10*time.Second, func() bool {
		stored, err = keychainLookup(server, mockserver.DemoEmail)
		return err == nil && strings.Contains(stored, pairing.TokenPrefix)
	})
	token := regexp.MustCompile(`ldk_[A-Za-z0-9_-]+`).FindString(stored)
	if token == "" {
		t.Fatalf("keychain entry holds no token")
	}
	d.stop()

	// Given a second start: it signs in silently, without the sign-in screen.
	d2 := startDesktop(t, bin, server, env)
	d2.screen(t, "home", 30*time.Second)
	if strings.Contains(d2.log.String(), "screen=signin") {
		t.Errorf("second start showed the sign-in screen before home:\n%s", d2.log.String())
	}

	// When the desktop is signed out from the phone.
	link, err := phone.Link(ctx)
	if err != nil || len(link.Devices) != 1 {
		t.Fatalf("phone lists %v linked desktops (err %v), want 1", link, err)
	}
	if err := phone.RevokeDevice(ctx, link.Devices[0].SessionID); err != nil {
		t.Fatal(err)
	}

	// Then the keychain entry is gone and the app is back at sign-in, saying why.
	waitFor(t, "the keychain entry to be deleted", 10*time.Second, func() bool {
		_, err := keychainLookup(server, mockserver.DemoEmail)
		return err != nil
	})
	d2.screen(t, "signin", 10*time.Second)
	d2.waitLog(t, pairing.CodeSessionRevoked, 5*time.Second) // the line after the screen's
	d2.stop()

	// And nothing the app wrote or printed holds a secret.
	secrets := map[string]string{"token": token, "password": mockserver.DemoPassword, "code": code}
	logs := d.log.String() + d2.log.String()
	for name, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("the app's output contains the %s", name)
		}
	}
	err = filepath.WalkDir(home, func(path string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for name, s := range secrets {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("%s contains the %s", path, name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(fmt.Errorf("scanning the app's folders: %w", err))
	}
}

// checkNumber reads the number the window shows once the phone scanned its
// QR code, from the mock server's tester controls (the ui tests check that
// the window shows this number).
func checkNumber(t *testing.T, server string) string {
	t.Helper()
	resp, err := http.Get(server + "/mock/v1/logins?email=" + mockserver.DemoEmail)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Logins []struct {
			Check string `json:"check"`
		} `json:"logins"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || len(out.Logins) != 1 {
		t.Fatalf("tester logins: %v, %d pending", err, len(out.Logins))
	}
	return out.Logins[0].Check
}

// TestSignInByQRWithTheCheckNumber is the QR path from the keyboard: the
// person types e-mail and password, the phone scans the QR code, the window
// turns to "Confirm on your phone" with the number, and picking that number
// on the phone signs the desktop in.
func TestSignInByQRWithTheCheckNumber(t *testing.T) {
	bin, server, ctx, phone := begin(t)
	d := startDesktop(t, bin, server, testEnv(t.TempDir()))
	d.screen(t, "signin", 30*time.Second)

	// Given the person typed e-mail and password,
	typePassword(t, d)
	d.screen(t, "verify", 30*time.Second)

	// when the person takes the QR tab from the keyboard (Ctrl+Tab) and the
	// phone scans the QR code the window shows,
	d.keys(t, "key", "ctrl+Tab")
	scan, err := phone.Scan(ctx, d.qrOnScreen(ctx, t, phone))
	if err != nil {
		t.Fatalf("phone scan: %v", err)
	}
	if scan.Network != pairing.NetworkSame {
		t.Errorf("desktop and phone on this machine, yet the network is %q", scan.Network)
	}
	// then the window turns to the number, one of the phone's three;
	d.waitLog(t, "view=confirm", 5*time.Second)
	check := checkNumber(t, server)
	if !slices.Contains(scan.CheckChoices, check) {
		t.Fatalf("the window shows %q, the phone offers %v", check, scan.CheckChoices)
	}
	// and when the person picks it on the phone, the desktop is signed in.
	if err := phone.Approve(ctx, scan.LoginID, check); err != nil {
		t.Fatalf("approve: %v", err)
	}
	d.screen(t, "home", 30*time.Second)
	waitFor(t, "the keychain entry", 10*time.Second, func() bool {
		v, err := keychainLookup(server, mockserver.DemoEmail)
		return err == nil && strings.Contains(v, pairing.TokenPrefix)
	})
	d.stop()
}

// TestDemoModeKeepsTheSessionAcrossRestarts is the quick start as a person
// lives it: `make run` opens demo mode, they sign in with the demo account and
// the code from the phone simulator, close the app, open it again and are
// signed in without typing anything.
func TestDemoModeKeepsTheSessionAcrossRestarts(t *testing.T) {
	bin := binDir(t)
	home := t.TempDir()
	env := testEnv(home)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	// Given demo mode: the app prints its mock server and phone simulator.
	d := startDesktop(t, bin, "", env)
	serverRe := regexp.MustCompile(`a mock server runs at (http://\S+)`)
	var server string
	waitFor(t, "the demo server's address", 30*time.Second, func() bool {
		m := serverRe.FindStringSubmatch(d.log.String())
		if m != nil {
			server = m[1]
		}
		return m != nil
	})
	if !strings.Contains(d.log.String(), "Phone simulator: "+server+"/phone") {
		t.Errorf("demo mode did not print the phone simulator URL:\n%s", d.log.String())
	}
	phone := phoneSignedIn(ctx, t, server)
	d.screen(t, "signin", 30*time.Second)

	// When the person signs in with the code and closes the app.
	signInByCode(ctx, t, d, phone)
	d.screen(t, "home", 30*time.Second)
	waitFor(t, "the keychain entry", 10*time.Second, func() bool {
		v, err := keychainLookup(server, mockserver.DemoEmail)
		return err == nil && strings.Contains(v, pairing.TokenPrefix)
	})
	d.stop()

	// Then opening it again signs in silently, against the same demo server.
	d2 := startDesktop(t, bin, "", env)
	d2.screen(t, "home", 30*time.Second)
	if strings.Contains(d2.log.String(), "screen=signin") {
		t.Errorf("second start showed the sign-in screen:\n%s", d2.log.String())
	}
	if !strings.Contains(d2.log.String(), "a mock server runs at "+server) {
		t.Errorf("second start used another demo server than %s:\n%s", server, d2.log.String())
	}
	d2.stop()
}
