//go:build linux

package app

// The Secret Service's own errors and locking: tests that can only pass where
// the keychain speaks D-Bus (go-keyring's Linux backend).

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

func TestSessionStoreMapsSecretServiceLocked(t *testing.T) {
	// Given a Secret Service that answers IsLocked, Then the store says locked, not unavailable
	checkKeychainErrorMaps(t, dbus.Error{Name: "org.freedesktop.Secret.Error.IsLocked",
		Body: []any{"Cannot create an item in a locked collection"}}, ErrLocked)
}

// lockedChildEnv marks the child process of TestRealKeychainLocked.
const lockedChildEnv = "LINKDESK_LOCKED_KEYCHAIN_CHILD"

func TestRealKeychainLocked(t *testing.T) {
	if os.Getenv(lockedChildEnv) == "1" {
		lockedKeychainChild(t)
		return
	}
	requireSecretService(t)
	// Locking the collection cannot be undone without a person at an unlock
	// prompt, so it happens in a child process with its own bus and keyring.
	for _, tool := range []string{"dbus-run-session", "gnome-keyring-daemon"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s: %v", tool, err)
		}
	}
	cmd := exec.Command("dbus-run-session", "--", "sh", "-c",
		`echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$0" -test.run='^TestRealKeychainLocked$' -test.v`,
		os.Args[0])
	cmd.Env = append(os.Environ(), lockedChildEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestRealKeychainLocked") {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

// lockedKeychainChild locks the default collection of its private keyring and
// checks what the store and the Core make of it.
func lockedKeychainChild(t *testing.T) {
	conn, err := dbus.SessionBus()
	if err != nil {
		t.Fatal(err)
	}
	var locked []dbus.ObjectPath
	var prompt dbus.ObjectPath
	err = conn.Object("org.freedesktop.secrets", "/org/freedesktop/secrets").
		Call("org.freedesktop.Secret.Service.Lock", 0, []dbus.ObjectPath{"/org/freedesktop/secrets/aliases/default"}).
		Store(&locked, &prompt)
	if err != nil {
		t.Fatalf("locking the keyring: %v", err)
	}
	// The store says "locked" (the unlock prompt cannot be shown here), in bounded time.
	s := NewSessionStore(SessionStoreOptions{Timeout: 5 * time.Second})
	if err := s.Save(context.Background(), "o", sampleSession("a@b")); !errors.Is(err, ErrLocked) {
		var te *TimeoutError
		if !errors.As(err, &te) {
			t.Fatalf("save into a locked keyring: %v, want ErrLocked or a timeout", err)
		}
	}
	// And the Core signs the person in for this run, saying why it will not last.
	r := newRig(t)
	r.store = s
	st := r.signIn(r.newCore(), true)
	if st.Storage != StorageMemoryNoKeychain || st.Problem == nil ||
		(st.Problem.Code != CodeKeychainLocked && st.Problem.Code != CodeKeychainTimeout) || !st.Problem.Retryable {
		t.Fatalf("storage %v problem %+v", st.Storage, st.Problem)
	}
}
