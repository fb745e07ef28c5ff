package app

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
)

func TestBackoff(t *testing.T) {
	p := RetryPolicy{}.withDefaults()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		attempt  int
		err      error
		min, max time.Duration
		ok       bool
	}{
		{"first backoff, with up to 20% jitter", 1, &pairing.Error{Code: pairing.CodeNetwork}, 400 * time.Millisecond, 500 * time.Millisecond, true},
		{"doubles", 2, &pairing.Error{Code: pairing.CodeNetwork}, 800 * time.Millisecond, time.Second, true},
		{"capped at Max", 10, &pairing.Error{Code: pairing.CodeNetwork}, 4 * time.Second, 5 * time.Second, true},
		{"huge attempt does not overflow", 80, nil, 4 * time.Second, 5 * time.Second, true},
		{"server's retry time honoured exactly", 1, &pairing.Error{Code: pairing.CodeMaintenance, RetryAt: now.Add(7 * time.Second)}, 7 * time.Second, 7 * time.Second, true},
		{"retry time already passed", 1, &pairing.Error{Code: pairing.CodeMaintenance, RetryAt: now.Add(-time.Second)}, 0, 0, true},
		{"retry time too far to wait for", 1, &pairing.Error{Code: pairing.CodeMaintenance, RetryAt: now.Add(time.Hour)}, 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for range 20 {
				d, ok := p.backoff(tc.attempt, tc.err, now)
				if ok != tc.ok || (ok && (d < tc.min || d > tc.max)) {
					t.Fatalf("backoff = %v, %v; want %v..%v, %v", d, ok, tc.min, tc.max, tc.ok)
				}
			}
		})
	}
}

func TestRetryableErrors(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&pairing.Error{Code: pairing.CodeNetwork}, true},
		{&pairing.Error{Code: pairing.CodeTimeout}, true},
		{&pairing.Error{Code: pairing.CodeInternal, Status: 500}, true},
		{&pairing.Error{Code: pairing.CodeBadResponse, Status: 502}, true},
		{&pairing.Error{Code: pairing.CodeMaintenance, Status: 503}, true},
		{&pairing.Error{Code: pairing.CodeTooManyRequests, Status: 429}, false},
		{&pairing.Error{Code: pairing.CodeInvalidCredentials, Status: 401}, false},
		{&pairing.Error{Code: pairing.CodeBadResponse, Status: 404}, false},
		{&pairing.Error{Code: pairing.CodeCanceled}, false},
		{errors.New("not a protocol error"), false},
	} {
		if got := retryable(tc.err); got != tc.want {
			t.Errorf("retryable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestRetryDoStopsWhenCancelledWhileWaiting(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	p := RetryPolicy{Attempts: 5, Sleep: func(ctx context.Context, _ time.Duration) error {
		cancel()
		return ctx.Err()
	}}.withDefaults()
	err := p.do(ctx, time.Now, func() { t.Error("a retry was counted after cancel") }, func(context.Context) error {
		calls++
		return &pairing.Error{Code: pairing.CodeNetwork}
	})
	if calls != 1 || err == nil {
		t.Errorf("calls %d err %v", calls, err)
	}
}
