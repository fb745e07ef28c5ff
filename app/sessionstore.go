package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/zalando/go-keyring"
)

// Keychain item naming and limits (docs/DESKTOP.md, "Sessions and the keychain").
const (
	KeychainService        = "linkdesk"
	DefaultKeychainTimeout = 10 * time.Second // long enough for an unlock prompt
	MaxStoredSessionSize   = 1024             // fits the Windows (2,560 B) and macOS (~3,000 B) limits
)

// Keyring is the part of go-keyring the store uses, so tests can substitute
// failures and slowness.
type Keyring interface {
	Get(service, user string) (string, error)
	Set(service, user, secret string) error
	Delete(service, user string) error
}

// SystemKeyring is the OS keychain through go-keyring: Secret Service on
// Linux, Keychain on macOS, Credential Manager on Windows.
type SystemKeyring struct{}

// Get implements Keyring.
func (SystemKeyring) Get(service, user string) (string, error) { return keyring.Get(service, user) }

// Set implements Keyring.
func (SystemKeyring) Set(service, user, secret string) error {
	return keyring.Set(service, user, secret)
}

// Delete implements Keyring.
func (SystemKeyring) Delete(service, user string) error { return keyring.Delete(service, user) }

// StoredSession is the keychain value: a small JSON document. Token is secret.
type StoredSession struct {
	Token     string    `json:"token"`
	SessionID string    `json:"session_id"`
	DeviceID  string    `json:"device_id"`
	Email     string    `json:"email"`
	IssuedAt  time.Time `json:"issued_at"`
}

// SessionStoreOptions configure a SessionStore; the zero value uses the OS
// keychain with the 10 s timeout.
type SessionStoreOptions struct {
	Keyring Keyring       // nil: SystemKeyring
	Timeout time.Duration // per call; 0: DefaultKeychainTimeout
	Service string        // "": KeychainService
}

// SessionStore keeps at most one session per server and account in the OS
// keychain, under service "linkdesk" and user "<server origin> <email>".
// Every call is bounded by a timeout; a call that times out keeps running in
// the background (keychains cannot be interrupted) but its result is ignored,
// and a Save that lands after its caller gave up is deleted again.
// Calls reach the keychain one at a time in the order they were made, so a
// Delete is never overtaken by an earlier, slow Save.
type SessionStore struct {
	kr      Keyring
	timeout time.Duration
	service string
	turn    chan struct{} // capacity 1: held while a keychain call runs
}

// NewSessionStore returns a store with opts.
func NewSessionStore(opts SessionStoreOptions) *SessionStore {
	s := &SessionStore{kr: opts.Keyring, timeout: opts.Timeout, service: opts.Service, turn: make(chan struct{}, 1)}
	if s.kr == nil {
		s.kr = SystemKeyring{}
	}
	if s.timeout <= 0 {
		s.timeout = DefaultKeychainTimeout
	}
	if s.service == "" {
		s.service = KeychainService
	}
	return s
}

// KeychainUser is the keychain user name of an account on a server.
func KeychainUser(origin, email string) string { return origin + " " + email }

// Load returns the session stored for email on the server at origin.
func (s *SessionStore) Load(ctx context.Context, origin, email string) (StoredSession, error) {
	var v string
	err := s.run(ctx, "get", func() error {
		var err error
		v, err = s.kr.Get(s.service, KeychainUser(origin, email))
		return err
	}, nil)
	if err != nil {
		return StoredSession{}, err
	}
	var ss StoredSession
	if err := json.Unmarshal([]byte(v), &ss); err != nil || ss.Token == "" {
		// The value is a secret: say nothing about it but that it is unreadable.
		return StoredSession{}, ErrCorrupt
	}
	return ss, nil
}

