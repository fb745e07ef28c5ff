package app

import (
	"context"
	"sync"
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

// Background calls that no person waits for are bounded by this.
const backgroundTimeout = 10 * time.Second

// Core is the sign-in state machine. All methods are safe for concurrent use
// and report everything through State; the ui runs the blocking ones in a
// goroutine and renders the states it is given.
type Core struct {
	opts   Options
	retry  RetryPolicy
	server string
	notify *notifier

	life  context.Context // ends at Close
	stop  context.CancelFunc
	bg    sync.WaitGroup // goroutines following streams
	tasks sync.WaitGroup // background calls nobody waits for (cancel a login, end an unwanted session)

	mu          sync.Mutex
	state       State
	closed      bool
	op          *operation         // the call under way, nil if none
	opSeq       uint64             // numbers operations
	loginStop   context.CancelFunc // stops following the pending login
	loginGen    uint64             // numbers login followers, so a replaced one is ignored
	loginEnd    error              // the stream ended the pending login while a call was under way
	sessionStop context.CancelFunc // stops following the session
	sessionGen  uint64             // numbers sessions, so a late event of an old one is ignored
	creds       pairing.Credentials
	keep        bool                      // keep-signed-in choice of the sign-in under way
	completing  bool                      // an approved sign-in is being stored
	storedEmail string                    // account whose entry is believed to be in the keychain
	retryFn     func(ctx context.Context) // repeats the step behind a retryable Problem
	tried       attempts
}

// operation is a call a person can cancel.
type operation struct {
	seq    uint64
	cancel context.CancelFunc
}

// attempts counts what the person (and the Core) already tried, for the
// support report's "what was already tried" (seed 004).
type attempts struct {
	SignIns        int // sign-in attempts (password sent)
	WrongPasswords int
	CodesSubmitted int
	WrongCodes     int
	NewCodes       int // "Get a new code"
	MethodSwitches int // code ↔ QR
	AutoRetries    int // automatic retries after network or server failures
	ManualRetries  int // Retry pressed
	Restores       int // stored session checks
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
	life, stop := context.WithCancel(context.Background())
	c := &Core{
		opts:   opts,
		retry:  opts.Retry.withDefaults(),
		notify: newNotifier(),
		life:   life,
		stop:   stop,
	}
	if opts.Client != nil {
		c.server = opts.Client.BaseURL()
	}
	c.state = State{Phase: PhaseStarting, Server: c.server, KeepSignedIn: true}
	if s := opts.Settings; s != nil {
		c.state.Email = s.LastEmail()
		c.state.KeepSignedIn = s.KeepSignedIn()
		c.storedEmail = c.state.Email
	}
	go c.notify.run()
	return c
}

// State returns a snapshot of the current state.
func (c *Core) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state.clone()
}

// Device returns the identity this Core presents to the server.
func (c *Core) Device() DeviceIdentity { return c.opts.Device }

// Settings returns the settings the Core remembers choices in (language is
// the ui's to read and write); nil when it was given none.
func (c *Core) Settings() *Settings { return c.opts.Settings }

// Subscribe calls fn with a snapshot after every change, in order, from one
// goroutine of the Core (the ui wraps its work in fyne.Do). fn is not called
// with the current state: read State first. fn may call any method of the
// Core except Close. The returned func stops the calls.
func (c *Core) Subscribe(fn func(State)) (unsubscribe func()) { return c.notify.subscribe(fn) }

// publishLocked queues the current state for the subscribers. c.mu is held.
func (c *Core) publishLocked() { c.notify.publish(c.state.clone()) }

// problemLocked builds the catalogue's Problem for err. c.mu is held.
func (c *Core) problemLocked(err error) *Problem {
	return newProblem(err, problemEnv{now: c.opts.Now(), loc: c.opts.Location, server: c.server})
}

