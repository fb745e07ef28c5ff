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
// format ($argon2id$v=19$m=…,t=…,p=…$salt$key), bounding concurrent work.
type passwordHasher struct {
	memory  uint32
	time    uint32
	threads uint8
	slots   chan struct{}
}

func newPasswordHasher(cfg Config) *passwordHasher {
	return &passwordHasher{memory: cfg.Argon2Memory, time: cfg.Argon2Time, threads: cfg.Argon2Threads,
		slots: make(chan struct{}, hashSlots)}
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

// checkPassword verifies email and password under the lock rules. A wrong
// attempt is counted before the (slow) hash is checked, so parallel guesses
// cannot slip past the limit; a right one clears the count. Addresses without
// an account are counted and hashed exactly like real ones, so the answers
// (status, body, timing) do not tell whether an account exists.
func (s *Server) checkPassword(ctx context.Context, email, password string) (accountRecord, error) {
	now := s.clock.Now()
	var lockedNow bool
	var failures int
	var lockedUntil time.Time
	err := s.store.UpdateThrottle(email, func(t throttleRecord) (throttleRecord, error) {
		if now.Before(t.LockedUntil) {
			return t, s.lockedError(t.LockedUntil, now)
		}
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
		return accountRecord{}, err
	}

	acct, err := s.store.GetAccount(email)
	found := err == nil
	if err != nil && !errors.Is(err, errNotFound) {
		return accountRecord{}, fmt.Errorf("reading account: %w", err)
	}
	hash := s.dummyHash
	if found {
		hash = acct.PasswordHash
	}
	ok, err := s.hasher.verify(ctx, password, hash)
	if err != nil {
		return accountRecord{}, fmt.Errorf("checking password: %w", err)
	}
	if ok && found {
		if err := s.store.DeleteThrottle(email); err != nil && !errors.Is(err, errNotFound) {
			return accountRecord{}, fmt.Errorf("clearing wrong-password count: %w", err)
		}
		return acct, nil
	}
	if lockedNow {
		return accountRecord{}, s.lockedError(lockedUntil, now)
	}
	return accountRecord{}, newAPIError(http.StatusUnauthorized, pairing.CodeInvalidCredentials,
		"the e-mail address or the password is wrong").withAttempts(s.cfg.PasswordAttempts - failures)
}

func (s *Server) lockedError(until, now time.Time) *apiError {
	return newAPIError(http.StatusLocked, pairing.CodeAccountLocked,
		"too many wrong passwords; the account is locked for a while").withAttempts(0).withRetryAt(until, now)
}
