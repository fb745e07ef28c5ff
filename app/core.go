package app

import (
	"context"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
)

// Options wire a Core to its dependencies; tests substitute every one.
type Options struct {
	Client   *pairing.Client // required
	Sessions *SessionStore   // keychain-backed store; nil: tokens live in memory only
	Settings *Settings       // settings file; nil: nothing is remembered between runs
	// Device is this computer; a zero Fingerprint is filled in from the
	// settings' device ID and the real machine (LoadDeviceIdentity).
	Device  DeviceIdentity
	Now     func() time.Time // nil: time.Now
	Version string           // app version for the support report

	// Location formats lock and block times for the person; nil: time.Local.
	Location *time.Location
	// Retry bounds automatic retries of network failures and 5xx answers;
	// zero fields take DefaultRetryPolicy's values.
	Retry RetryPolicy
}

// Core is the sign-in state machine. All methods are safe for concurrent use
// and report everything through State; the ui runs the blocking ones in a
// goroutine and renders the states it is given.
//
// A runner owns the State and runs one step at a time; the pending login
// (password → code or QR → grant) and the session keeper (restore, live
// session events, sign-out, keychain) describe their steps to it.
type Core struct {
	opts   Options
	r      *runner
	login  *pendingLogin
	keeper *sessionKeeper
}

// New returns a Core in PhaseStarting (call Restore) with the remembered
// e-mail and keep-signed-in choice pre-filled.
func New(opts Options) *Core {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Location == nil {
		opts.Location = time.Local
	}
	if opts.Device.Fingerprint == "" && opts.Settings != nil {
		opts.Device = LoadDeviceIdentity(opts.Settings.DeviceID(), DeviceSources{})
	}
	st := State{Phase: PhaseStarting, KeepSignedIn: true}
	if opts.Client != nil {
		st.Server = opts.Client.BaseURL()
	}
	if s := opts.Settings; s != nil {
		st.Email, st.KeepSignedIn = s.LastEmail(), s.KeepSignedIn()
	}
	r := newRunner(opts, st)
	keeper := &sessionKeeper{r: r, client: opts.Client, store: opts.Sessions, settings: opts.Settings,
		device: opts.Device, server: st.Server, storedEmail: st.Email}
	login := &pendingLogin{r: r, client: opts.Client, device: opts.Device, keeper: keeper}
	return &Core{opts: opts, r: r, login: login, keeper: keeper}
}

// State returns a snapshot of the current state.
func (c *Core) State() State {
	st, _ := c.r.snapshot()
	return st
}

// Device returns the identity this Core presents to the server.
func (c *Core) Device() DeviceIdentity { return c.opts.Device }

// Subscribe calls fn with a snapshot after every change, in order, from one
// goroutine of the Core (the ui wraps its work in fyne.Do). fn is not called
// with the current state: read State first. fn may call any method of the
// Core except Close. The returned func stops the calls.
func (c *Core) Subscribe(fn func(State)) (unsubscribe func()) { return c.r.notify.subscribe(fn) }

// Restore runs at start: it loads the stored token of the remembered account
// and checks it with the server.
//
//   - a good token: PhaseSignedIn, silently;
//   - nothing stored, or keep-signed-in off: PhaseSignedOut, silently;
//   - the session ended: the token is deleted, PhaseSignedOut with State.Ended
//     and Problem.Code set to the reason;
//   - the server or the keychain could not answer: the token is kept and the
//     Core waits in PhaseSignedOut with a retryable Problem; Retry checks again,
//     or the person signs in afresh.
func (c *Core) Restore(ctx context.Context) { c.keeper.restore(ctx) }

// SignIn sends the e-mail and password and, on success, moves to
// PhaseVerifying and follows the pending login (QR rotations, approval on the
// phone). keepSignedIn chooses whether the token will be kept in the
// keychain. It returns when the server answered or the call was cancelled.
// Only allowed on the sign-in form (PhaseSignedOut, or PhaseStarting when
// Restore was never called) and when nothing is under way.
func (c *Core) SignIn(ctx context.Context, email, password string, keepSignedIn bool) {
	c.login.signIn(ctx, email, password, keepSignedIn)
}

// SubmitCode sends the code shown on the phone. What a person typed or pasted
// is normalised first; a wrong format is a Problem without a server call.
// A right code signs in; a wrong one leaves the person verifying with the
// tries left, until the server ends the pending login.
func (c *Core) SubmitCode(ctx context.Context, code string) { c.login.submitCode(ctx, code) }

// RenewCode asks the server for a new code ("Get a new code"); the phone
// shows it at once.
func (c *Core) RenewCode(ctx context.Context) { c.login.renewCode(ctx) }

// UseMethod switches between the code and the QR tab. Switching to a QR code
// that has already expired asks the server for a fresh one.
func (c *Core) UseMethod(m Method) { c.login.useMethod(m) }

// SignOut ends the session on the server and deletes the keychain entry. The
// entry is deleted first and even when the server cannot be reached; the
// person is then told the server was not reached (CodeSignedOutOffline).
func (c *Core) SignOut(ctx context.Context) { c.keeper.signOut(ctx) }

// Retry repeats the step that failed with a retryable Problem.
func (c *Core) Retry(ctx context.Context) { c.r.retryNow(ctx) }

// DismissProblem clears the current Problem.
func (c *Core) DismissProblem() {
	c.r.update(func(st *State) bool {
		if st.Problem == nil {
			return false
		}
		st.Problem = nil
		c.r.retryFn = nil
		return true
	})
}

// Cancel cancels the step under way and returns to the sign-in form; while
// verifying it also cancels the pending login on the server (in the
// background, so Cancel never waits for the network). Signed in, it does
// nothing: signing out finishes on its own, and a session is not cancelled.
func (c *Core) Cancel() {
	c.r.update(func(st *State) bool {
		switch st.Phase {
		case PhaseSignedIn:
			return false
		case PhaseVerifying:
			c.login.abandonLocked(st)
		}
		c.r.cancelOpLocked()
		c.r.retryFn = nil
		st.Phase, st.Busy, st.Problem = PhaseSignedOut, false, nil
		return true
	})
}

// Close stops streams and goroutines and waits for them (at most
// backgroundTimeout for a pending login being cancelled on the server). The
// stored session is kept. The Core does nothing after Close.
func (c *Core) Close() {
	c.r.close(func(st *State) {
		if st.Phase == PhaseVerifying || c.login.completing {
			// Nobody will type the code now: take the request off the phone.
			c.login.abandonLocked(st)
		}
		c.login.events.stopLocked()
		c.keeper.events.stopLocked()
	})
}
