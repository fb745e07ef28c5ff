package app

import (
	"context"
	"errors"
	"sync"
	"time"
)

// runner owns the Core's State and runs its steps one at a time: it is the
// one place that begins and ends an operation, marks it busy, cancels it,
// offers Retry and publishes the new State. The two owners beside it (the
// pending login and the session keeper) describe their steps as a step and
// change State only inside the callbacks the runner calls with its lock held.
type runner struct {
	now    func() time.Time
	loc    *time.Location // for times shown to the person
	server string         // origin, named in Problems
	retry  RetryPolicy
	notify *notifier

	life  context.Context // ends at close
	stop  context.CancelFunc
	bg    sync.WaitGroup // followers of event streams
	tasks sync.WaitGroup // background calls nobody waits for

	// mu guards what follows and every field of the two owners marked
	// "guarded by the runner".
	mu         sync.Mutex
	state      State
	closed     bool
	op         *operation            // the step under way, nil if none
	opSeq      uint64                // numbers operations
	problemSeq uint64                // numbers Problems
	retryFn    func(context.Context) // repeats the step behind a retryable Problem
	tried      attempts
}

// operation is a step under way, which a person can cancel.
type operation struct {
	seq    uint64
	cancel context.CancelFunc
}

// attempts counts what the person (and the Core) already tried, for the
// support report's "what was already tried".
type attempts struct {
	SignIns        int // sign-in attempts (password sent)
	WrongPasswords int
	CodesSubmitted int
	WrongCodes     int
	WrongChecks    int // numbers picked on the phone that this computer did not show
	NewCodes       int // "Get a new code"
	MethodSwitches int // code ↔ QR
	AutoRetries    int // automatic retries after network or server failures
	ManualRetries  int // Retry pressed
	Restores       int // stored session checks
}

// Background calls that no person waits for are bounded by this.
const backgroundTimeout = 10 * time.Second

func newRunner(opts Options, st State) *runner {
	life, stop := context.WithCancel(context.Background())
	r := &runner{now: opts.Now, loc: opts.Location, server: st.Server, retry: opts.Retry.withDefaults(),
		notify: newNotifier(), life: life, stop: stop, state: st}
	go r.notify.run()
	return r
}

// step is one operation of the Core. Its callbacks but call run with the
// runner's lock held and may change State and the owners' guarded fields.
type step struct {
	// begin decides whether the step runs now: errRefused drops it without
	// a trace (wrong phase, already busy); another error becomes the
	// Problem without a call; nil starts it (Busy, Problem cleared).
	begin func(st *State) error
	// call does the work, with the lock released, under a context that ends
	// with the caller's, at Cancel, at Close or when a newer step begins.
	call func(ctx context.Context)
	// finish shows the outcome of a step still under way; cancelled says its
	// context ended first. What it returns (may be nil) runs after the lock
	// is released.
	finish func(st *State, cancelled bool) (then func())
	// dropped (may be nil) runs instead of finish when Cancel, Close or a
	// newer step took over: the outcome is nobody's now.
	dropped func()
}

// run runs s to its end; the caller's ctx nil means the Core's life.
func (r *runner) run(ctx context.Context, s step) {
	if ctx == nil {
		ctx = r.life
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	if err := s.begin(&r.state); err != nil {
		if !errors.Is(err, errRefused) {
			r.retryFn = nil
			r.state.Problem = r.problemLocked(err)
			r.publishLocked()
		}
		r.mu.Unlock()
		return
	}
	r.retryFn = nil
	opCtx, seq := r.beginOpLocked(ctx)
	r.state.Busy, r.state.Problem = true, nil
	r.publishLocked()
	r.mu.Unlock()

	s.call(opCtx)
	cancelled := opCtx.Err() != nil // read before endOpLocked releases the context

	r.mu.Lock()
	var then func()
	if r.endOpLocked(seq) {
		then = s.finish(&r.state, cancelled)
		r.publishLocked()
	} else if s.dropped != nil {
		s.dropped()
	}
	r.mu.Unlock()
	if then != nil {
		then()
	}
}

// update applies change under the lock and publishes the State when change
// reports that it changed anything. After close it does nothing.
func (r *runner) update(change func(st *State) bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.closed && change(&r.state) {
		r.publishLocked()
	}
}

// snapshot returns a copy of the State and of the attempts.
func (r *runner) snapshot() (State, attempts) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.state.clone(), r.tried
}

