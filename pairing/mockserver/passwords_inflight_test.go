package mockserver

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
)

// These tests hold every hash slot, so the checks they start stay under way
// (admitted and counted in flight, waiting to hash) until the test lets them go.

const inflightPassword = "right-Passw0rd"

func newInflightServer(t *testing.T) *Server {
	t.Helper()
	s, err := New(TestConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
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
