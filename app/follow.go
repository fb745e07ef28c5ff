package app

import (
	"context"

	"github.com/linkdesk/linkdesk/pairing"
)

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
