package app

import (
	"cmp"
	"context"
	"crypto/x509"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

// faultEnv is a rig whose Core reaches the mock server through a client
// made for the row, with automatic retries and stream reconnects a test can
// hold. The phone and the tester controls keep using the rig's server.
type faultEnv struct {
	*rig
	f          fault
	door       *faultDoor // nil unless the row needs one
	c          *Core      // the Core under test (open)
	retries    *hold      // the Core's waits between automatic retries
	reconnects *hold      // the client's waits between stream reconnects

	hangMu sync.Mutex
	hang   chan struct{} // open while the keychain hangs
}

func newFaultEnv(t *testing.T, f fault) *faultEnv {
	r := newRig(t)
	e := &faultEnv{rig: r, f: f, retries: newHold(), reconnects: newHold()}
	base := r.URL
	opts := pairing.Options{Now: r.Clock.Now, RequestTimeout: cmp.Or(f.timeout, matrixTimeout),
		StreamMaxFailures: 3, Sleep: e.reconnects.sleep}
	if f.door {
		e.door = newFaultDoor(t, r.Handler(), f.tls)
		base = e.door.hs.URL
		if f.tls {
			opts.RootCAs = x509.NewCertPool()
			opts.RootCAs.AddCert(e.door.hs.Certificate())
		}
	}
	var err error
	if r.client, err = pairing.NewClient(base, opts); err != nil {
		t.Fatal(err)
	}
	r.store = NewSessionStore(SessionStoreOptions{Keyring: r.kr, Timeout: keychainWait})
	t.Cleanup(func() {
		e.retries.free()
		e.reconnects.free()
		e.releaseKeychain()
	})
	return e
}

// open starts the Core under test.
func (e *faultEnv) open() *Core {
	e.c = e.newCore(func(o *Options) { o.Retry.Sleep = e.retries.sleep })
	return e.c
}

func (e *faultEnv) addFault(f mockserver.Fault) {
	if _, err := e.AddFault(f); err != nil {
		e.t.Fatal(err)
	}
}

// dropAll drops every call to at, without an answer, until the faults are cleared.
func (e *faultEnv) dropAll(at endpoint) {
	method, pattern := at.split()
	e.addFault(mockserver.Fault{Method: method, Path: pattern, Drop: true, Count: -1})
}

// hangKeychain makes every keychain call block until releaseKeychain.
func (e *faultEnv) hangKeychain() {
	e.hangMu.Lock()
	defer e.hangMu.Unlock()
	e.hang = make(chan struct{})
	e.kr.mu.Lock()
	e.kr.hang = e.hang
	e.kr.mu.Unlock()
}

// releaseKeychain lets the hung calls finish and later ones answer at once.
func (e *faultEnv) releaseKeychain() {
	e.hangMu.Lock()
	defer e.hangMu.Unlock()
	if e.hang == nil {
		return
	}
	e.kr.mu.Lock()
	e.kr.hang = nil
	e.kr.mu.Unlock()
	close(e.hang)
	e.hang = nil
}

// hold makes the waits given its sleep block until released (or their
// context ends) and says when one is blocked; otherwise they last 1 ms.
type hold struct {
	mu      sync.Mutex
	release chan struct{} // nil when not holding
	waiting chan struct{} // a token when a wait is blocked
}

func newHold() *hold { return &hold{waiting: make(chan struct{}, 1)} }

func (h *hold) set() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.release = make(chan struct{})
	select {
	case <-h.waiting: // a stale token
	default:
	}
}

func (h *hold) free() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.release != nil {
		close(h.release)
		h.release = nil
	}
}

