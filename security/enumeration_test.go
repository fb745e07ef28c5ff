package security

import (
	"context"
	"net/http"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

// Someone tries to learn whether an e-mail address has an account. The
// server answers an unknown address exactly like a known one with a wrong
// password, counting and hashing it alike. The HTTP answers (status, body
// apart from request_id, Retry-After, through the lock) are compared in
// pairing/mockserver TestUnknownEmailIsIndistinguishable and the hash cost
// in TestUnknownEmailCostsAHash; here the person's view is compared, and the
// remaining timing difference is measured with the real hash parameters.

func TestUnknownEmailLooksTheSameOnTheDesktop(t *testing.T) {
	r := newRig(t)
	known, _ := r.account("known")
	const unknown = "nobody@security.test"
	a, b := r.desktop(1), r.desktop(2)
	for i := range 7 { // four wrong, the lock, and two while locked
		a.core.SignIn(context.Background(), known, "wrong-password", true)
		b.core.SignIn(context.Background(), unknown, "wrong-password", true)
		pa, pb := a.core.State().Problem, b.core.State().Problem
		if pa == nil || pb == nil {
			t.Fatalf("attempt %d: no problem shown (%v, %v)", i+1, pa, pb)
		}
		same := pa.Code == pb.Code && pa.Key == pb.Key && pa.Action == pb.Action &&
			pa.AttemptsLeft == pb.AttemptsLeft && pa.RetryAt.Equal(pb.RetryAt) &&
			pa.Retryable == pb.Retryable && reflect.DeepEqual(pa.Params, pb.Params)
		if !same {
			t.Fatalf("attempt %d: the person sees a difference:\nknown   %+v\nunknown %+v", i+1, pa, pb)
		}
	}
}

// The timing figure is logged, never asserted: it depends on the machine.
func TestUnknownEmailTimingWithRealHashing(t *testing.T) {
	if testing.Short() {
		t.Skip("hashes with the real argon2id parameters")
	}
	def := mockserver.DefaultConfig()
	r := newRig(t, func(c *mockserver.Config) {
		c.Argon2Memory, c.Argon2Time, c.Argon2Threads = def.Argon2Memory, def.Argon2Time, def.Argon2Threads
		c.PasswordAttempts = 1000 // no lock: every answer below is a checked hash
	})
	known, _ := r.account("timed")
	const unknown = "ghost@security.test"
	measure := func(email string) time.Duration {
		body := pairing.LoginRequest{Email: email, Password: "not-the-password", Device: device(1)}
		start := time.Now()
		resp := r.Do("POST", "/v1/logins", body)
		d := time.Since(start)
		if resp.Status != http.StatusUnauthorized {
			t.Fatalf("HTTP %d %s", resp.Status, resp.Body)
		}
		return d
	}
	const rounds = 8
	var tk, tu []time.Duration
	for i := range rounds { // interleaved, alternating which goes first
		if i%2 == 0 {
			tk, tu = append(tk, measure(known)), append(tu, measure(unknown))
		} else {
			tu, tk = append(tu, measure(unknown)), append(tk, measure(known))
		}
	}
	mk, mu := medianOf(tk), medianOf(tu)
	t.Logf("enumeration timing, argon2id m=%d KiB t=%d p=%d, %d rounds each: known e-mail median %s, "+
		"unknown e-mail median %s, difference %s (%.1f%%)",
		def.Argon2Memory, def.Argon2Time, def.Argon2Threads, rounds, mk.Round(10*time.Microsecond),
		mu.Round(10*time.Microsecond), (mu - mk).Round(10*time.Microsecond), 100*float64(mu-mk)/float64(mk))
}

func medianOf(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}
