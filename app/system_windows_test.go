package app

// What only Windows has: the Credential Manager under go-keyring's wincred
// backend, MachineGuid, %APPDATA%. make test-windows runs these under Wine
// with LINKDESK_KEYCHAIN_TEST=1; on Windows itself set that variable too.

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/danieljoos/wincred"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

func TestWindowsCredentialNameAndSize(t *testing.T) {
	requireSecretService(t)
	// Given the Core over the real Credential Manager
	r := newRig(t)
	r.store = NewSessionStore(SessionStoreOptions{})
	user := KeychainUser(r.client.BaseURL(), mockserver.DemoEmail)
	target := KeychainService + ":" + user
	t.Cleanup(func() { _ = SystemKeyring{}.Delete(KeychainService, user) }) // leave the store as found

	// When signing in with keep-signed-in
	r.signIn(r.newCore(), true)

	// Then a generic credential "linkdesk:<origin> <email>" holds the session (README names it so)
	cred, err := wincred.GetGenericCredential(target)
	if err != nil {
		t.Fatalf("generic credential %q: %v", target, err)
	}
	if cred.UserName != user {
		t.Errorf("credential user %q, want %q", cred.UserName, user)
	}
	var ss StoredSession
	if err := json.Unmarshal(cred.CredentialBlob, &ss); err != nil || !strings.HasPrefix(ss.Token, pairing.TokenPrefix) {
		t.Fatalf("credential value is not the stored session (%v)", err)
	}
	// And its value is far below what CredWrite accepts
	if n := len(cred.CredentialBlob); n > MaxStoredSessionSize || MaxStoredSessionSize > wincredBlobLimit/2 {
		t.Errorf("credential value %d bytes, store limit %d; want both at most half of %d", n, MaxStoredSessionSize, wincredBlobLimit)
	}
}

func TestWindowsLongSessionRoundTripsThroughTheCredentialManager(t *testing.T) {
	requireSecretService(t)
	// Given a long session: the largest token (largestSession) for a long
	// e-mail. Not the 254-character one: Wine keeps a credential as a registry
	// key, whose name stops at 255 characters; Windows takes 32,767.
	ss := largestSession()
	ss.Email = strings.Repeat("a", 64) + "@" + strings.Repeat("b", 100) + ".test"
	s := NewSessionStore(SessionStoreOptions{})
	origin := "https://linkdesk-wincred-test.invalid"
	t.Cleanup(func() { _ = s.Delete(context.Background(), origin, ss.Email) })

	// When it is saved, Then the Credential Manager keeps it whole, far below its limit
	if err := s.Save(context.Background(), origin, ss); err != nil {
		t.Fatal(err)
	}
	cred, err := wincred.GetGenericCredential(KeychainService + ":" + KeychainUser(origin, ss.Email))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(cred.CredentialBlob); n > wincredBlobLimit/2 {
		t.Errorf("credential value %d bytes; want at most half of %d", n, wincredBlobLimit)
	}
	if got, err := s.Load(context.Background(), origin, ss.Email); err != nil || got != ss {
		t.Fatalf("Load = %+v, %v", got, err)
	}
}

func TestWindowsSettingsLiveInAppData(t *testing.T) {
	appData := os.Getenv("APPDATA")
	if appData == "" {
		t.Fatal("APPDATA is not set")
	}
	got, err := DefaultSettingsPath()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(appData, "linkdesk", "settings.json"); !strings.EqualFold(got, want) {
		t.Errorf("settings at %s, want %s", got, want)
	}
}

func TestWindowsMachineIDIsMachineGuid(t *testing.T) {
	// Given what reg.exe reads from HKLM\SOFTWARE\Microsoft\Cryptography
	out, err := exec.Command("reg", "query", `HKLM\SOFTWARE\Microsoft\Cryptography`, "/v", "MachineGuid").CombinedOutput()
	if err != nil {
		t.Fatalf("reg query MachineGuid: %v: %s", err, out)
	}
	m := regexp.MustCompile(`MachineGuid\s+REG_SZ\s+(\S+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no MachineGuid in %q", out)
	}
	// Then the app's machine ID is that value
	if id, err := ReadMachineID(); err != nil || id != string(m[1]) {
		t.Errorf("ReadMachineID() = %q, %v; want %q", id, err, m[1])
	}
}
