package app

import (
	"errors"
	"net/http"
	"path"
	"strings"
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
	return fault{cutOff: true, on: func(e *faultEnv, _ endpoint) { e.Stop() }, off: func(e *faultEnv) { e.Restart() }}
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
		off: func(e *faultEnv) { e.ClearFaults() },
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