func (h *hold) sleep(ctx context.Context, _ time.Duration) error {
	h.mu.Lock()
	release := h.release
	h.mu.Unlock()
	if release != nil {
		select {
		case h.waiting <- struct{}{}:
		default:
		}
		select {
		case <-release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return pairing.Sleep(ctx, time.Millisecond)
}

// running is a call made as the ui makes it, in a goroutine.
type running struct {
	done     chan struct{}
	panicked any
}

func start(fn func()) *running {
	r := &running{done: make(chan struct{})}
	go func() {
		defer close(r.done)
		defer func() { r.panicked = recover() }()
		fn()
	}()
	return r
}

// wait fails unless the call returned, without panicking, within withinReal.
func (r *running) wait(t *testing.T, what string) {
	t.Helper()
	select {
	case <-r.done:
		if r.panicked != nil {
			t.Fatalf("%s panicked: %v", what, r.panicked)
		}
	case <-time.After(withinReal):
		t.Fatalf("%s did not return within %v", what, withinReal)
	}
}

// call runs fn as the ui does and waits for it.
func (e *faultEnv) call(what string, fn func(ctx context.Context)) State {
	e.t.Helper()
	start(func() { fn(context.Background()) }).wait(e.t, what)
	return e.c.State()
}

// sees checks the Problem the person is shown against w.
func (e *faultEnv) sees(st State, w want) {
	e.t.Helper()
	p := st.Problem
	if p == nil {
		e.t.Fatalf("nothing shown; phase %v", st.Phase)
	}
	checkRetries := true
	if w.alt != nil && p.Code == w.alt.code {
		w, checkRetries = *w.alt, false // the retries were the other failure's
	}
	if p.Code != w.code || p.Key != w.key || p.Action != w.action || p.Retryable != w.retryable {
		e.t.Fatalf("shown %s (%s, %s, retryable %v), want %s (%s, %s, retryable %v); err %v",
			p.Code, p.Key, p.Action, p.Retryable, w.code, w.key, w.action, w.retryable, p.Err)
	}
	msg, action := p.Text(english)
	if p.Params[ParamServer] != e.client.BaseURL() || strings.Contains(msg+action, "(?)") {
		e.t.Errorf("message %q for server %v", msg, p.Params[ParamServer])
	}
	if w.retryIn > 0 {
		at := e.Clock.Now().Add(w.retryIn)
		if shown := FormatTime(at, e.Clock.Now(), time.UTC, english); !p.RetryAt.Equal(at) || !strings.Contains(msg, shown) {
			e.t.Errorf("retry at %v (%q), want %v (%s)", p.RetryAt, msg, at, shown)
		}
	}
	// A Retry button that is shown must do something, and only then.
	e.c.r.mu.Lock()
	canRetry, retried := e.c.r.retryFn != nil, e.c.r.tried.AutoRetries
	e.c.r.mu.Unlock()
	if canRetry != p.Retryable {
		e.t.Errorf("Retryable %v, but Retry would do something: %v", p.Retryable, canRetry)
	}
	wantRetries := 0
	if w.retried {
		wantRetries = e.c.r.retry.Attempts - 1
	}
	if checkRetries && retried != wantRetries {
		e.t.Errorf("%d automatic retries, want %d", retried, wantRetries)
	}
}

// nothingStored fails if the keychain holds anything.
func (e *faultEnv) nothingStored() {
	e.t.Helper()
	if n := e.kr.len(); n != 0 {
		e.t.Fatalf("the keychain holds %d items", n)
	}
}

// kept checks that st is signed in with its token in the keychain.
func (e *faultEnv) kept(st State) {
	e.t.Helper()
	ss, ok := e.stored()
	if st.Phase != PhaseSignedIn || st.Storage != StorageKeychain || st.Problem != nil || !ok || ss.SessionID != st.Session.ID {
		e.t.Fatalf("phase %v storage %v problem %+v; keychain holds session %q (%v)", st.Phase, st.Storage, st.Problem, ss.SessionID, ok)
	}
}

// closes fails unless Close, which waits for every stream follower and
// background call of the Core, returns in bounded time: nothing was left stuck.
func (e *faultEnv) closes() {
	e.t.Helper()
	start(e.c.Close).wait(e.t, "Close")
}

// signedOutAfterCancel checks the form is back, clean, with no call under
// way and the pending login no longer followed.
func (e *faultEnv) signedOutAfterCancel() {
	e.t.Helper()
	st := e.c.State()
	if st.Phase != PhaseSignedOut || st.Busy || st.Problem != nil || st.Login != nil || st.Session != nil {
		e.t.Fatalf("after Cancel: phase %v busy %v problem %+v", st.Phase, st.Busy, st.Problem)
	}
	e.c.r.mu.Lock()
	running := e.c.r.op != nil || e.c.login.events.following()
	e.c.r.mu.Unlock()
	if running {
		e.t.Fatal("after Cancel a call or the login stream is still followed")
	}
}

// loginCancelled fails unless the phone soon lists no pending login.
func (e *faultEnv) loginCancelled() {
	e.t.Helper()
	eventually(e.t, "the pending login is cancelled on the server", func() bool { return len(e.link().Pending) == 0 })
}

// cancelDuring makes call with the fault still on, presses Cancel once the
// call is stuck in it (waiting to retry, or for a hung keychain) or has
// answered, and checks that the person is back on the form at once.
func (e *faultEnv) cancelDuring(what string, call func(ctx context.Context)) {
	e.t.Helper()
	e.retries.set()
	defer e.retries.free()
	run := start(func() { call(context.Background()) })
	stuck := time.Now().Add(withinReal)
	for waiting := true; waiting; {
		select {
		case <-e.retries.waiting:
			waiting = false
		case <-run.done:
			waiting = false
		case <-time.After(2 * time.Millisecond):
			waiting = !(e.f.hangs && len(e.store.turn) == 1 && e.c.State().Busy)
		}
		if waiting && time.Now().After(stuck) {
			e.t.Fatalf("%s neither failed nor waited within %v", what, withinReal)
		}
	}
	e.c.Cancel()
	run.wait(e.t, what+" after Cancel")
	e.signedOutAfterCancel()
}

// verifying signs in up to the phone step.
func (e *faultEnv) verifying() State {
	e.t.Helper()
	st := e.call("SignIn", func(ctx context.Context) {
		e.c.SignIn(ctx, mockserver.DemoEmail, mockserver.DemoPassword, true)
	})
	if st.Phase != PhaseVerifying || st.Login == nil {
		e.t.Fatalf("after the password: phase %v problem %+v", st.Phase, st.Problem)
	}
	return st
}

// noneLinked fails if failed attempts left a session on the server.
func (e *faultEnv) noneLinked() {
	e.t.Helper()
	if ls := e.link(); len(ls.Devices) != 0 {
		e.t.Fatalf("failed attempts linked %d desktops", len(ls.Devices))
	}
}

// signsInOnceCleared clears the fault; then the same Core c, which linked
// nothing while it failed, signs in with the phone's code and keeps the token.
func (e *faultEnv) signsInOnceCleared(c *Core) {
	e.t.Helper()
	e.f.off(e)
	e.noneLinked()
	e.kept(e.signIn(c, true))
}

// approved waits for the phone's approval to sign the Core in.
func (e *faultEnv) approved() State {
	e.t.Helper()
	return waitFor(e.t, e.c, "signed in by the approval", withinReal, func(s State) bool { return s.Phase == PhaseSignedIn && !s.Busy })
}

// approveOnPhone scans the QR code shown for the pending login and approves
// it with the number the desktop will show (the Core's stream may be cut).
func (e *faultEnv) approveOnPhone(st State) {
	e.t.Helper()
	ctx := context.Background()
	scan, err := e.phone.Scan(ctx, st.Login.QRPayload)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.phone.Approve(ctx, scan.LoginID, e.Check(scan.LoginID)); err != nil {
		e.t.Fatal(err)
	}
}

// loseLoginStream cuts the Core's login event stream and drops every
// reconnect until the faults are cleared.
func (e *faultEnv) loseLoginStream() {
	e.dropAll(loginEvents)
	e.door.hs.CloseClientConnections() // the Core's connections only: the phone stays online
}

// cutLoginStream cuts the pending login's event stream and drops every
// reconnect until the faults are cleared; reconnects wait until freed.
func (e *faultEnv) cutLoginStream() {
	e.t.Helper()
	e.reconnects.set()
	e.loseLoginStream()
	select {
	case <-e.reconnects.waiting:
	case <-time.After(withinReal):
		e.t.Fatal("the login stream did not notice the cut")
	}
}
