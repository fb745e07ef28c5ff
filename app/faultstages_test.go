package app

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

// The stages of the fault matrix: each breaks one step of the flow with its
// row's fault and checks what the person meets there.

func signingInStage(t *testing.T, e *faultEnv, w want) {
	c := e.open()
	signIn := func(ctx context.Context) { c.SignIn(ctx, mockserver.DemoEmail, mockserver.DemoPassword, true) }
	// Given the fault on the password step
	e.f.on(e, startLogin)
	// When the person signs in, Then they are told what happened and what to do, on the form
	st := e.call("SignIn", signIn)
	if st.Phase != PhaseSignedOut || st.Busy || st.Storage != StorageNone {
		t.Fatalf("phase %v busy %v storage %v", st.Phase, st.Busy, st.Storage)
	}
	e.sees(st, w)
	e.nothingStored()
	// When they try again and cancel, Then the form is back at once
	e.cancelDuring("SignIn", signIn)
	e.nothingStored()
	// When the fault clears, Then the same Core signs in with the phone's code
	e.signsInOnceCleared(c)
}

func submittingCodeStage(t *testing.T, e *faultEnv, w want) {
	c := e.open()
	e.verifying()
	code := e.codeFor(c)
	submit := func(ctx context.Context) { c.SubmitCode(ctx, code) }
	// Given the fault on the code step
	e.f.on(e, submitCode)
	// When the person types the code, Then they are told, still verifying: the code is not used up
	st := e.call("SubmitCode", submit)
	if st.Phase != PhaseVerifying || st.Busy || st.Login == nil {
		t.Fatalf("phase %v busy %v", st.Phase, st.Busy)
	}
	e.sees(st, w)
	e.nothingStored()
	// When they type it again and cancel, Then the form is back at once
	e.cancelDuring("SubmitCode", submit)
	if !e.f.cutOff {
		e.loginCancelled()
	}
	e.nothingStored()
	// When the fault clears, Then the same Core signs in
	e.signsInOnceCleared(c)
}

func restoringStage(t *testing.T, e *faultEnv, w want) {
	// Given a session kept in the keychain by an earlier run
	sess := e.signedInBefore()
	before, _ := e.stored()
	tokenKept := func() {
		t.Helper()
		if ss, ok := e.stored(); !ok || ss != before {
			t.Fatal("the stored session was changed or deleted although it did not end")
		}
	}
	c := e.open()
	e.f.on(e, checkSession)
	// When the app starts, Then the person is told, on the form, and the token is kept
	st := e.call("Restore", c.Restore)
	if st.Phase != PhaseSignedOut || st.Busy || st.Ended != "" || st.Session != nil {
		t.Fatalf("phase %v busy %v ended %q", st.Phase, st.Busy, st.Ended)
	}
	e.sees(st, w)
	tokenKept()
	// When they check again and cancel, Then the form is back at once
	e.cancelDuring("Restore", c.Restore)
	tokenKept()
	// When the fault clears, Then the same Core restores the session without a password
	e.f.off(e)
	st = e.call("Restore", c.Restore)
	if st.Phase != PhaseSignedIn || st.Session.ID != sess.ID || st.Storage != StorageKeychain || st.Problem != nil {
		t.Fatalf("after the fault: phase %v storage %v problem %+v", st.Phase, st.Storage, st.Problem)
	}
}

func signingOutStage(t *testing.T, e *faultEnv, w want) {
	ctx := context.Background()
	c := e.open()
	e.signIn(c, true)
	ss, _ := e.stored()
	e.f.on(e, endSession)
	// When the person signs out, Then they are signed out at once and told
	// what was not done (signing out has no Cancel: it is bounded instead)
	st := e.call("SignOut", c.SignOut)
	if st.Phase != PhaseSignedOut || st.Busy || st.Session != nil || st.Storage != StorageNone {
		t.Fatalf("phase %v busy %v storage %v", st.Phase, st.Busy, st.Storage)
	}
	e.sees(st, w)
	if w.code == CodeSignedOutOffline {
		// The server was not told, but this computer no longer holds the token.
		e.nothingStored()
	} else {
		// The keychain kept the token, but the server no longer accepts it.
		_, err := e.client.Session(ctx, pairing.Credentials{Token: ss.Token, Fingerprint: e.device.Fingerprint})
		if !pairing.IsSessionEnd(codeOf(err)) {
			t.Fatalf("the token left in the keychain still works: %v", err)
		}
	}
	// When the fault clears, Then Retry (where offered) forgets the token, and the same Core signs in again
	e.f.off(e)
	if w.retryable {
		if st := e.call("Retry", c.Retry); st.Problem != nil {
			t.Fatalf("retry: %+v", st.Problem)
		}
		e.nothingStored()
	}
	e.kept(e.signIn(c, true))
}

