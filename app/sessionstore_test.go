package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"
)

func sampleSession(email string) StoredSession {
	return StoredSession{
		Token:     "ldk_" + strings.Repeat("x", 43),
		SessionID: "ses_1234",
		DeviceID:  "0123456789abcdef0123456789abcdef",
		Email:     email,
		IssuedAt:  time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC),
	}
}

func TestSessionStoreNamesTheItemAndKeepsItSmall(t *testing.T) {
	// Given a store over an in-memory keychain
	kr := newMemKeyring()
	s := NewSessionStore(SessionStoreOptions{Keyring: kr})
	ctx := context.Background()
	ss := sampleSession("anna@example.com")

	// When a session is saved
	if err := s.Save(ctx, "https://ld.example", ss); err != nil {
		t.Fatal(err)
	}

	// Then the item is service "linkdesk", user "<origin> <email>", a small JSON document
	v, ok := kr.get("linkdesk", "https://ld.example anna@example.com")
	if !ok {
		t.Fatal("no keychain item under service linkdesk, user '<origin> <email>'")
	}
	if len(v) >= MaxStoredSessionSize {
		t.Errorf("value is %d bytes, want under 1 KiB", len(v))
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(v), &doc); err != nil {
		t.Fatalf("value is not JSON: %v", err)
	}
	for _, k := range []string{"token", "session_id", "device_id", "email", "issued_at"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("value lacks %q", k)
		}
	}
	// And it loads back as it was
	got, err := s.Load(ctx, "https://ld.example", "anna@example.com")
	if err != nil || got != ss {
		t.Fatalf("Load = %+v, %v", got, err)
	}
	// And another server or account is another item
	if _, err := s.Load(ctx, "https://other.example", "anna@example.com"); !errors.Is(err, ErrNotFound) {
		t.Errorf("other server: err = %v, want ErrNotFound", err)
	}
}

func TestSessionStoreDelete(t *testing.T) {
	kr := newMemKeyring()
	s := NewSessionStore(SessionStoreOptions{Keyring: kr})
	ctx := context.Background()
	if err := s.Save(ctx, "o", sampleSession("a@b")); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "o", "a@b"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(ctx, "o", "a@b"); !errors.Is(err, ErrNotFound) {
		t.Errorf("after Delete: %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, "o", "a@b"); err != nil {
		t.Errorf("deleting what is not there: %v, want nil", err)
	}
}

func TestSessionStoreRefusesTooBig(t *testing.T) {
	kr := newMemKeyring()
	s := NewSessionStore(SessionStoreOptions{Keyring: kr})
	ss := sampleSession("anna@example.com")
	ss.Token = strings.Repeat("t", MaxStoredSessionSize)
	err := s.Save(context.Background(), "o", ss)
	if !errors.Is(err, ErrTooBig) {
		t.Fatalf("err = %v, want ErrTooBig", err)
	}
	if kr.len() != 0 || kr.calls != 0 {
		t.Error("a too big value reached the keychain")
	}
	if strings.Contains(err.Error(), "ttttt") {
		t.Error("the error quotes the token")
	}
}

func TestSessionStoreMapsKeychainErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"go-keyring not found", keyring.ErrNotFound, ErrNotFound},
		{"go-keyring too big (Windows/macOS limits)", keyring.ErrSetDataTooBig, ErrTooBig},
		{"no Secret Service on the bus", dbus.Error{Name: "org.freedesktop.DBus.Error.ServiceUnknown",
			Body: []any{"The name org.freedesktop.secrets was not provided by any .service files"}}, ErrUnavailable},
		{"no session bus", errors.New("dbus: DBUS_SESSION_BUS_ADDRESS not set"), ErrUnavailable},
		{"unlock prompt dismissed", fmt.Errorf("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"), ErrLocked},
		{"macOS keychain locked", errors.New("exit status 36: User interaction is not allowed."), ErrLocked},
	} {
		t.Run(tc.name, func(t *testing.T) { checkKeychainErrorMaps(t, tc.err, tc.want) })
	}
}

// checkKeychainErrorMaps checks that load, save and delete over a keychain
// failing with kerr each say want (deleting a missing item is no error).
func checkKeychainErrorMaps(t *testing.T, kerr, want error) {
	t.Helper()
	kr := newMemKeyring()
	kr.setErr(kerr)
	s := NewSessionStore(SessionStoreOptions{Keyring: kr})
	ctx := context.Background()
	_, errLoad := s.Load(ctx, "o", "a@b")
	errSave := s.Save(ctx, "o", sampleSession("a@b"))
	errDelete := s.Delete(ctx, "o", "a@b")
	for op, err := range map[string]error{"load": errLoad, "save": errSave, "delete": errDelete} {
		if want == ErrNotFound && op == "delete" {
			if err != nil {
				t.Errorf("delete of a missing item: %v, want nil", err)
			}
			continue
		}
		if !errors.Is(err, want) {
			t.Errorf("%s: err = %v, want %v", op, err, want)
		}
	}
}

