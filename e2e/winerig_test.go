//go:build e2e && wine

package e2e

// The packaged Windows .exe under Wine, as a person on Windows meets it: the
// real window typed into with xdotool, the mock server as a Linux process,
// Wine's Credential Manager as the keychain. scripts/test-windows.sh (make
// test-windows) makes the prefix, the display and the tools and passes them in.

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/linkdesk/linkdesk/pairing/mockserver/mocktest"
)

// wineRig is the Wine prefix scripts/test-windows.sh made and what it built.
type wineRig struct {
	prefix     string // WINEPREFIX
	exe        string // the packaged linkdesk .exe
	credread   string // e2e/windows/credread, built for Windows
	mockserver string // the Linux mock server binary
	font       string // the CJK font's link in the prefix's C:\windows\Fonts
	shots      string // where the screenshots are kept
}

// shotCount numbers the screenshots of all tests, in the order they were taken.
var shotCount int

func newWineRig(t *testing.T) *wineRig {
	t.Helper()
	r := &wineRig{}
	for name, v := range map[string]*string{"WINEPREFIX": &r.prefix, "LINKDESK_WINE_EXE": &r.exe,
		"LINKDESK_WINE_CREDREAD": &r.credread, "LINKDESK_MOCKSERVER": &r.mockserver,
		"LINKDESK_WINE_CJK_FONT": &r.font, "LINKDESK_SCREENSHOTS": &r.shots, "DISPLAY": new(string)} {
		if *v = os.Getenv(name); *v == "" {
			t.Fatalf("%s is not set: run through `make test-windows`", name)
		}
	}
	return r
}

// wine runs a Windows program in the prefix (the environment carries WINEPREFIX
// and DISPLAY). Wine may start its own services from it, which inherit its
// output and outlive it: WaitDelay stops waiting for them once it has ended.
func (r *wineRig) wine(args ...string) *exec.Cmd {
	cmd := exec.Command("wine", args...)
	cmd.WaitDelay = 2 * time.Second
	return cmd
}

// ended reports how a wine command ended: its exit code, or an error if it
// could not run. Output held open by Wine's services (ErrWaitDelay) is no failure.
func ended(cmd *exec.Cmd, err error) (int, error) {
	var ee *exec.ExitError
	switch {
	case err == nil, errors.Is(err, exec.ErrWaitDelay) && cmd.ProcessState != nil:
		return cmd.ProcessState.ExitCode(), nil
	case errors.As(err, &ee):
		return ee.ExitCode(), nil
	}
	return -1, err
}

// start opens the app's window against server, in lang.
func (r *wineRig) start(t *testing.T, server, lang string) *desktop {
	t.Helper()
	return launchDesktop(t, r.wine(r.exe, "--lang", lang, "--server", server))
}

// cli runs the .exe with a command (status, logout) and returns what it printed and its exit code.
func (r *wineRig) cli(t *testing.T, args ...string) (string, int) {
	t.Helper()
	cmd := r.wine(append([]string{r.exe}, args...)...)
	out, err := cmd.CombinedOutput()
	code, err := ended(cmd, err)
	if err != nil {
		t.Fatalf("linkdesk.exe %v: %v", args, err)
	}
	return string(out), code
}

// closeWindow closes the app the way Windows does when asked by taskkill (or
// the window's close box): WM_CLOSE to its windows. The app must exit 0.
func (r *wineRig) closeWindow(t *testing.T, d *desktop) {
	t.Helper()
	taskkill := r.wine("taskkill", "/IM", filepath.Base(r.exe))
	out, err := taskkill.CombinedOutput()
	if code, err := ended(taskkill, err); err != nil || code != 0 {
		t.Fatalf("taskkill: exit %d, %v: %s", code, err, out)
	}
	done := make(chan error, 1)
	go func() { done <- d.cmd.Wait() }()
	select {
	case err := <-done:
		if code, err := ended(d.cmd, err); err != nil || code != 0 {
			t.Fatalf("after WM_CLOSE the app ended with exit code %d (%v); its output:\n%s", code, err, d.log)
		}
	case <-time.After(30 * time.Second):
		_ = d.cmd.Process.Kill()
		<-done
		t.Fatalf("the app was still running 30 s after WM_CLOSE; its output:\n%s", d.log)
	}
}

// credential returns the values of the generic credential target as
// `reg query` lists Wine's Credential Manager, nil when there is none.
func (r *wineRig) credential(t *testing.T, target string) map[string]string {
	t.Helper()
	// reg fails while the Credential Manager key does not exist yet: that is "none".
	out, _ := r.wine("reg", "query", `HKCU\Software\Wine\Credential Manager`, "/s").Output()
	key := `HKEY_CURRENT_USER\Software\Wine\Credential Manager\Generic: ` + target
	value := regexp.MustCompile(`^\s+(\S+)\s+REG_\w+\s*(.*)$`)
	for _, block := range strings.Split(strings.ReplaceAll(string(out), "\r", ""), "\n\n") {
		lines := strings.Split(strings.TrimSpace(block), "\n")
		if lines[0] != key {
			continue
		}
		values := map[string]string{}
		for _, l := range lines[1:] {
			if m := value.FindStringSubmatch(l); m != nil {
				values[m[1]] = m[2]
			}
		}
		return values
	}
	return nil
}

