//go:build e2e && wine

package e2e

import (
	"context"
	"image"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

// TestWindowsSignInRestoreRevokeQRAndCommandLine is TestSignInWithCodeRestoreAndRevokeFromPhone
// on Windows, plus the QR code, closing the window the Windows way, and status/logout.
func TestWindowsSignInRestoreRevokeQRAndCommandLine(t *testing.T) {
	r := newWineRig(t)
	server := startMockServer(t, filepath.Dir(r.mockserver))
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	phone := phoneSignedIn(ctx, t, server)
	target := "linkdesk:" + server + " " + mockserver.DemoEmail // go-keyring's wincred name, as README says
	var logs []string                                           // everything the app printed, checked for secrets at the end

	// Given a first start of the packaged .exe: the sign-in screen.
	d := r.start(t, server, "en")
	d.screen(t, "signin", 60*time.Second)
	r.screenshot(t, d, "signin")

	// When the person types e-mail and password, then the code from the phone.
	submitPassword(t, d)
	r.screenshot(t, d, "verify-code")
	code := typeCodeFromPhone(ctx, t, d, phone)

	// Then home, and the Credential Manager holds the session: a generic
	// credential named linkdesk:<server> <email>, far below its 2,560-byte limit.
	d.screen(t, "home", 30*time.Second)
	r.screenshot(t, d, "home")
	var cred map[string]string
	waitFor(t, "the credential "+target, 10*time.Second, func() bool { cred = r.credential(t, target); return cred != nil })
	if cred["UserName"] != server+" "+mockserver.DemoEmail || cred["Type"] != "0x1" {
		t.Errorf("credential %q: user %q type %q; want a generic credential of %q", target, cred["UserName"], cred["Type"], server+" "+mockserver.DemoEmail)
	}
	if n := len(cred["Password"]) / 2; n == 0 || n > 1280 {
		t.Errorf("credential value is %d bytes; want some, and at most half of 2,560", n)
	}
	token, email := r.storedSession(t, target)
	if !strings.HasPrefix(token, pairing.TokenPrefix) || email != mockserver.DemoEmail {
		t.Fatalf("the credential holds no token of %s", mockserver.DemoEmail)
	}
	// And the settings live in %APPDATA%\linkdesk, without the token.
	settings, _ := filepath.Glob(filepath.Join(r.prefix, "drive_c/users/*/AppData/Roaming/linkdesk/settings.json"))
	if len(settings) != 1 {
		t.Fatalf("settings in %%APPDATA%%\\linkdesk: found %v", settings)
	}
	if b, err := os.ReadFile(settings[0]); err != nil || !strings.Contains(string(b), mockserver.DemoEmail) || strings.Contains(string(b), token) {
		t.Errorf("settings.json: %v; want the e-mail and no token:\n%s", err, b)
	}

	// When the window is closed (WM_CLOSE), Then the app exits 0 and the session stays.
	r.closeWindow(t, d)
	logs = append(logs, d.log.String())
	if r.credential(t, target) == nil {
		t.Fatal("closing the window removed the credential")
	}
	// And once Wine has written its registry, no file of the prefix holds the token or the password.
	r.flushRegistry(t)
	if reg, err := os.ReadFile(filepath.Join(r.prefix, "user.reg")); err != nil || !strings.Contains(string(reg), "Generic: "+target) {
		t.Fatalf("the Credential Manager was not written to user.reg (%v): the scan would prove nothing", err)
	}
	for _, f := range r.findInPrefix(t, map[string]string{"token": token, "password": mockserver.DemoPassword}) {
		t.Error(f)
	}

	// Given a second start: it signs in silently, and status says so (exit 0).
	d2 := r.start(t, server, "en")
	d2.screen(t, "home", 60*time.Second)
	if strings.Contains(d2.log.String(), "screen=signin") {
		t.Errorf("second start showed the sign-in screen:\n%s", d2.log)
	}
	r.screenshot(t, d2, "home-after-restart")
	out, exit := r.cli(t, "status", "--server", server)
	if exit != 0 || !strings.Contains(out, "Signed in as "+mockserver.DemoEmail) {
		t.Errorf("status while signed in: exit %d, want 0:\n%s", exit, out)
	}
	logs = append(logs, out)

	// When Linkdesk is started once more while it runs (a double click), Then
	// that start hands over to the running app and exits 0, the running app
	// brings its window to the front, and there is still one window.
	out, exit = r.cli(t, "--lang", "en", "--server", server)
	if exit != 0 || !strings.Contains(out, "already running") {
		t.Errorf("a start beside the running app: exit %d, want 0 and \"already running\":\n%s", exit, out)
	}
	d2.waitLog(t, "second start", 10*time.Second)
	if n := visibleWindows(t); n != 1 {
		t.Errorf("%d Linkdesk windows after a second start, want 1", n)
	}
	logs = append(logs, out)

	// When the desktop is signed out from the phone.
	link, err := phone.Link(ctx)
	if err != nil || len(link.Devices) != 1 || link.Devices[0].Platform != pairing.PlatformWindows {
		t.Fatalf("phone lists %+v (err %v); want one Windows desktop", link, err)
	}
	if err := phone.RevokeDevice(ctx, link.Devices[0].SessionID); err != nil {
		t.Fatal(err)
	}
	// Then the credential is gone and the app is back at sign-in, saying why.
	waitFor(t, "the credential to be deleted", 10*time.Second, func() bool { return r.credential(t, target) == nil })
	d2.screen(t, "signin", 10*time.Second)
	d2.waitLog(t, pairing.CodeSessionRevoked, 5*time.Second) // the line after the screen's
	r.screenshot(t, d2, "signed-out-from-phone")
	r.closeWindow(t, d2)
	logs = append(logs, d2.log.String())

	// Given a third start, When the person signs in and takes the QR tab (Ctrl+Tab),
	// and the phone scans what the window shows and approves.
	d3 := r.start(t, server, "en")
	d3.screen(t, "signin", 60*time.Second)
	submitPassword(t, d3)
	d3.keys(t, "key", "ctrl+Tab")
	payload := r.scanQR(ctx, t, d3, phone)
	scan, err := phone.Scan(ctx, payload)
	if err != nil {
		t.Fatalf("the phone cannot use the QR code the window shows: %v", err)
	}
	if scan.Device.Platform != pairing.PlatformWindows {
		t.Errorf("the phone sees a %q desktop, want %q", scan.Device.Platform, pairing.PlatformWindows)
	}
	// Then the window turns to the number the phone must pick, one of its three.
	d3.waitLog(t, "view=confirm", 10*time.Second)
	r.screenshot(t, d3, "confirm-on-phone")
	check := checkNumber(t, server)
	if !slices.Contains(scan.CheckChoices, check) {
		t.Fatalf("the window shows %q, the phone offers %v", check, scan.CheckChoices)
	}
	if err := phone.Approve(ctx, scan.LoginID, check); err != nil {
		t.Fatal(err)
	}
	// Then home, with a new session in the Credential Manager.
	d3.screen(t, "home", 30*time.Second)
	r.screenshot(t, d3, "home-after-qr")
	waitFor(t, "the credential after the QR sign-in", 10*time.Second, func() bool { return r.credential(t, target) != nil })
	qrToken, _ := r.storedSession(t, target)
	r.closeWindow(t, d3)
	logs = append(logs, d3.log.String())

	// When the person runs logout, Then it exits 0, the credential is gone and status exits 1.
	out, exit = r.cli(t, "status", "--server", server)
	if exit != 0 {
		t.Errorf("status after the QR sign-in: exit %d, want 0:\n%s", exit, out)
	}
	logs = append(logs, out)
	out, exit = r.cli(t, "logout", "--server", server)
	if exit != 0 || r.credential(t, target) != nil {
		t.Errorf("logout: exit %d (want 0), credential left: %v:\n%s", exit, r.credential(t, target) != nil, out)
	}
	logs = append(logs, out)
	out, exit = r.cli(t, "status", "--server", server)
	if exit != 1 || !strings.Contains(out, "Not signed in") {
		t.Errorf("status after logout: exit %d, want 1:\n%s", exit, out)
	}
	logs = append(logs, out)

	// And nothing the app printed holds a secret.
	all := strings.Join(logs, "\n")
	for name, s := range map[string]string{"token": token, "QR sign-in's token": qrToken, "password": mockserver.DemoPassword, "code": code, "QR payload": payload} {
		if strings.Contains(all, s) {
			t.Errorf("the app's output contains the %s", name)
		}
	}
}

// TestWindowsDrawsKorean opens the window in Korean and compares it with the
// same window drawn without the CJK font (boxes): it must differ, or the
// Hangul is not drawn from the font.
func TestWindowsDrawsKorean(t *testing.T) {
	r := newWineRig(t)
	server := startMockServer(t, filepath.Dir(r.mockserver))

	// Given the CJK font in C:\windows\Fonts, When the app starts with --lang ko
	d := r.start(t, server, "ko")
	d.screen(t, "signin", 60*time.Second)
	hangul := r.screenshot(t, d, "korean-signin")
	r.closeWindow(t, d)

	// And the same without the font (Fyne falls back to boxes); out of the
	// folder, since Fyne reads every file in it whatever its name
	away := filepath.Join(t.TempDir(), filepath.Base(r.font))
	if err := os.Rename(r.font, away); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Rename(away, r.font) })
	d = r.start(t, server, "ko")
	d.screen(t, "signin", 60*time.Second)
	tofu := r.screenshot(t, d, "korean-without-cjk-font")
	r.closeWindow(t, d)

	// Then the two differ over the text, not by a blinking cursor
	if n := differingPixels(hangul, tofu); n < 2000 {
		t.Errorf("the Korean window differs from its no-font render in %d pixels; want the Hangul drawn (thousands)", n)
	}
}

// differingPixels counts the pixels two same-sized pictures do not share.
func differingPixels(a, b image.Image) int {
	if a.Bounds() != b.Bounds() {
		return a.Bounds().Dx() * a.Bounds().Dy()
	}
	n := 0
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 {
				n++
			}
		}
	}
	return n
}