func TestSessionStoreTimesOutASlowKeychain(t *testing.T) {
	// Given a keychain that never answers (an unlock prompt left open)
	kr := newMemKeyring()
	kr.hang = make(chan struct{})
	t.Cleanup(func() { close(kr.hang) })
	s := NewSessionStore(SessionStoreOptions{Keyring: kr, Timeout: 50 * time.Millisecond})

	// When the store is used, Then every call gives up with a *TimeoutError
	start := time.Now()
	_, err := s.Load(context.Background(), "o", "a@b")
	var te *TimeoutError
	if !errors.As(err, &te) || te.Op != "get" || te.After != 50*time.Millisecond {
		t.Fatalf("err = %v, want *TimeoutError for get", err)
	}
	// And a later call waits behind the hung one and times out too, in bounded time
	if err := s.Delete(context.Background(), "o", "a@b"); !errors.As(err, &te) || te.Op != "delete" {
		t.Fatalf("delete: err = %v, want *TimeoutError", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v; the timeout did not bound the calls", d)
	}
	if !strings.Contains(te.Error(), "did not answer") {
		t.Errorf("message %q", te.Error())
	}
}

func TestSessionStoreCallsKeepTheirOrder(t *testing.T) {
	// Given a save that is still running when it times out
	kr := newMemKeyring()
	kr.hang = make(chan struct{})
	s := NewSessionStore(SessionStoreOptions{Keyring: kr, Timeout: 30 * time.Millisecond})
	var te *TimeoutError
	if err := s.Save(context.Background(), "o", sampleSession("a@b")); !errors.As(err, &te) {
		t.Fatalf("save: %v, want timeout", err)
	}
	// When the keychain wakes up and a delete follows
	close(kr.hang)
	s2 := NewSessionStore(SessionStoreOptions{Keyring: kr}) // a generous timeout
	s2.turn = s.turn                                        // the same keychain queue
	if err := s2.Delete(context.Background(), "o", "a@b"); err != nil {
		t.Fatalf("delete: %v", err)
	}
	// Then the late save did not resurrect the entry after the delete
	if _, ok := kr.get("linkdesk", "o a@b"); ok {
		t.Error("a slow save overtook the later delete: the token is still stored")
	}
}

func TestSessionStoreUnreadableValue(t *testing.T) {
	kr := newMemKeyring()
	if err := kr.Set("linkdesk", "o a@b", "not json ldk_secret"); err != nil {
		t.Fatal(err)
	}
	s := NewSessionStore(SessionStoreOptions{Keyring: kr})
	_, err := s.Load(context.Background(), "o", "a@b")
	if !errors.Is(err, ErrCorrupt) || strings.Contains(err.Error(), "ldk_") {
		t.Fatalf("err = %v, want ErrCorrupt without the value", err)
	}
}

// wincredBlobLimit is CRED_MAX_CREDENTIAL_BLOB_SIZE: the most a Windows
// credential holds (go-keyring refuses more with ErrSetDataTooBig).
const wincredBlobLimit = 2560

// largestSession is the biggest session a server hands out: a 128-byte token
// (the mock server's maximum) for a 254-character e-mail (the longest address).
func largestSession() StoredSession {
	ss := sampleSession(strings.Repeat("a", 64) + "@" + strings.Repeat("b", 184) + ".test")
	ss.Token = "ldk_" + strings.Repeat("T", 171) // base64url of 128 bytes
	ss.SessionID = "ses_" + strings.Repeat("s", 43)
	ss.IssuedAt = time.Date(2026, 11, 23, 10, 0, 0, 999999999, time.FixedZone("", -12*3600))
	return ss
}

func TestTheLargestSessionIsFarBelowTheWindowsCredentialLimit(t *testing.T) {
	// Given the largest session, When it is stored
	kr := newMemKeyring()
	ss := largestSession()
	if err := NewSessionStore(SessionStoreOptions{Keyring: kr}).Save(context.Background(), "https://ld.example", ss); err != nil {
		t.Fatal(err)
	}
	// Then the value is under the store's own limit, which is at most half of Windows'
	v, _ := kr.get(KeychainService, KeychainUser("https://ld.example", ss.Email))
	if len(v) > MaxStoredSessionSize || MaxStoredSessionSize > wincredBlobLimit/2 {
		t.Errorf("largest value %d bytes, store limit %d; want both at most %d", len(v), MaxStoredSessionSize, wincredBlobLimit/2)
	}
}
