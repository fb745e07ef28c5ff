package app

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
)

// RetryPolicy bounds automatic retries of temporary failures (network errors,
// timeouts, 5xx and maintenance). 4xx answers are never retried.
type RetryPolicy struct {
	Attempts int           // tries in all, including the first; 0: 3
	Base     time.Duration // first backoff; doubled each time; 0: 500 ms
	Max      time.Duration // longest backoff between tries; 0: 5 s
	// MaxWait is the longest the Core waits for a server's Retry-After or
	// retry_at; a later time ends the tries at once. 0: 30 s.
	MaxWait time.Duration
	// Sleep waits d or until ctx ends; nil: a real timer. Tests record instead.
	Sleep func(ctx context.Context, d time.Duration) error
}

// DefaultRetryPolicy is 3 tries, backoff 0.5 s doubling up to 5 s, honouring
// a server's retry time up to 30 s.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{Attempts: 3, Base: 500 * time.Millisecond, Max: 5 * time.Second, MaxWait: 30 * time.Second}
}

// withDefaults fills the zero fields of p.
func (p RetryPolicy) withDefaults() RetryPolicy {
	d := DefaultRetryPolicy()
	if p.Attempts <= 0 {
		p.Attempts = d.Attempts
	}
	if p.Base <= 0 {
		p.Base = d.Base
	}
	if p.Max <= 0 {
		p.Max = d.Max
	}
	if p.MaxWait <= 0 {
		p.MaxWait = d.MaxWait
	}
	if p.Sleep == nil {
		p.Sleep = pairing.Sleep
	}
	return p
}

// backoff returns how long to wait before try number attempt+1 after err, and
// false when the server's retry time is too far away to wait for.
func (p RetryPolicy) backoff(attempt int, err error, now time.Time) (time.Duration, bool) {
	var pe *pairing.Error
	if errors.As(err, &pe) && !pe.RetryAt.IsZero() {
		wait := pe.RetryAt.Sub(now)
		if wait > p.MaxWait {
			return 0, false
		}
		return max(wait, 0), true
	}
	d := p.Base << (attempt - 1)
	if d > p.Max || d <= 0 {
		d = p.Max
	}
	// Up to 20 % jitter so many desktops do not come back at the same moment.
	return d - time.Duration(rand.Int64N(int64(d)/5+1)), true
}

// retryable reports whether err is worth trying again unchanged: network
// failures, timeouts, 5xx and maintenance, never a 4xx answer, a garbled
// success or an untrusted certificate (a network error to pairing, but it
// stays untrusted).
func retryable(err error) bool {
	var pe *pairing.Error
	if !errors.As(err, &pe) {
		return false
	}
	if pe.Status >= 400 && pe.Status < 500 || codeOf(err) == CodeServerCertificate {
		return false
	}
	// A garbled answer with a success status means the server did the work
	// (a pending login was created, a code counted): sending it again would
	// do it twice, so only the person's Retry repeats it.
	if pe.Code == pairing.CodeBadResponse && pe.Status >= 200 && pe.Status < 300 {
		return false
	}
	return pairing.Temporary(err)
}

// do calls fn until it succeeds, fails for good, ctx ends or the tries are
// used up; each extra try is counted with onRetry.
func (p RetryPolicy) do(ctx context.Context, now func() time.Time, onRetry func(), fn func(context.Context) error) error {
	for attempt := 1; ; attempt++ {
		err := fn(ctx)
		if err == nil || ctx.Err() != nil || !retryable(err) || attempt >= p.Attempts {
			return err
		}
		wait, ok := p.backoff(attempt, err, now())
		if !ok {
			return err
		}
		if p.Sleep(ctx, wait) != nil {
			return err // cancelled while waiting: the caller sees ctx.Err()
		}
		onRetry()
	}
}

// withRetries calls fn under r's retry policy, counting its automatic
// retries, and returns the last try's result.
func withRetries[T any](ctx context.Context, r *runner, fn func(context.Context) (T, error)) (T, error) {
	var v T
	err := r.retry.do(ctx, r.now, r.countRetry, func(ctx context.Context) error {
		var err error
		v, err = fn(ctx)
		return err
	})
	return v, err
}
