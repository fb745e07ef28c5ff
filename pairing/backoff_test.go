package pairing

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	sc := newStreamConfig(Options{ReconnectDelay: time.Second, MaxReconnectDelay: 30 * time.Second})
	cases := []struct {
		name                  string
		failures              int
		retryHint, retryAfter time.Duration
		lo, hi                time.Duration
	}{
		{"after a working stream dropped", 0, 0, 0, 500 * time.Millisecond, time.Second},
		{"first failed connect", 1, 0, 0, 500 * time.Millisecond, time.Second},
		{"doubles", 3, 0, 0, 2 * time.Second, 4 * time.Second},
		{"capped", 20, 0, 0, 15 * time.Second, 30 * time.Second},
		{"server's retry hint is the base", 2, 4 * time.Second, 0, 4 * time.Second, 8 * time.Second},
		{"absurd retry hint is capped", 1, time.Hour, 0, 15 * time.Second, 30 * time.Second},
		{"Retry-After is a floor", 1, 0, 90 * time.Second, 90 * time.Second, 90 * time.Second},
		{"Retry-After below the backoff changes nothing", 3, 0, time.Second, 2 * time.Second, 4 * time.Second},
		{"Retry-After is capped", 1, 0, 48 * time.Hour, MaxRetryAfterWait, MaxRetryAfterWait},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Jitter is random: every draw must stay in range.
			for range 200 {
				d := sc.backoff(tc.failures, tc.retryHint, tc.retryAfter)
				if d < tc.lo || d > tc.hi {
					t.Fatalf("backoff = %v, want within [%v, %v]", d, tc.lo, tc.hi)
				}
			}
		})
	}
}