// Save stores ss for its e-mail on the server at origin, replacing what was
// there. A value over MaxStoredSessionSize is refused with ErrTooBig.
func (s *SessionStore) Save(ctx context.Context, origin string, ss StoredSession) error {
	b, err := json.Marshal(ss)
	if err != nil {
		return fmt.Errorf("encoding the session: %w", err)
	}
	if len(b) > MaxStoredSessionSize {
		return fmt.Errorf("%d bytes: %w", len(b), ErrTooBig)
	}
	user := KeychainUser(origin, ss.Email)
	return s.run(ctx, "set", func() error {
		return s.kr.Set(s.service, user, string(b))
	}, func() error {
		return s.kr.Delete(s.service, user)
	})
}

// Delete removes the session stored for email on the server at origin.
// Deleting what is not there is not an error.
func (s *SessionStore) Delete(ctx context.Context, origin, email string) error {
	err := s.run(ctx, "delete", func() error {
		return s.kr.Delete(s.service, KeychainUser(origin, email))
	}, nil)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// The fate of a keychain call, settled once: its caller got the answer, or
// gave up on it first.
const (
	callRunning int32 = iota
	callAnswered
	callAbandoned
)

// run calls fn with the store's timeout and maps its error. The timeout
// covers waiting for an earlier call that still holds the keychain. A call
// given up on still runs to its end, since keychains cannot be interrupted;
// if it then succeeds, undo (when given) takes back what it did, still
// holding the keychain: its caller was told it failed, so a late Save must
// not leave a token behind (one of a sign-in cancelled meanwhile, or one
// the person was told is kept for this run only).
func (s *SessionStore) run(ctx context.Context, op string, fn, undo func() error) error {
	t := time.NewTimer(s.timeout)
	defer t.Stop()
	select {
	case s.turn <- struct{}{}:
	case <-t.C:
		return &TimeoutError{Op: op, After: s.timeout}
	case <-ctx.Done():
		return fmt.Errorf("keychain %s: %w", op, ctx.Err())
	}
	var fate atomic.Int32
	done := make(chan error, 1)
	go func() {
		defer func() { <-s.turn }()
		err := fn()
		if fate.CompareAndSwap(callRunning, callAnswered) {
			done <- err
			return
		}
		if err == nil && undo != nil {
			_ = undo() // best effort: nobody is waiting to hear how it went
		}
	}()
	select {
	case err := <-done:
		return mapKeyringError(op, err)
	case <-t.C:
		if !fate.CompareAndSwap(callRunning, callAbandoned) {
			return mapKeyringError(op, <-done) // it answered just in time
		}
		return &TimeoutError{Op: op, After: s.timeout}
	case <-ctx.Done():
		if !fate.CompareAndSwap(callRunning, callAbandoned) {
			return mapKeyringError(op, <-done)
		}
		return fmt.Errorf("keychain %s: %w", op, ctx.Err())
	}
}

// mapKeyringError turns what go-keyring and the OS said into the store's errors.
func mapKeyringError(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, keyring.ErrNotFound), errors.Is(err, ErrNotFound):
		return ErrNotFound
	case errors.Is(err, keyring.ErrSetDataTooBig), errors.Is(err, ErrTooBig):
		return fmt.Errorf("keychain %s: %w", op, ErrTooBig)
	case errors.Is(err, ErrLocked), isLockedError(err):
		return fmt.Errorf("keychain %s: %w: %w", op, ErrLocked, err)
	case errors.Is(err, ErrUnavailable):
		return fmt.Errorf("keychain %s: %w", op, err)
	}
	// No Secret Service, no session bus, no Keychain access: all mean the
	// token cannot be kept, which is what the person needs to know.
	return fmt.Errorf("keychain %s: %w: %w", op, ErrUnavailable, err)
}

// isLockedError recognises a locked keychain: a dismissed Secret Service
// unlock prompt, IsLocked, or macOS refusing user interaction.
func isLockedError(err error) bool {
	if dbusErrorName(err) == "org.freedesktop.Secret.Error.IsLocked" {
		return true
	}
	// go-keyring's own unlock failure and macOS security(1) are only text.
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "failed to unlock") ||
		strings.Contains(msg, "user interaction is not allowed")
}