func storingTokenStage(t *testing.T, e *faultEnv, w want) {
	c := e.open()
	e.f.on(e, "")
	// Given the keychain broken, When the person cancels while verifying, Then the form is back at once
	e.verifying()
	c.Cancel()
	e.signedOutAfterCancel()
	e.loginCancelled()
	if e.f.hangs {
		// When the code is right but the keychain hangs and the person cancels,
		// Then the form is back at once and the session is ended on the server
		e.verifying()
		code := e.codeFor(c)
		e.cancelDuring("SubmitCode", func(ctx context.Context) { c.SubmitCode(ctx, code) })
		eventually(t, "the unwanted session is ended", func() bool { return len(e.link().Devices) == 0 })
	}
	e.nothingStored()
	// When the person signs in, Then they are signed in for this run only and told why
	st := e.signIn(c, true)
	if st.Storage != StorageMemoryNoKeychain || st.Session == nil {
		t.Fatalf("storage %v", st.Storage)
	}
	e.sees(st, w)
	e.nothingStored()
	if ls := e.link(); len(ls.Devices) != 1 || ls.Devices[0].SessionID != st.Session.ID {
		t.Fatalf("the phone lists %+v", ls.Devices)
	}
	// When the keychain is back, Then it holds no token of a session that was
	// given up (a late answer of a hung call) ...
	e.f.off(e)
	eventually(t, "the keychain calls finish", func() bool { return len(e.store.turn) == 0 })
	if ss, ok := e.stored(); ok && ss.SessionID != st.Session.ID {
		t.Fatal("the keychain came back holding the token of the cancelled sign-in")
	}
	// ... and Retry (where offered) keeps the token
	if w.retryable {
		e.kept(e.call("Retry", c.Retry))
	}
	// And a new sign-in keeps it too
	if st := e.call("SignOut", c.SignOut); st.Phase != PhaseSignedOut || st.Problem != nil {
		t.Fatalf("sign out: %v %+v", st.Phase, st.Problem)
	}
	e.nothingStored()
	e.kept(e.signIn(c, true))
}

func approvalAfterCutStage(t *testing.T, e *faultEnv, _ want) {
	c := e.open()
	// Given a pending login whose event stream is cut
	e.verifying()
	e.cutLoginStream()
	// Then the person is not bothered while it reconnects
	if st := c.State(); st.Phase != PhaseVerifying || st.Problem != nil {
		t.Fatalf("while reconnecting: phase %v problem %+v", st.Phase, st.Problem)
	}
	// When they cancel while it is cut, Then the form is back and the login is cancelled
	c.Cancel()
	e.signedOutAfterCancel()
	e.reconnects.free()
	e.ClearFaults()
	e.loginCancelled()
	// When they sign in again, the stream is cut and the phone approves meanwhile,
	// Then the approval still arrives once the stream is back
	st := e.verifying()
	e.cutLoginStream()
	e.approveOnPhone(st)
	e.ClearFaults()
	e.reconnects.free()
	e.kept(e.approved())
}

func approvalAfterRetryStage(t *testing.T, e *faultEnv, w want) {
	c := e.open()
	lose := func() State {
		t.Helper()
		e.loseLoginStream()
		return waitFor(t, c, "told the connection was lost", withinReal, func(s State) bool { return s.Problem != nil })
	}
	// Given a pending login whose event stream is cut and cannot come back
	e.verifying()
	st := lose()
	// Then the person is told, still verifying: the code can still be typed
	if st.Phase != PhaseVerifying {
		t.Fatalf("phase %v", st.Phase)
	}
	e.sees(st, w)
	// When they cancel, Then the form is back at once
	c.Cancel()
	e.signedOutAfterCancel()
	e.ClearFaults()
	// When they sign in again, lose the stream, the phone approves meanwhile and
	// the network comes back, Then Retry brings the approval
	st = e.verifying()
	lost := lose()
	e.approveOnPhone(st)
	e.ClearFaults()
	if !lost.Problem.Retryable {
		t.Fatal("no Retry offered")
	}
	e.call("Retry", c.Retry)
	e.kept(e.approved())
}

func streamLostDuringCodeStage(t *testing.T, e *faultEnv, w want) {
	c := e.open()
	st := e.verifying()
	code := e.codeFor(c)
	// Given the code check failing and waiting to be tried again
	mockFault(mockserver.Fault{Status: http.StatusBadGateway}).on(e, submitCode)
	e.retries.set()
	run := start(func() { c.SubmitCode(context.Background(), code) })
	select {
	case <-e.retries.waiting:
	case <-time.After(withinReal):
		t.Fatal("the code check was not retried")
	}
	// When the login stream is lost meanwhile and the code check gives up
	e.loseLoginStream()
	eventually(t, "the stream's end is noted", func() bool {
		c.r.mu.Lock()
		defer c.r.mu.Unlock()
		return c.login.streamEnd != nil
	})
	e.retries.free()
	run.wait(t, "SubmitCode")
	// Then the person is told the connection was lost, still verifying
	if st := c.State(); st.Phase != PhaseVerifying || st.Busy {
		t.Fatalf("phase %v busy %v", st.Phase, st.Busy)
	}
	e.sees(c.State(), w)
	// When the network is back and the phone approves, Then Retry brings the approval
	e.ClearFaults()
	e.approveOnPhone(st)
	e.call("Retry", c.Retry)
	e.kept(e.approved())
}
