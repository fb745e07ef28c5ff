package app

import (
	"cmp"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"path"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

// The fault matrix: each way the network, the server or the keychain can
// fail, at each step of the flow where a person meets it. Every cell
// (row/stage) is one fault at one step on a fresh mock server and checks the
// same things: the person is told what happened and what to do (the
// catalogue's Code, Key, Action and Retryable) in bounded time; Cancel goes
// back to the sign-in form at once and leaves nothing running; no token is
// kept that should not be; nothing panics; and once the fault clears, the
// same Core finishes signing in without a restart.

const (
	matrixTimeout = 3 * time.Second        // client request timeout of the rows that do not stall
	stallTimeout  = 200 * time.Millisecond // request timeout of the stall row: three tries stay under a second
	keychainWait  = 150 * time.Millisecond // keychain timeout; the slow keychain answers later than this
	withinReal    = 2 * time.Second        // real time a message, a Cancel or the background work may take
	retryAfterSec = 120                    // Retry-After of the rate-limited row
)

func TestFaultMatrix(t *testing.T) {
	for _, row := range faultRows() {
		for _, cell := range row.cells {
			t.Run(row.name+"/"+cell.stage.name, func(t *testing.T) {
				e := newFaultEnv(t, row.fault)
				cell.stage.run(t, e, cell.want)
				e.closes()
			})
		}
	}
}

// faultRow is one fault and the steps it is tried at.
type faultRow struct {
	name  string
	fault fault
	cells []cell
}

// cell is one step of the flow and what the person must be told there.
type cell struct {
	stage stage
	want  want
}

// stage is a step of the flow; run breaks it with e's fault and checks the outcome.
type stage struct {
	name string
	run  func(t *testing.T, e *faultEnv, w want)
}

// want is the catalogue entry the person must see.
type want struct {
	code, key, action string
	retryable         bool
	retried           bool // the Core tried three times on its own before telling
	retryIn           time.Duration
	alt               *want // also right when two failures race (the login stream may notice first)
}

func faultRows() []faultRow {
	var (
		unreachable = want{code: pairing.CodeNetwork, key: "error.server_unreachable", action: "action.check_connection", retryable: true, retried: true}
		serverError = want{code: pairing.CodeInternal, key: "error.server_error", action: "action.retry_later", retryable: true, retried: true}
		rateLimited = want{code: pairing.CodeTooManyRequests, key: "error.too_many_requests", action: "action.wait_blocked", retryIn: retryAfterSec * time.Second}
		timedOut    = want{code: pairing.CodeTimeout, key: "error.server_timeout", action: "action.check_connection", retryable: true, retried: true}
		// A garbled success is not resent on its own (the server did the work,
		// e.g. created a pending login); the person's Retry repeats it.
		badAnswer  = want{code: pairing.CodeBadResponse, key: "error.bad_response", action: "action.retry_or_support", retryable: true}
		untrusted  = want{code: CodeServerCertificate, key: "error.server_certificate", action: "action.check_certificate"}
		offline    = want{code: CodeSignedOutOffline, key: "error.signed_out_offline", action: "action.remove_in_phone"}
		streamLost = want{code: pairing.CodeStreamEnded, key: "error.connection_lost", action: "action.retry_or_support", retryable: true}
		kcLocked   = want{code: CodeKeychainLocked, key: "error.keychain_locked", action: "action.keychain_unlock", retryable: true}
		kcMissing  = want{code: CodeKeychainUnavailable, key: "error.keychain_unavailable", action: "action.keychain_setup"}
		kcSlow     = want{code: CodeKeychainTimeout, key: "error.keychain_timeout", action: "action.keychain_unlock", retryable: true}
	)
	// orLost is w, or the login stream's own report when it gave up first.
	orLost := func(w want) want { w.alt = &streamLost; return w }
	retriedThenLost := streamLost
	retriedThenLost.retried = true

	signingIn := stage{"signing in", signingInStage}
	submittingCode := stage{"submitting the code", submittingCodeStage}
	restoring := stage{"restoring at start", restoringStage}
	signingOut := stage{"signing out", signingOutStage}
	storingToken := stage{"storing the token", storingTokenStage}

	stall := mockFault(mockserver.Fault{Delay: 5 * time.Second})
	stall.timeout = stallTimeout
	keychain := func(name string, f fault, w want) faultRow {
		return faultRow{name, f, []cell{{storingToken, w}, {restoring, w}, {signingOut, w}}}
	}
	return []faultRow{
		{"server down", serverDown(), []cell{
			{signingIn, unreachable}, {submittingCode, orLost(unreachable)}, {restoring, unreachable}, {signingOut, offline}}},
		{"5xx", mockFault(mockserver.Fault{Status: http.StatusInternalServerError}), []cell{
			{signingIn, serverError}, {submittingCode, serverError}, {restoring, serverError}, {signingOut, offline}}},
		{"429 with Retry-After", doorFault(tooManyRequests), []cell{
			{signingIn, rateLimited}, {submittingCode, rateLimited}, {restoring, rateLimited}, {signingOut, offline}}},
		{"stalled answer", stall, []cell{
			{signingIn, timedOut}, {submittingCode, timedOut}, {restoring, timedOut}, {signingOut, offline}}},
		{"reset mid-body", doorFault(resetMidBody), []cell{
			{signingIn, unreachable}, {submittingCode, unreachable}, {restoring, unreachable}, {signingOut, offline}}},
		// The API runs behind these two, so the code step (whose answer would
		// be lost with a session issued) and sign-out (whose body nobody
		// reads) are left out.
		{"malformed JSON", mockFault(mockserver.Fault{Body: `{"login_id": "lgn_`}), []cell{
			{signingIn, badAnswer}, {restoring, badAnswer}}},
		{"wrong content type", doorFault(relabelled), []cell{
			{signingIn, badAnswer}, {restoring, badAnswer}}},
		{"untrusted certificate", untrustedCert(), []cell{
			{signingIn, untrusted}, {submittingCode, orLost(untrusted)}, {restoring, untrusted}, {signingOut, offline}}},
		{"login stream cut before approval", viaDoor(), []cell{
			{stage{"approving on the phone", approvalAfterCutStage}, want{}}}},
		{"login stream lost", viaDoor(), []cell{
			{stage{"approving on the phone", approvalAfterRetryStage}, streamLost},
			{stage{"checking the code", streamLostDuringCodeStage}, retriedThenLost}}},
		keychain("keychain locked", keychainError(errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'")), kcLocked),
		keychain("keychain missing", keychainError(errors.New("The name org.freedesktop.secrets was not provided by any .service files")), kcMissing),
		keychain("keychain slow", keychainHang(), kcSlow),
	}
}

// endpoint is the call a server fault hits: "METHOD /path/pattern".
type endpoint string

const (
	startLogin   endpoint = "POST /v1/logins"
	submitCode   endpoint = "POST /v1/logins/*/code"
	checkSession endpoint = "GET /v1/session"
	endSession   endpoint = "DELETE /v1/session"
	loginEvents  endpoint = "GET /v1/logins/*/events"
)

func (p endpoint) split() (method, pattern string) {
	method, pattern, _ = strings.Cut(string(p), " ")
	return method, pattern
}

func (p endpoint) matches(r *http.Request) bool {
	method, pattern := p.split()
	ok, err := path.Match(pattern, r.URL.Path)
	return err == nil && ok && r.Method == method
}

// fault is one way the world breaks: on starts it for calls to at (keychain
// faults ignore at), off ends it as when the network or the keychain is back.
type fault struct {
	on      func(e *faultEnv, at endpoint)
	off     func(e *faultEnv)
	door    bool          // the Core reaches the server through a faultDoor
	tls     bool          // ... served over TLS
	timeout time.Duration // the client's request timeout; 0: matrixTimeout
	hangs   bool          // keychain calls hang
	cutOff  bool          // no call reaches the server while it is on
}

// serverDown closes the server's listener: connections are refused.
func serverDown() fault {
	return fault{cutOff: true, on: func(e *faultEnv, _ endpoint) { e.down() }, off: func(e *faultEnv) { e.up() }}
}

// mockFault is a fault of the mock server (status, delay, body) on every call to the endpoint.
func mockFault(f mockserver.Fault) fault {
	return fault{
		on: func(e *faultEnv, at endpoint) {
			g := f
			g.Method, g.Path = at.split()
			g.Count = -1
			e.addFault(g)
		},
		off: func(e *faultEnv) { e.srv.ClearFaults() },
	}
}

// doorFault answers calls to the endpoint in the server's place.
func doorFault(answer func(at endpoint) doorAnswer) fault {
	return fault{door: true,
		on:  func(e *faultEnv, at endpoint) { e.door.set(answer(at)) },
		off: func(e *faultEnv) { e.door.set(nil) },
	}
}

// untrustedCert makes the server present a certificate the client does not trust.
func untrustedCert() fault {
	return fault{door: true, tls: true, cutOff: true,
		on:  func(e *faultEnv, _ endpoint) { e.door.distrust(e.t, true) },
		off: func(e *faultEnv) { e.door.distrust(e.t, false) },
	}
}

// viaDoor breaks nothing by itself: its stages cut the Core's connections.
func viaDoor() fault {
	return fault{door: true, on: func(*faultEnv, endpoint) {}, off: func(*faultEnv) {}}
}

// keychainError makes every keychain call fail with err (what go-keyring says).
func keychainError(err error) fault {
	return fault{
		on:  func(e *faultEnv, _ endpoint) { e.kr.setErr(err) },
		off: func(e *faultEnv) { e.kr.setErr(nil) },
	}
}

// keychainHang makes every keychain call hang, as behind an unlock prompt nobody answers.
func keychainHang() fault {
	return fault{hangs: true,
		on:  func(e *faultEnv, _ endpoint) { e.hangKeychain() },
		off: func(e *faultEnv) { e.releaseKeychain() },
	}
}

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
	base := r.hs.URL
	opts := pairing.Options{Now: r.clock.Now, RequestTimeout: cmp.Or(f.timeout, matrixTimeout),
		StreamMaxFailures: 3, Sleep: e.reconnects.sleep}
	if f.door {
		e.door = newFaultDoor(t, r.srv.Handler(), f.tls)
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
	if _, err := e.srv.AddFault(f); err != nil {
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
	return sleepContext(ctx, time.Millisecond)
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
	if p.Params[ParamServer] != e.client.BaseURL() || strings.Contains(p.Message(), "(?)") {
		e.t.Errorf("message %q for server %v", p.Message(), p.Params[ParamServer])
	}
	if w.retryIn > 0 {
		at := e.clock.Now().Add(w.retryIn)
		if !p.RetryAt.Equal(at) || p.Params[ParamRetryAt] != FormatLocalTime(at, e.clock.Now(), time.UTC) {
			e.t.Errorf("retry at %v (%v), want %v", p.RetryAt, p.Params[ParamRetryAt], at)
		}
	}
	// A Retry button that is shown must do something, and only then.
	e.c.mu.Lock()
	canRetry, retried := e.c.retryFn != nil, e.c.tried.AutoRetries
	e.c.mu.Unlock()
	if canRetry != p.Retryable {
		e.t.Errorf("Retryable %v, but Retry would do something: %v", p.Retryable, canRetry)
	}
	wantRetries := 0
	if w.retried {
		wantRetries = e.c.retry.Attempts - 1
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
	e.c.mu.Lock()
	running := e.c.op != nil || e.c.loginStop != nil
	e.c.mu.Unlock()
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

// approved waits for the phone's approval to sign the Core in.
func (e *faultEnv) approved() State {
	e.t.Helper()
	return waitFor(e.t, e.c, "signed in by the approval", withinReal, func(s State) bool { return s.Phase == PhaseSignedIn && !s.Busy })
}

// approveOnPhone scans the QR code shown for the pending login and approves it.
func (e *faultEnv) approveOnPhone(st State) {
	e.t.Helper()
	ctx := context.Background()
	scan, err := e.phone.Scan(ctx, st.Login.QR.Payload)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.phone.Approve(ctx, scan.LoginID); err != nil {
		e.t.Fatal(err)
	}
}

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
	e.f.off(e)
	e.noneLinked()
	e.kept(e.signIn(c, true))
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
	e.f.off(e)
	e.noneLinked()
	e.kept(e.signIn(c, true))
}

func restoringStage(t *testing.T, e *faultEnv, w want) {
	// Given a session kept in the keychain by an earlier run
	first := e.open()
	sess := e.signIn(first, true).Session
	first.Close()
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

// cutLoginStream cuts the pending login's event stream and drops every
// reconnect until the faults are cleared; reconnects wait until freed.
func (e *faultEnv) cutLoginStream() {
	e.t.Helper()
	e.reconnects.set()
	e.dropAll(loginEvents)
	e.door.hs.CloseClientConnections() // the Core's connections only: the phone stays online
	select {
	case <-e.reconnects.waiting:
	case <-time.After(withinReal):
		e.t.Fatal("the login stream did not notice the cut")
	}
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
	e.srv.ClearFaults()
	e.loginCancelled()
	// When they sign in again, the stream is cut and the phone approves meanwhile,
	// Then the approval still arrives once the stream is back
	st := e.verifying()
	e.cutLoginStream()
	e.approveOnPhone(st)
	e.srv.ClearFaults()
	e.reconnects.free()
	e.kept(e.approved())
}

func approvalAfterRetryStage(t *testing.T, e *faultEnv, w want) {
	c := e.open()
	lose := func() State {
		t.Helper()
		e.dropAll(loginEvents)
		e.door.hs.CloseClientConnections() // the Core's connections only: the phone stays online
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
	e.srv.ClearFaults()
	// When they sign in again, lose the stream, the phone approves meanwhile and
	// the network comes back, Then Retry brings the approval
	st = e.verifying()
	lost := lose()
	e.approveOnPhone(st)
	e.srv.ClearFaults()
	if !lost.Problem.Retryable {
		t.Fatal("no Retry offered")
	}
	e.call("Retry", c.Retry)
	e.kept(e.approved())
}

// doorAnswer answers a request itself (true) or lets the server answer it.
type doorAnswer func(w http.ResponseWriter, r *http.Request, server http.Handler) bool

// faultDoor is the Core's own way into the mock server, for rows that answer
// requests in its place or present an untrusted certificate.
type faultDoor struct {
	server http.Handler
	hs     *httptest.Server

	mu        sync.Mutex
	answer    doorAnswer       // nil: the server answers everything
	untrusted *tls.Certificate // presented in TLS handshakes while set
}

func newFaultDoor(t *testing.T, server http.Handler, useTLS bool) *faultDoor {
	d := &faultDoor{server: server}
	d.hs = httptest.NewUnstartedServer(d)
	d.hs.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are the point, not news
	if useTLS {
		// A fresh handshake for every call, so a distrusted certificate is met
		// at once rather than after a pooled connection fails.
		d.hs.Config.SetKeepAlivesEnabled(false)
		d.hs.TLS = &tls.Config{GetConfigForClient: d.tlsConfig}
		d.hs.StartTLS()
	} else {
		d.hs.Start()
	}
	t.Cleanup(func() {
		d.hs.CloseClientConnections()
		d.hs.Close()
	})
	return d
}

func (d *faultDoor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	answer := d.answer
	d.mu.Unlock()
	if answer == nil || !answer(w, r, d.server) {
		d.server.ServeHTTP(w, r)
	}
}

func (d *faultDoor) set(a doorAnswer) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.answer = a
}

// distrust makes the door present a certificate the client does not trust
// (or its own again), and cuts the connections made with the other one.
func (d *faultDoor) distrust(t *testing.T, on bool) {
	var cert *tls.Certificate
	if on {
		c, err := selfSignedCertificate()
		if err != nil {
			t.Fatal(err)
		}
		cert = &c
	}
	d.mu.Lock()
	d.untrusted = cert
	d.mu.Unlock()
	d.hs.CloseClientConnections()
}

func (d *faultDoor) tlsConfig(*tls.ClientHelloInfo) (*tls.Config, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.untrusted == nil {
		return nil, nil // the server's own certificate
	}
	return &tls.Config{Certificates: []tls.Certificate{*d.untrusted}, NextProtos: []string{"http/1.1"}}, nil
}

// selfSignedCertificate is a valid certificate for this computer that no
// one trusts.
func selfSignedCertificate() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "not the Linkdesk server"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:     []string{"localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// tooManyRequests answers 429 with Retry-After, as a rate limiter in front
// of the server does.
func tooManyRequests(at endpoint) doorAnswer {
	return func(w http.ResponseWriter, r *http.Request, _ http.Handler) bool {
		if !at.matches(r) {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSec))
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"error":{"code":"too_many_requests","message":"slow down"}}`) // the client may be gone
		return true
	}
}

// resetMidBody starts a 200 answer and resets the connection halfway
// through its body; the server never sees the request.
func resetMidBody(at endpoint) doorAnswer {
	return func(w http.ResponseWriter, r *http.Request, _ http.Handler) bool {
		if !at.matches(r) {
			return false
		}
		body := `{"login_id":"lgn_cut","session":{"id":"ses_cut"},"code":{"length":6}}`
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, body[:len(body)/2]) // the client may be gone
		rc := http.NewResponseController(w)
		_ = rc.Flush() // as above
		conn, _, err := rc.Hijack()
		if err != nil {
			panic(http.ErrAbortHandler) // cuts the connection all the same
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // close with a reset; a plain close cuts the body too
		}
		_ = conn.Close() // the point is to leave the client without the rest
		return true
	}
}

// relabelled lets the server answer but labels the answer text/html, as a
// captive portal or a misconfigured proxy does.
func relabelled(at endpoint) doorAnswer {
	return func(w http.ResponseWriter, r *http.Request, server http.Handler) bool {
		if !at.matches(r) {
			return false
		}
		server.ServeHTTP(&relabelWriter{ResponseWriter: w}, r)
		return true
	}
}

type relabelWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *relabelWriter) WriteHeader(status int) {
	if !w.wrote {
		w.wrote = true
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *relabelWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
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
	e.dropAll(loginEvents)
	e.door.hs.CloseClientConnections() // the Core's connections only: the phone stays online
	eventually(t, "the stream's end is noted", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.loginEnd != nil
	})
	e.retries.free()
	run.wait(t, "SubmitCode")
	// Then the person is told the connection was lost, still verifying
	if st := c.State(); st.Phase != PhaseVerifying || st.Busy {
		t.Fatalf("phase %v busy %v", st.Phase, st.Busy)
	}
	e.sees(c.State(), w)
	// When the network is back and the phone approves, Then Retry brings the approval
	e.srv.ClearFaults()
	e.approveOnPhone(st)
	e.call("Retry", c.Retry)
	e.kept(e.approved())
}
