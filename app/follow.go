package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/linkdesk/linkdesk/pairing"
)

// The Core follows two event streams: the pending login's (QR rotations,
// approval, decline, expiry) while verifying, and the session's (its end)
// while signed in.

// errLoginStream wraps a pending-login stream that stopped without a reason.
var errLoginStream = errors.New("the pending login's event stream stopped")

// followLoginLocked follows the pending login's events until it ends. c.mu is held.
func (c *Core) followLoginLocked(loginID string) {
	c.stopLoginLocked()
	ctx, cancel := context.WithCancel(c.life)
	c.loginStop, c.loginEnd = cancel, nil
	c.loginGen++
	gen := c.loginGen
	c.bg.Add(1)
	go func() {
		defer c.bg.Done()
		for ev := range c.opts.Client.LoginEvents(ctx, loginID) {
			if c.onLoginEvent(gen, loginID, ev) {
				return
			}
		}
		if ctx.Err() == nil {
			c.onLoginEvent(gen, loginID, pairing.LoginEvent{Type: pairing.EventError,
				Err: &pairing.Error{Code: pairing.CodeStreamEnded, Err: errLoginStream}})
		}
	}()
}

// stopLoginLocked stops following the pending login. c.mu is held.
func (c *Core) stopLoginLocked() {
	if c.loginStop != nil {
		c.loginStop()
		c.loginStop = nil
	}
}

// onLoginEvent handles one event of follower gen of loginID's stream and
// reports whether the stream is done with.
func (c *Core) onLoginEvent(gen uint64, loginID string, ev pairing.LoginEvent) (done bool) {
	if ev.Type == pairing.EventApproved && ev.Grant != nil {
		// An approval is real even from a replaced follower.
		c.completeSignIn(loginID, ev.Grant)
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.loginGen || c.state.Phase != PhaseVerifying || c.state.Login == nil || c.state.Login.LoginID != loginID {
		return true
	}
	var err error
	switch ev.Type {
	case pairing.EventQR:
		if ev.QR != nil {
			l := *c.state.Login
			l.QR = *ev.QR
			c.state.Login = &l
			c.publishLocked()
		}
		return false
	case pairing.EventDeclined:
		err = &pairing.Error{Code: pairing.CodeLoginDeclined, Message: "declined on the phone"}
	case pairing.EventExpired:
		err = &pairing.Error{Code: pairing.CodeLoginExpired, Message: "the pending login expired"}
	case pairing.EventError:
		err = ev.Err
	default:
		return false // an event this version does not know: ignore it
	}
	if err == nil {
		err = &pairing.Error{Code: pairing.CodeStreamEnded, Err: fmt.Errorf("%s event: %w", ev.Type, errLoginStream)}
	}
	c.stopLoginLocked()
	if c.op != nil {
		// A code or renewal is under way; its answer comes first (see applyLoginEndLocked).
		c.loginEnd = err
		return true
	}
	// When the stream failed but the code still works, the person keeps
	// verifying and Retry follows the events again.
	c.loginFailedLocked(err, func(context.Context) { c.resumeLogin(loginID) })
	c.publishLocked()
	return true
}

// resumeLogin follows loginID's events again after a stream failure.
func (c *Core) resumeLogin(loginID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state.Phase != PhaseVerifying || c.state.Login == nil || c.state.Login.LoginID != loginID {
		return
	}
	c.state.Problem = nil
	c.followLoginLocked(loginID)
	c.publishLocked()
}

// followSessionLocked follows the session's events so that an end (signed out
// from the phone, signed in elsewhere, password or device changed, expired)
// returns the person to the sign-in form at once. c.mu is held.
func (c *Core) followSessionLocked() {
	c.stopSessionLocked()
	ctx, cancel := context.WithCancel(c.life)
	c.sessionStop = cancel
	c.sessionGen++
	gen, creds := c.sessionGen, c.creds
	c.bg.Add(1)
	go func() {
		defer c.bg.Done()
		c.followSession(ctx, gen, creds)
	}()
}

// stopSessionLocked stops following the session. c.mu is held.
func (c *Core) stopSessionLocked() {
	if c.sessionStop != nil {
		c.sessionStop()
		c.sessionStop = nil
	}
	c.sessionGen++
}

// followSession reads the session stream until the session ends or ctx does.
// A stream that stops without a reason (server restart, network gone) is
// followed again after a backoff, asking the server directly in between so an
// end missed meanwhile is still noticed.
func (c *Core) followSession(ctx context.Context, gen uint64, creds pairing.Credentials) {
	for pause := 1; ctx.Err() == nil; pause = min(pause+1, 8) {
		for ev := range c.opts.Client.SessionEvents(ctx, creds) {
			switch ev.Type {
			case pairing.EventRevoked:
				reason := ev.Reason
				if reason == "" {
					reason = pairing.CodeSessionRevoked
				}
				c.endSession(gen, &pairing.Error{Code: reason, Message: "the session ended"})
				return
			case pairing.EventError:
				if pairing.IsSessionEnd(codeOf(ev.Err)) {
					c.endSession(gen, ev.Err)
					return
				}
			}
		}
		if ctx.Err() != nil {
			return
		}
		if _, err := c.opts.Client.Session(ctx, creds); err != nil && pairing.IsSessionEnd(codeOf(err)) {
			c.endSession(gen, err)
			return
		}
		wait, _ := c.retry.backoff(pause, nil, c.opts.Now())
		if c.retry.Sleep(ctx, wait) != nil {
			return
		}
	}
}

// endSession returns to the sign-in form because session gen ended for the
// reason in err, and deletes the stored token.
func (c *Core) endSession(gen uint64, err error) {
	c.mu.Lock()
	if gen != c.sessionGen || c.state.Phase != PhaseSignedIn {
		c.mu.Unlock()
		return
	}
	c.stopSessionLocked()
	c.cancelOpLocked()
	p := c.problemLocked(err)
	email := c.state.Email
	c.creds = pairing.Credentials{}
	c.state.Phase, c.state.Busy, c.state.Session = PhaseSignedOut, false, nil
	c.state.Storage, c.state.Ended, c.state.Problem = StorageNone, p.Code, p
	c.retryFn = nil
	c.publishLocked()
	c.mu.Unlock()

	if c.opts.Sessions == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.life), backgroundTimeout)
	defer cancel()
	if c.opts.Sessions.Delete(ctx, c.server, email) == nil {
		c.mu.Lock()
		if c.storedEmail == email {
			c.storedEmail = ""
		}
		c.mu.Unlock()
	}
	// A failed delete leaves a token the server already refuses; the next
	// start meets the same answer and deletes it then.
}
