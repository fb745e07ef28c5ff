package mockserver

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
)

func TestPasswordHashRoundTrip(t *testing.T) {
	cfg := TestConfig()
	h := newPasswordHasher(cfg)
	ctx := context.Background()
	enc, err := h.hash(ctx, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=64,t=1,p=1$") || strings.Contains(enc, "correct horse") {
		t.Errorf("encoded hash %q", enc)
	}
	for pw, want := range map[string]bool{"correct horse": true, "correct horsE": false, "": false} {
		ok, err := h.verify(ctx, pw, enc)
		if err != nil || ok != want {
			t.Errorf("verify(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	// A hash made with other parameters still verifies: they are read from it.
	other := newPasswordHasher(Config{Argon2Memory: 128, Argon2Time: 2, Argon2Threads: 2})
	if ok, err := other.verify(ctx, "correct horse", enc); !ok || err != nil {
		t.Errorf("verify with other defaults: %v %v", ok, err)
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=64,t=1,p=1$AA$AA", "$argon2id$v=18$m=64,t=1,p=1$AA$AA",
		"$argon2id$v=19$m=64,t=0,p=1$AA$AA", "$argon2id$v=19$m=64,t=1,p=1$!!$AA", "$argon2id$v=19$m=64,t=1,p=1$AA$"} {
		if _, err := h.verify(ctx, "x", bad); err == nil {
			t.Errorf("malformed hash %q accepted", bad)
		}
	}
}

func TestDefaultHashParametersAreOWASPs(t *testing.T) {
	cfg := DefaultConfig()
	if cfg.Argon2Memory != 19*1024 || cfg.Argon2Time != 2 || cfg.Argon2Threads != 1 {
		t.Errorf("argon2id m=%d KiB t=%d p=%d, want m=19 MiB t=2 p=1", cfg.Argon2Memory, cfg.Argon2Time, cfg.Argon2Threads)
	}
}

func TestLockDurations(t *testing.T) {
	base, maxLock := 5*time.Minute, 24*time.Hour
	for n, want := range map[int]time.Duration{1: 5 * time.Minute, 2: 10 * time.Minute, 3: 20 * time.Minute,
		9: 1280 * time.Minute, 10: 24 * time.Hour, 1000: 24 * time.Hour} {
		if got := lockFor(n, base, maxLock); got != want {
			t.Errorf("lock %d = %s, want %s", n, got, want)
		}
	}
}

func TestValidEmail(t *testing.T) {
	for s, want := range map[string]bool{"a@b.c": true, "demo@linkdesk.test": true, "": false, "a": false, "@b": false,
		"a@": false, "a@b@c": false, "a b@c": false, "a@b\n": false, strings.Repeat("a", 250) + "@b.cd": false} {
		if got := validEmail(s); got != want {
			t.Errorf("validEmail(%q) = %v", s, got)
		}
	}
}

// TestUnknownEmailCostsAHash: an unknown address is checked against a dummy
// hash, so it takes about as long as a wrong password for a real account.
// Medians of alternating runs keep machine noise out; a missing hash would
// make the unknown case hundreds of times faster.
func TestUnknownEmailCostsAHash(t *testing.T) {
	s := newTestServer(t, func(c *Config) { c.Argon2Memory, c.PasswordAttempts = 4096, 1000 })
	ctx := context.Background()
	timeIt := func(email string) time.Duration {
		start := time.Now()
		if _, err := s.checkPassword(ctx, email, "wrong-password"); err == nil {
			t.Fatal("a wrong password was accepted")
		}
		return time.Since(start)
	}
	var known, unknown []time.Duration
	for range 9 {
		known = append(known, timeIt(DemoEmail))
		unknown = append(unknown, timeIt("ghost@linkdesk.test"))
	}
	k, u := median(known), median(unknown)
	if u*3 < k || k*3 < u {
		t.Errorf("median %s for a known address, %s for an unknown one", k, u)
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// These tests hold every hash slot, so the checks they start stay under way
// (admitted and counted in flight, waiting to hash) until the test lets them go.

const inflightPassword = "right-Passw0rd"

func newInflightServer(t *testing.T) *Server {
	t.Helper()
	s := newTestServer(t)
	if err := s.AddAccount("busy@x.test", inflightPassword, "Busy"); err != nil {
		t.Fatal(err)
	}
	return s
}

// holdHashSlots takes every hash slot and returns what gives them back.
func holdHashSlots(s *Server) (release func()) {
	for range hashSlots {
		s.hasher.slots <- struct{}{}
	}
	return func() {
		for range hashSlots {
			s.hasher.release()
		}
	}
}

// waitInFlight waits until n checks of email are under way.
func waitInFlight(t *testing.T, s *Server, email string, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		s.hasher.inFlight.mu.Lock()
		got := s.hasher.inFlight.count[email]
		s.hasher.inFlight.mu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d checks of %s under way, want %d", got, email, n)
		}
	}
}

// startChecks starts n checks of email with password and returns their answers.
func startChecks(s *Server, n int, email, password string) <-chan error {
	out := make(chan error, n)
	for range n {
		go func() {
			_, err := s.checkPassword(context.Background(), email, password)
			out <- err
		}()
	}
	return out
}

func apiCode(err error) string {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.code
	}
	if err != nil {
		return "other: " + err.Error()
	}
	return "ok"
}

func wrongPasswords(t *testing.T, s *Server, email string, n int) {
	t.Helper()
	for range n {
		if _, err := s.checkPassword(context.Background(), email, "wrong-Passw0rd"); apiCode(err) != pairing.CodeInvalidCredentials {
			t.Fatalf("wrong password: %v", err)
		}
	}
}

func TestRightPasswordsUnderWayDoNotLock(t *testing.T) {
	// Given five sign-ins with the right password under way at once,
	s := newInflightServer(t)
	release := holdHashSlots(s)
	answers := startChecks(s, 5, "busy@x.test", inflightPassword)
	waitInFlight(t, s, "busy@x.test", 5)
	// when a sixth comes, it is refused for a moment, not checked and not counted,
	_, err := s.checkPassword(context.Background(), "busy@x.test", inflightPassword)
	var ae *apiError
	if !errors.As(err, &ae) || ae.status != http.StatusTooManyRequests || ae.code != pairing.CodeTooManyRequests {
		t.Fatalf("sixth check: %v, want 429 too_many_requests", err)
	}
	if now := s.clock.Now(); !ae.retryAt.After(now) || ae.retryAt.After(now.Add(2*time.Second)) {
		t.Errorf("retry_at %s, want within 2 s of %s", ae.retryAt, now)
	}
	if _, err := s.store.GetThrottle("busy@x.test"); !errors.Is(err, errNotFound) {
		t.Errorf("the refused check left a wrong-password count (%v)", err)
	}
	// and once the hashes run, all five are let in and nothing is left counted.
	release()
	for range 5 {
		if err := <-answers; err != nil {
			t.Errorf("right password under way: %v", err)
		}
	}
	waitInFlight(t, s, "busy@x.test", 0)
	if _, err := s.checkPassword(context.Background(), "busy@x.test", inflightPassword); err != nil {
		t.Errorf("right password afterwards: %v", err)
	}
}

func TestWrongPasswordsUnderWayUseOnlyTheTriesLeft(t *testing.T) {
	for _, email := range []string{"busy@x.test", "ghost@x.test"} { // a real account and none: the same answers
		t.Run(email, func(t *testing.T) {
			// Given three wrong passwords, so two tries are left, and two more wrong ones under way,
			s := newInflightServer(t)
			wrongPasswords(t, s, email, 3)
			release := holdHashSlots(s)
			answers := startChecks(s, 2, email, "wrong-Passw0rd")
			waitInFlight(t, s, email, 2)
			// when a third arrives, even with the right password, it is refused for a moment, not checked,
			if _, err := s.checkPassword(context.Background(), email, inflightPassword); apiCode(err) != pairing.CodeTooManyRequests {
				t.Fatalf("check beyond the tries left: %s, want too_many_requests", apiCode(err))
			}
			// and once the two are checked, one says wrong with a try left and the other locks.
			release()
			got := map[string]int{}
			for range 2 {
				got[apiCode(<-answers)]++
			}
			if got[pairing.CodeInvalidCredentials] != 1 || got[pairing.CodeAccountLocked] != 1 {
				t.Fatalf("answers %v, want one invalid_credentials and one account_locked", got)
			}
			if _, err := s.checkPassword(context.Background(), email, inflightPassword); apiCode(err) != pairing.CodeAccountLocked {
				t.Errorf("right password after the lock: %s, want account_locked", apiCode(err))
			}
		})
	}
}

func TestAbandonedCheckCountsForNothing(t *testing.T) {
	// Given a sign-in waiting for a hash slot,
	s := newInflightServer(t)
	release := holdHashSlots(s)
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := s.checkPassword(ctx, "busy@x.test", "wrong-Passw0rd")
		done <- err
	}()
	waitInFlight(t, s, "busy@x.test", 1)
	// when the person goes away before it is checked,
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("abandoned check: %v, want context canceled", err)
	}
	// then it is neither under way nor counted as wrong.
	waitInFlight(t, s, "busy@x.test", 0)
	if _, err := s.store.GetThrottle("busy@x.test"); !errors.Is(err, errNotFound) {
		t.Errorf("an abandoned check was counted as wrong (%v)", err)
	}
}
