package mockserver

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/linkdesk/linkdesk/pairing"
)

// Argon2id output sizes.
const (
	argonSaltBytes = 16
	argonKeyBytes  = 32
	hashSlots      = 4 // concurrent hashes; each holds Argon2Memory KiB
)

// Limits of what a person may choose.
const (
	minPasswordLen = 8
	maxPasswordLen = 1024 // argon2 hashes all of it; bound the work
	maxEmailLen    = 254
	maxNameLen     = 128
)

// passwordHasher hashes and verifies argon2id passwords in the PHC string
// format ($argon2id$v=19$m=…,t=…,p=…$salt$key), bounding concurrent work:
// hashSlots hashes at once in all, and per e-mail address no more checks
// under way than the address has tries left (see checkPassword).
type passwordHasher struct {
	memory   uint32
	time     uint32
	threads  uint8
	slots    chan struct{}
	inFlight checksInFlight
}

func newPasswordHasher(cfg Config) *passwordHasher {
	return &passwordHasher{memory: cfg.Argon2Memory, time: cfg.Argon2Time, threads: cfg.Argon2Threads,
		slots: make(chan struct{}, hashSlots), inFlight: checksInFlight{count: make(map[string]int)}}
}

func (h *passwordHasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting to hash a password: %w", ctx.Err())
	}
}

func (h *passwordHasher) release() { <-h.slots }

