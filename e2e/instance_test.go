//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver/mocktest"
)

// visibleWindows counts the windows titled Linkdesk on the display.
func visibleWindows(t *testing.T) int {
	t.Helper()
	out, _ := exec.Command("xdotool", "search", "--onlyvisible", "--name", "^Linkdesk$").Output() // exit 1: none
	return len(strings.Fields(string(out)))
}

// qrOnScreen waits for a QR code on the screen and returns what it encodes:
// the phone photographs the screen and its camera (the server's QR reader,
// as on the phone page) reads it.
func (d *desktop) qrOnScreen(ctx context.Context, t *testing.T, phone *mocktest.Phone) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		shot, err := exec.Command("import", "-window", "root", "png:-").Output()
		if err != nil {
			t.Fatalf("screenshot (imagemagick): %v", err)
		}
		payload, err := phone.ReadQR(ctx, shot)
		if err == nil {
			return payload
		}
		if time.Now().After(deadline) {
			path := filepath.Join(os.TempDir(), fmt.Sprintf("linkdesk-e2e-no-qr-%d.png", os.Getpid()))
			_ = os.WriteFile(path, shot, 0o600) // for the person reading the failure
			t.Fatalf("no QR code on the screen after 10 s (%v); screenshot %s; app output:\n%s", err, path, d.log.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestOneInstanceAndTheKeyboardToTheQR: a second start leaves one window and
// one pending login; version and status run beside the app; the QR tab and
// back are reached with the keyboard alone.
func TestOneInstanceAndTheKeyboardToTheQR(t *testing.T) {
	bin, server, ctx, phone := begin(t)
	home := t.TempDir()
	env := testEnv(home)

	// Given the app waiting on the verify screen with one pending login
	d := startDesktop(t, bin, server, env)
	d.screen(t, "signin", 30*time.Second)
	typePassword(t, d)
	d.screen(t, "verify", 30*time.Second)
	var pending pairing.PendingRequest
	waitFor(t, "a pending request on the phone", 10*time.Second, func() bool {
		link, err := phone.Link(ctx)
		if err != nil || len(link.Pending) != 1 {
			return false
		}
		pending = link.Pending[0]
		return true
	})

	// When Linkdesk is started again (a double click, the menu entry)
	second := exec.Command(filepath.Join(bin, "linkdesk"), "--lang", "en", "--server", server)
	second.Env = env
	out, err := second.CombinedOutput()
	if err != nil {
		t.Fatalf("second start: %v\n%s", err, out)
	}

	// Then it hands over and exits 0, the first raises its window, and there
	// is still one window and one pending login.
	if !strings.Contains(string(out), "already running") {
		t.Errorf("second start printed %q", out)
	}
	d.waitLog(t, "second start", 10*time.Second)
	if n := visibleWindows(t); n != 1 {
		t.Errorf("%d Linkdesk windows after a second start, want 1", n)
	}
	if link, err := phone.Link(ctx); err != nil || len(link.Pending) != 1 {
		t.Errorf("phone lists %v pending logins after a second start (err %v), want 1", link, err)
	}

	// And version and status run beside the running app.
	for _, args := range [][]string{{"version"}, {"status", "--server", server}} {
		cmd := exec.Command(filepath.Join(bin, "linkdesk"), args...)
		cmd.Env = env
		out, _ := cmd.CombinedOutput() // status exits 1: not signed in yet
		if strings.Contains(string(out), "already running") || !strings.Contains(string(out), map[string]string{"version": "linkdesk ", "status": server}[args[0]]) {
			t.Errorf("linkdesk %s beside the app printed %q", args[0], out)
		}
	}

	// When the person presses Ctrl+Tab, then the QR code of this login is on screen.
	d.keys(t, "key", "ctrl+Tab")
	payload := d.qrOnScreen(ctx, t, phone)
	qr, err := pairing.ParseQR(payload)
	if err != nil || qr.LoginID != pending.LoginID {
		t.Fatalf("the QR code on screen is not this login's (%v)", err)
	}

	// And Alt+1 brings back the code field, which takes the code and signs in.
	d.keys(t, "key", "alt+1")
	time.Sleep(500 * time.Millisecond) // the tab switch is drawn before typing
	d.keys(t, "type", "--delay", "60", pending.Code)
	d.screen(t, "home", 30*time.Second)
}
