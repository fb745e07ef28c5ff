package mockserver

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
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
	cfg := TestConfig()
	cfg.Argon2Memory, cfg.PasswordAttempts = 4096, 1000
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
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