// hash returns the PHC string of password with a fresh salt.
func (h *passwordHasher) hash(ctx context.Context, password string) (string, error) {
	salt, err := randomBytes(rand.Reader, argonSaltBytes)
	if err != nil {
		return "", err
	}
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	key := argon2.IDKey([]byte(password), salt, h.time, h.memory, h.threads, argonKeyBytes)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.memory, h.time, h.threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// verify reports whether password matches encoded, using the parameters
// stored in encoded (so accounts survive a change of the defaults).
func (h *passwordHasher) verify(ctx context.Context, password, encoded string) (bool, error) {
	var mem, tm uint32
	var threads uint8
	var version int
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("password hash is not argon2id")
	}
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errors.New("password hash has an unsupported version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &tm, &threads); err != nil || tm == 0 || threads == 0 {
		return false, errors.New("password hash has malformed parameters")
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("password hash salt: %w", err)
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, errors.New("password hash key is malformed")
	}
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	got := argon2.IDKey([]byte(password), salt, tm, mem, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// normalizeEmail is the key of an account: trimmed and lower case.
func normalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// validEmail is a loose check: one "@" with text on both sides, no spaces or controls.
func validEmail(s string) bool {
	if s == "" || len(s) > maxEmailLen {
		return false
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f {
			return false
		}
	}
	return true
}

// lockFor is how long the n-th lock (1-based) lasts: base doubled n-1 times, at most max.
func lockFor(n int, base, maxLock time.Duration) time.Duration {
	d := base
	for i := 1; i < n && d < maxLock; i++ {
		d *= 2
	}
	return min(d, maxLock)
}

// checksInFlight counts the password checks under way per e-mail address.
// Its lock is held across reading and writing an address's wrong-password
// count, so "wrong so far + under way" never exceeds the tries allowed: the
// count only grows (a wrong password) as a check under way ends, both under
// this lock. Lock order: mu, then the store.
type checksInFlight struct {
	mu    sync.Mutex
	count map[string]int
}

// passwordBusyWait is how far ahead the retry_at of a check refused for
// too many checks under way lies: about as long as the checks take.
const passwordBusyWait = time.Second

// checkPassword verifies email and password under the lock rules: 5 wrong in
// a row lock the address, a right one clears the count.
//
// Checks of one address may run in parallel, but only as many as it has tries
// left; any more are refused with 429 too_many_requests, neither checked nor
// counted, so parallel guesses cannot slip past the limit and parallel right
// passwords (the phone and the desktop at once) never lock the account. A
// check counts as a failure only once the hash says wrong.
//
// Addresses without an account are checked against a dummy hash and counted
// exactly like real ones, so the answers (status, body, timing) do not tell
// whether an account exists.
func (s *Server) checkPassword(ctx context.Context, email, password string) (accountRecord, error) {
	now := s.clock.Now()
	if err := s.reservePasswordCheck(email, now); err != nil {
		return accountRecord{}, err
	}
	acct, ok, err := s.verifyPassword(ctx, email, password)
	if err != nil {
		s.endPasswordCheck(email)
		return accountRecord{}, err
	}
	if ok {
		s.endPasswordCheck(email)
		if err := s.store.DeleteThrottle(email); err != nil && !errors.Is(err, errNotFound) {
			return accountRecord{}, fmt.Errorf("clearing wrong-password count: %w", err)
		}
		return acct, nil
	}
	return accountRecord{}, s.countWrongPassword(email, now)
}

// reservePasswordCheck admits one check of email, or refuses it: 423 while
// the address is locked, 429 when as many checks as it has tries left are
// already under way.
func (s *Server) reservePasswordCheck(email string, now time.Time) error {
	c := &s.hasher.inFlight
	c.mu.Lock()
	defer c.mu.Unlock()
	t, err := s.store.GetThrottle(email)
	if err != nil && !errors.Is(err, errNotFound) {
		return fmt.Errorf("reading wrong-password count: %w", err)
	}
	if now.Before(t.LockedUntil) {
		return s.lockedError(t.LockedUntil, now)
	}
	if c.count[email] >= s.cfg.PasswordAttempts-t.Failures {
		return newAPIError(http.StatusTooManyRequests, pairing.CodeTooManyRequests,
			"other sign-ins to this account are being checked; try again in a moment").
			withRetryAt(now.Add(passwordBusyWait), now)
	}
	c.count[email]++
	return nil
}

// endPasswordCheck ends a check of email that counts for nothing: the
// password was right, or it could not be checked.
func (s *Server) endPasswordCheck(email string) {
	c := &s.hasher.inFlight
	c.mu.Lock()
	defer c.mu.Unlock()
	c.release(email)
}

// release ends one check of email. c.mu is held.
func (c *checksInFlight) release(email string) {
	if c.count[email]--; c.count[email] <= 0 {
		delete(c.count, email)
	}
}

// verifyPassword checks password against email's hash, or against the dummy
// hash when there is no such account; ok is true only for a real account.
func (s *Server) verifyPassword(ctx context.Context, email, password string) (accountRecord, bool, error) {
	acct, err := s.store.GetAccount(email)
	found := err == nil
	if err != nil && !errors.Is(err, errNotFound) {
		return accountRecord{}, false, fmt.Errorf("reading account: %w", err)
	}
	hash := s.dummyHash
	if found {
		hash = acct.PasswordHash
	}
	ok, err := s.hasher.verify(ctx, password, hash)
	if err != nil {
		return accountRecord{}, false, fmt.Errorf("checking password: %w", err)
	}
	return acct, ok && found, nil
}

// countWrongPassword ends a check of email that found the password wrong:
// it counts the failure, locks the address at the limit, and returns the
// answer (401 with the tries left, or 423 for the check that locked it).
func (s *Server) countWrongPassword(email string, now time.Time) error {
	c := &s.hasher.inFlight
	c.mu.Lock()
	defer c.mu.Unlock()
	defer c.release(email)
	var failures int
	var lockedNow bool
	var lockedUntil time.Time
	err := s.store.UpdateThrottle(email, func(t throttleRecord) (throttleRecord, error) {
		t.Failures++
		if t.Failures >= s.cfg.PasswordAttempts {
			t.Lockouts++
			t.LockedUntil = now.Add(lockFor(t.Lockouts, s.cfg.LockBase, s.cfg.LockMax))
			t.Failures = 0
			lockedNow = true
		}
		t.UpdatedAt = now
		failures, lockedUntil = t.Failures, t.LockedUntil
		return t, nil
	})
	if err != nil {
		return fmt.Errorf("counting a wrong password: %w", err)
	}
	if lockedNow {
		return s.lockedError(lockedUntil, now)
	}
	return newAPIError(http.StatusUnauthorized, pairing.CodeInvalidCredentials,
		"the e-mail address or the password is wrong").withAttempts(s.cfg.PasswordAttempts - failures)
}

func (s *Server) lockedError(until, now time.Time) *apiError {
	return newAPIError(http.StatusLocked, pairing.CodeAccountLocked,
		"too many wrong passwords; the account is locked for a while").withAttempts(0).withRetryAt(until, now)
}