// beginOpLocked cancels the call under way, if any, and starts a new one
// whose context ends with ctx, Cancel or Close. c.mu is held.
func (c *Core) beginOpLocked(ctx context.Context) (context.Context, uint64) {
	c.cancelOpLocked()
	c.opSeq++
	opCtx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(c.life, cancel)
	c.op = &operation{seq: c.opSeq, cancel: func() { stop(); cancel() }}
	return opCtx, c.opSeq
}

// cancelOpLocked cancels the call under way; its result will be ignored. c.mu is held.
func (c *Core) cancelOpLocked() {
	if c.op != nil {
		c.op.cancel()
		c.op = nil
	}
}

// endOpLocked reports whether seq is still the call under way and, if so,
// ends it. A false answer means Cancel, Close or a newer call took over, and
// the caller must drop its result. c.mu is held.
func (c *Core) endOpLocked(seq uint64) bool {
	if c.op == nil || c.op.seq != seq {
		return false
	}
	c.op.cancel()
	c.op = nil
	c.state.Busy = false
	return true
}

// goBackgroundLocked runs fn in a goroutine that Close waits for, with a
// context that ends after backgroundTimeout. Close does not cut it short:
// cancelling a pending login must still reach the server when the window
// closes. After Close nothing is started. c.mu is held.
func (c *Core) goBackgroundLocked(fn func(ctx context.Context)) {
	if c.closed {
		return
	}
	c.tasks.Add(1)
	go func() {
		defer c.tasks.Done()
		ctx, cancel := context.WithTimeout(context.Background(), backgroundTimeout)
		defer cancel()
		fn(ctx)
	}()
}

// setRetryLocked offers fn behind the Retry button when p is retryable. c.mu is held.
func (c *Core) setRetryLocked(p *Problem, fn func(ctx context.Context)) {
	c.retryFn = nil
	if p != nil && p.Retryable {
		c.retryFn = fn
	}
}

// countRetry counts an automatic retry.
func (c *Core) countRetry() {
	c.mu.Lock()
	c.tried.AutoRetries++
	c.mu.Unlock()
}

// Retry repeats the step that failed with a retryable Problem.
func (c *Core) Retry(ctx context.Context) {
	c.mu.Lock()
	fn := c.retryFn
	c.retryFn = nil
	if fn == nil || c.closed {
		c.mu.Unlock()
		return
	}
	c.tried.ManualRetries++
	c.mu.Unlock()
	fn(ctx)
}

// DismissProblem clears the current Problem.
func (c *Core) DismissProblem() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state.Problem == nil {
		return
	}
	c.state.Problem = nil
	c.retryFn = nil
	c.publishLocked()
}

// Cancel cancels the call under way and returns to the sign-in form; while
// verifying it also cancels the pending login on the server (in the
// background, so Cancel never waits for the network). In PhaseSignedIn it
// only cancels a call under way.
func (c *Core) Cancel() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.cancelOpLocked()
	c.retryFn = nil
	switch c.state.Phase {
	case PhaseStarting, PhaseSubmitting:
		c.state.Phase = PhaseSignedOut
	case PhaseVerifying:
		c.abandonLoginLocked()
		c.state.Phase = PhaseSignedOut
	case PhaseSignedIn:
		// Signing out finishes on its own; a session is not cancelled.
		return
	}
	c.state.Busy = false
	c.state.Problem = nil
	c.publishLocked()
}

// Close stops streams and goroutines and waits for them (at most
// backgroundTimeout for a pending login being cancelled on the server). The
// stored session is kept. The Core does nothing after Close.
func (c *Core) Close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.cancelOpLocked()
	if c.state.Phase == PhaseVerifying || c.completing {
		// Nobody will type the code now: take the request off the phone.
		c.abandonLoginLocked()
	}
	c.closed = true
	c.stopLoginLocked()
	c.stopSessionLocked()
	c.retryFn = nil
	c.mu.Unlock()
	c.stop()
	c.bg.Wait()
	c.tasks.Wait()
	c.notify.close()
}
