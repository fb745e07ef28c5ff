package app

import (
	"context"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

// inBackground runs fn and returns a channel closed when it returns.
func inBackground(fn func()) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	return done
}

// returnsSoon fails unless done closes within a second.
func returnsSoon(t *testing.T, done <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatalf("%s did not return after Cancel", what)
	}
}

func TestCancelAtEachStep(t *testing.T) {
	ctx := context.Background()

	t.Run("while the password is checked", func(t *testing.T) {
		r := newRig(t)
		c := r.newCore()
		r.fault(map[string]any{"method": "POST", "path": "/v1/logins", "delay": "5s"})
		done := inBackground(func() { c.SignIn(ctx, mockserver.DemoEmail, mockserver.DemoPassword, true) })
		waitFor(t, c, "submitting", time.Second, func(s State) bool { return s.Phase == PhaseSubmitting })
		c.Cancel()
		if st := c.State(); st.Phase != PhaseSignedOut || st.Busy || st.Problem != nil {
			t.Fatalf("after cancel: %+v", st)
		}
		returnsSoon(t, done, "SignIn")
		waitBackground(c)
		if ls := r.link(); len(ls.Pending) != 0 {
			t.Errorf("the phone lists %d pending logins", len(ls.Pending))
		}
	})

	t.Run("while verifying", func(t *testing.T) {
		r := newRig(t)
		c := r.verifyingCore()
		if ls := r.link(); len(ls.Pending) != 1 {
			t.Fatalf("the phone lists %d pending logins", len(ls.Pending))
		}
		c.Cancel()
		if st := c.State(); st.Phase != PhaseSignedOut || st.Login != nil {
			t.Fatalf("after cancel: %+v", st)
		}
		waitBackground(c)
		if ls := r.link(); len(ls.Pending) != 0 {
			t.Errorf("the cancelled login is still pending on the phone: %+v", ls.Pending)
		}
	})

	t.Run("while the code is checked", func(t *testing.T) {
		r := newRig(t)
		c := r.verifyingCore()
		code := r.codeFor(c)
		r.fault(map[string]any{"method": "POST", "path": "/v1/logins/*/code", "delay": "5s"})
		done := inBackground(func() { c.SubmitCode(ctx, code) })
		waitFor(t, c, "checking the code", time.Second, func(s State) bool { return s.Busy })
		c.Cancel()
		returnsSoon(t, done, "SubmitCode")
		if st := c.State(); st.Phase != PhaseSignedOut || st.Busy {
			t.Fatalf("after cancel: %+v", st)
		}
		waitBackground(c)
		if ls := r.link(); len(ls.Pending) != 0 || len(ls.Devices) != 0 {
			t.Errorf("the phone lists %+v", ls)
		}
	})

	t.Run("while a new code is requested", func(t *testing.T) {
		r := newRig(t)
		c := r.verifyingCore()
		r.fault(map[string]any{"method": "POST", "path": "/v1/logins/*/code/renew", "delay": "5s"})
		done := inBackground(func() { c.RenewCode(ctx) })
		waitFor(t, c, "renewing", time.Second, func(s State) bool { return s.Busy })
		c.Cancel()
		returnsSoon(t, done, "RenewCode")
		waitBackground(c)
		if ls := r.link(); len(ls.Pending) != 0 {
			t.Errorf("the phone lists %+v", ls.Pending)
		}
	})

	t.Run("while the stored session is checked", func(t *testing.T) {
		r := newRig(t)
		r.signedInBefore()
		r.fault(map[string]any{"method": "GET", "path": "/v1/session", "delay": "5s"})
		c := r.newCore()
		done := inBackground(func() { c.Restore(ctx) })
		waitFor(t, c, "checking", time.Second, func(s State) bool { return s.Busy })
		c.Cancel()
		returnsSoon(t, done, "Restore")
		if st := c.State(); st.Phase != PhaseSignedOut || st.Problem != nil {
			t.Fatalf("after cancel: %+v", st)
		}
		if _, ok := r.stored(); !ok {
			t.Error("cancelling the check deleted the token")
		}
	})

	t.Run("by the caller's context", func(t *testing.T) {
		r := newRig(t)
		c := r.newCore()
		r.fault(map[string]any{"method": "POST", "path": "/v1/logins", "delay": "5s"})
		cctx, cancel := context.WithCancel(ctx)
		done := inBackground(func() { c.SignIn(cctx, mockserver.DemoEmail, mockserver.DemoPassword, true) })
		waitFor(t, c, "submitting", time.Second, func(s State) bool { return s.Phase == PhaseSubmitting })
		cancel()
		returnsSoon(t, done, "SignIn")
		if st := c.State(); st.Phase != PhaseSignedOut || st.Busy || st.Problem != nil {
			t.Fatalf("after the context ended: %+v", st)
		}
	})
}

func TestClosingWhileVerifyingCancelsThePendingLogin(t *testing.T) {
	r := newRig(t)
	c := r.verifyingCore()
	c.Close()
	if ls := r.link(); len(ls.Pending) != 0 {
		t.Errorf("the phone still lists %+v", ls.Pending)
	}
	// And the Core does nothing after Close.
	c.SignIn(context.Background(), mockserver.DemoEmail, mockserver.DemoPassword, true)
	if ls := r.link(); len(ls.Pending) != 0 {
		t.Error("a closed Core signed in")
	}
}

func TestApprovalAfterCancelIsUndone(t *testing.T) {
	// Given a sign-in approved on the phone while the keychain is slow to store it
	r := newRig(t)
	r.kr.hang = make(chan struct{})
	c := r.verifyingCore()
	ctx := context.Background()
	scan, st := r.scanned(c)
	if err := r.phone.Approve(ctx, scan.LoginID, st.Login.Check); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, "storing", time.Second, func(s State) bool { return s.Busy })
	// When the person cancels before it is stored
	c.Cancel()
	close(r.kr.hang)
	// Then nothing stays signed in: not here, not on the server, not in the keychain
	if st := c.State(); st.Phase != PhaseSignedOut {
		t.Fatalf("phase %v", st.Phase)
	}
	eventually(t, "the unwanted session is undone", func() bool {
		_, stored := r.stored()
		return len(r.link().Devices) == 0 && !stored
	})
}

// eventually polls cond for up to a second of real time.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not %s within a second", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