// publishLocked queues the current State for the subscribers.
func (r *runner) publishLocked() { r.notify.publish(r.state.clone()) }

// problemLocked builds the catalogue's Problem for err, numbered.
func (r *runner) problemLocked(err error) *Problem {
	p := newProblem(err, problemEnv{now: r.now(), loc: r.loc, server: r.server})
	if p != nil {
		r.problemSeq++
		p.Seq = r.problemSeq
	}
	return p
}

// failLocked shows err as the Problem and offers retry behind the Retry
// button when trying again can help.
func (r *runner) failLocked(err error, retry func(context.Context)) {
	r.state.Problem = r.problemLocked(err)
	r.retryFn = nil
	if r.state.Problem != nil && r.state.Problem.Retryable {
		r.retryFn = retry
	}
}

// beginOpLocked cancels the step under way, if any, and starts a new one
// whose context ends with ctx, Cancel or close.
func (r *runner) beginOpLocked(ctx context.Context) (context.Context, uint64) {
	r.cancelOpLocked()
	r.opSeq++
	opCtx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(r.life, cancel)
	r.op = &operation{seq: r.opSeq, cancel: func() { stop(); cancel() }}
	return opCtx, r.opSeq
}

// cancelOpLocked cancels the step under way; its outcome will be dropped.
func (r *runner) cancelOpLocked() {
	if r.op != nil {
		r.op.cancel()
		r.op = nil
	}
}

// endOpLocked reports whether seq is still the step under way and, if so,
// ends it.
func (r *runner) endOpLocked(seq uint64) bool {
	if r.op == nil || r.op.seq != seq {
		return false
	}
	r.op.cancel()
	r.op = nil
	r.state.Busy = false
	return true
}

// busyLocked reports whether a step is under way.
func (r *runner) busyLocked() bool { return r.op != nil }

// goLocked runs fn in a goroutine that close waits for, with a context
// that ends after backgroundTimeout. close does not cut it short:
// cancelling a pending login must still reach the server when the window
// closes. After close nothing is started.
func (r *runner) goLocked(fn func(ctx context.Context)) {
	if r.closed {
		return
	}
	r.tasks.Add(1)
	go func() {
		defer r.tasks.Done()
		ctx, cancel := context.WithTimeout(context.Background(), backgroundTimeout)
		defer cancel()
		fn(ctx)
	}()
}

// countRetry counts an automatic retry.
func (r *runner) countRetry() {
	r.mu.Lock()
	r.tried.AutoRetries++
	r.mu.Unlock()
}

// retryNow repeats the step behind a retryable Problem.
func (r *runner) retryNow(ctx context.Context) {
	r.mu.Lock()
	fn := r.retryFn
	r.retryFn = nil
	if fn == nil || r.closed {
		r.mu.Unlock()
		return
	}
	r.tried.ManualRetries++
	r.mu.Unlock()
	fn(ctx)
}

// close runs last under the lock (the owners stop their followers there),
// then stops everything and waits for the goroutines. It reports false when
// the runner was closed already.
func (r *runner) close(last func(st *State)) bool {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return false
	}
	r.cancelOpLocked()
	last(&r.state)
	r.closed = true
	r.retryFn = nil
	r.mu.Unlock()
	r.stop()
	r.bg.Wait()
	r.tasks.Wait()
	r.notify.close()
	return true
}

// follower is one goroutine reading an event stream for an owner. Starting
// it again replaces the one before; gen tells a replaced follower's late
// events apart. Guarded by the runner.
type follower struct {
	stop context.CancelFunc
	gen  uint64
}

// followLocked starts read in a goroutine that close waits for; read gets
// a context that ends at stop or close, and its generation.
func (r *runner) followLocked(f *follower, read func(ctx context.Context, gen uint64)) {
	f.stopLocked()
	ctx, cancel := context.WithCancel(r.life)
	f.stop = cancel
	gen := f.gen
	r.bg.Add(1)
	go func() {
		defer r.bg.Done()
		read(ctx, gen)
	}()
}

// stopLocked stops the follower; its later events no longer count.
func (f *follower) stopLocked() {
	if f.stop != nil {
		f.stop()
		f.stop = nil
	}
	f.gen++
}

// current reports whether gen is the follower under way.
func (f *follower) current(gen uint64) bool { return f.stop != nil && f.gen == gen }

// following reports whether a follower is under way.
func (f *follower) following() bool { return f.stop != nil }