// storedSession reads the credential's value through CredRead, as the app does.
func (r *wineRig) storedSession(t *testing.T, target string) (token, email string) {
	t.Helper()
	cmd := r.wine(r.credread, target)
	out, err := cmd.Output()
	if code, err := ended(cmd, err); err != nil || code != 0 {
		t.Fatalf("credread %q: exit %d, %v", target, code, err)
	}
	var ss struct{ Token, Email string }
	if err := json.Unmarshal(out, &ss); err != nil || ss.Token == "" {
		t.Fatalf("the credential's value is not a stored session (%v)", err)
	}
	return ss.Token, ss.Email
}

// screenshot keeps a picture of the window in the screenshots folder and returns it.
func (r *wineRig) screenshot(t *testing.T, d *desktop, name string) image.Image {
	t.Helper()
	time.Sleep(700 * time.Millisecond) // the screen is logged before fyne paints it
	shotCount++
	path := filepath.Join(r.shots, fmt.Sprintf("%02d-%s.png", shotCount, name))
	if out, err := exec.Command("import", "-window", d.window, path).CombinedOutput(); err != nil {
		t.Fatalf("screenshot %s: %v: %s", name, err, out)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot %s: %v", path, err)
	}
	t.Logf("screenshot %s", path)
	return img
}

// scanQR photographs the window until the phone's camera (the server's QR
// reader, as on the phone page) reads a QR code in it, and returns what it
// encodes.
func (r *wineRig) scanQR(ctx context.Context, t *testing.T, d *desktop, phone *mocktest.Phone) string {
	t.Helper()
	var payload string
	waitFor(t, "a QR code in the window", 20*time.Second, func() bool {
		var picture bytes.Buffer
		if err := png.Encode(&picture, r.screenshot(t, d, "verify-qr")); err != nil {
			t.Fatal(err)
		}
		var err error
		if payload, err = phone.ReadQR(ctx, picture.Bytes()); err != nil {
			shotCount-- // not yet drawn: the next picture replaces this one
			return false
		}
		return true
	})
	return payload
}

// flushRegistry ends the prefix's wineserver, which writes the registry (the
// Credential Manager with it) to the .reg files, and starts it again.
func (r *wineRig) flushRegistry(t *testing.T) {
	t.Helper()
	for _, arg := range []string{"-k", "-w"} { // end (this prefix's only), wait
		if out, err := exec.Command("wineserver", arg).CombinedOutput(); err != nil {
			t.Fatalf("wineserver %s: %v: %s", arg, err, out)
		}
	}
	// Start it again, persistent as scripts/test-windows.sh does; it gets no
	// output of ours to hold open (nil: /dev/null).
	if err := exec.Command("wineserver", "-p").Run(); err != nil {
		t.Fatalf("wineserver -p: %v", err)
	}
}

// plainTextForms are the ways a secret shows up in a file in plain text: as
// is, in UTF-16 (Windows' strings) and as the hex bytes of a .reg file.
func plainTextForms(secret string) [][]byte {
	u16 := new(bytes.Buffer)
	for _, c := range utf16.Encode([]rune(secret)) {
		u16.Write([]byte{byte(c), byte(c >> 8)})
	}
	regHex := func(b []byte) []byte {
		h := hex.EncodeToString(b)
		var out []string
		for i := 0; i < len(h); i += 2 {
			out = append(out, h[i:i+2])
		}
		return []byte(strings.Join(out, ","))
	}
	return [][]byte{[]byte(secret), u16.Bytes(), regHex([]byte(secret)), regHex(u16.Bytes())}
}

// findInPrefix returns the files of the prefix that hold one of secrets in plain text.
func (r *wineRig) findInPrefix(t *testing.T, secrets map[string]string) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(r.prefix, func(path string, e fs.DirEntry, err error) error {
		if err != nil || !e.Type().IsRegular() { // symlinks (the font, dosdevices) lead out of the prefix
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.HasSuffix(path, ".reg") { // long hex values are continued on the next line
			data = bytes.ReplaceAll(data, []byte("\\\n  "), nil)
		}
		for name, s := range secrets {
			for _, form := range plainTextForms(s) {
				if bytes.Contains(data, form) {
					found = append(found, fmt.Sprintf("%s holds the %s", path, name))
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("scanning the prefix: %v", err)
	}
	return found
}
