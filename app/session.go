package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/linkdesk/linkdesk/pairing"
)

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
func (c *Core) Restore(ctx context.Context) {
	c.mu.Lock()
	if c.closed || (c.state.Phase != PhaseStarting && c.state.Phase != PhaseSignedOut) || c.state.Busy {
		c.mu.Unlock()
		return
	}
	c.retryFn = nil
	c.tried.Restores++
	opCtx, seq := c.beginOpLocked(ctx)
	c.state.Phase, c.state.Busy, c.state.Problem = PhaseStarting, true, nil
	email, keep := c.state.Email, c.state.KeepSignedIn
	c.publishLocked()
	c.mu.Unlock()

	ss, err := c.loadSession(opCtx, email, keep)
	var sess *pairing.Session
	creds := pairing.Credentials{Token: ss.Token, Fingerprint: c.opts.Device.Fingerprint}
	if err == nil {
		sess, err = withRetries(opCtx, c, func(ctx context.Context) (*pairing.Session, error) {
			return c.opts.Client.Session(ctx, creds)
		})
	}
	cancelled := opCtx.Err() != nil
	ended := err != nil && (pairing.IsSessionEnd(codeOf(err)) || errors.Is(err, ErrCorrupt))
	if ended && c.opts.Sessions != nil {
		// A token that no longer works is worth nothing: forget it. If the
		// keychain refuses, the next start meets the same answer and tries again.
		_ = c.opts.Sessions.Delete(context.WithoutCancel(opCtx), c.server, email)
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.endOpLocked(seq) {
		return
	}
	c.state.Phase = PhaseSignedOut
	switch {
	case err == nil:
		c.signedInLocked(creds, sess, StorageKeychain)
		c.storedEmail = email
	case errors.Is(err, errNothingStored), cancelled:
		// Nothing to restore, or the person cancelled: the sign-in form.
	case ended:
		c.storedEmail = ""
		c.state.Problem = c.problemLocked(err)
		if pairing.IsSessionEnd(c.state.Problem.Code) {
			c.state.Ended = c.state.Problem.Code
		}
	default:
		c.state.Problem = c.problemLocked(err)
		c.setRetryLocked(c.state.Problem, c.Restore)
	}
	c.publishLocked()
}

// errNothingStored says there is no session to restore; never shown.
var errNothingStored = errors.New("no stored session")

// loadSession returns the stored session of email, or errNothingStored.
func (c *Core) loadSession(ctx context.Context, email string, keep bool) (StoredSession, error) {
	if email == "" || c.opts.Sessions == nil {
		return StoredSession{}, errNothingStored
	}
	if !keep {
		// Keep-signed-in was turned off: nothing may be left in the keychain.
		_ = c.opts.Sessions.Delete(ctx, c.server, email) // best effort; nothing to restore either way
		return StoredSession{}, errNothingStored
	}
	ss, err := c.opts.Sessions.Load(ctx, c.server, email)
	if errors.Is(err, ErrNotFound) {
		return StoredSession{}, errNothingStored
	}
	return ss, err
}

// completeSignIn finishes a sign-in approved by the phone or by the right
// code: it keeps the token where the person chose and goes to PhaseSignedIn.
func (c *Core) completeSignIn(loginID string, g *pairing.Grant) {
	c.mu.Lock()
	if c.closed || c.completing || c.state.Phase != PhaseVerifying || c.state.Login == nil || c.state.Login.LoginID != loginID {
		// Finished already (the approval and the code at once, or a replayed
		// approval: same session), or cancelled just before: then nobody
		// wants this session.
		finished := c.completing || (c.state.Session != nil && c.state.Session.ID == g.Session.ID)
		if !finished {
			c.discardSessionInBackground("", pairing.Credentials{Token: g.Token, Fingerprint: c.opts.Device.Fingerprint})
		}
		c.mu.Unlock()
		return
	}
	c.completing = true
	c.stopLoginLocked()
	opCtx, seq := c.beginOpLocked(c.life)
	c.state.Busy, c.state.Problem = true, nil
	email, keep, oldEmail := c.state.Email, c.keep, c.storedEmail
	c.publishLocked()
	c.mu.Unlock()

	creds := pairing.Credentials{Token: g.Token, Fingerprint: c.opts.Device.Fingerprint}
	storage, saveErr := c.saveSession(opCtx, email, keep, g)
	settingsErr := c.rememberAccount(email, keep)
	if oldEmail != "" && oldEmail != email && c.opts.Sessions != nil {
		// One stored account at a time: the settings no longer point at the old one.
		_ = c.opts.Sessions.Delete(opCtx, c.server, oldEmail) // best effort; its token is already replaced on this desktop
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	c.completing = false
	if !c.endOpLocked(seq) {
		// Cancelled or closed while saving: nobody wants this session.
		c.discardSessionInBackground(email, creds)
		return
	}
	c.signedInLocked(creds, &g.Session, storage)
	c.tried = attempts{}
	if storage == StorageKeychain {
		c.storedEmail = email
	} else if keep {
		c.storedEmail = ""
	}
	switch {
	case saveErr != nil:
		c.state.Problem = c.problemLocked(saveErr)
		c.setRetryLocked(c.state.Problem, func(ctx context.Context) { c.saveAgain(ctx, g) })
	case settingsErr != nil:
		c.state.Problem = c.problemLocked(settingsErr)
	}
	c.publishLocked()
}

// signedInLocked enters PhaseSignedIn and follows the session. c.mu is held.
func (c *Core) signedInLocked(creds pairing.Credentials, s *pairing.Session, storage TokenStorage) {
	c.creds = creds
	c.state.Phase, c.state.Session, c.state.Login = PhaseSignedIn, s, nil
	c.state.Storage, c.state.Ended, c.state.Problem = storage, "", nil
	c.followSessionLocked()
}

// saveSession keeps the token as the person chose and says where it went.
func (c *Core) saveSession(ctx context.Context, email string, keep bool, g *pairing.Grant) (TokenStorage, error) {
	store := c.opts.Sessions
	switch {
	case !keep:
		if store != nil {
			// An earlier "keep" of this account must not outlive this choice.
			_ = store.Delete(ctx, c.server, email) // best effort; an absent keychain holds nothing
		}
		return StorageMemoryByChoice, nil
	case store == nil:
		return StorageMemoryNoKeychain, ErrUnavailable
	}
	err := store.Save(ctx, c.server, StoredSession{
		Token: g.Token, SessionID: g.Session.ID, DeviceID: c.opts.Device.ID,
		Email: email, IssuedAt: g.Session.CreatedAt,
	})
	if err != nil {
		return StorageMemoryNoKeychain, err
	}
	return StorageKeychain, nil
}

// saveAgain retries keeping the token of g after a locked or slow keychain.
func (c *Core) saveAgain(ctx context.Context, g *pairing.Grant) {
	c.mu.Lock()
	if c.closed || c.state.Phase != PhaseSignedIn || c.state.Session == nil || c.state.Session.ID != g.Session.ID {
		c.mu.Unlock()
		return
	}
	email := c.state.Email
	c.state.Busy, c.state.Problem = true, nil
	c.publishLocked()
	c.mu.Unlock()

	storage, err := c.saveSession(ctx, email, true, g)

	c.mu.Lock()
	defer c.mu.Unlock()
	c.state.Busy = false
	if c.state.Phase == PhaseSignedIn && c.state.Session != nil && c.state.Session.ID == g.Session.ID {
		c.state.Storage = storage
		if err == nil {
			c.storedEmail = email
		}
		c.state.Problem = c.problemLocked(err)
		c.setRetryLocked(c.state.Problem, func(ctx context.Context) { c.saveAgain(ctx, g) })
	} else if err == nil {
		// The session ended while it was being stored: take it out again,
		// unless a newer sign-in has replaced the item meanwhile.
		c.goBackgroundLocked(func(ctx context.Context) {
			if ss, err := c.opts.Sessions.Load(ctx, c.server, email); err == nil && ss.SessionID == g.Session.ID {
				_ = c.opts.Sessions.Delete(ctx, c.server, email) // best effort: the server refuses the token anyway
			}
		})
	}
	c.publishLocked()
}

// rememberAccount writes the e-mail and keep choice of a completed sign-in.
func (c *Core) rememberAccount(email string, keep bool) error {
	s := c.opts.Settings
	if s == nil {
		return nil
	}
	if err := errors.Join(s.SetLastEmail(email), s.SetKeepSignedIn(keep)); err != nil {
		return fmt.Errorf("%w: %w", ErrSettings, err)
	}
	return nil
}

// discardSessionInBackground ends an unwanted session on the server and
// forgets what the keychain holds for email (if any). After Close it does nothing:
// a session approved as the app quit may then be restored at the next start.
// c.mu is held.
func (c *Core) discardSessionInBackground(email string, creds pairing.Credentials) {
	c.goBackgroundLocked(func(ctx context.Context) {
		if creds.Token != "" {
			_ = c.opts.Client.SignOut(ctx, creds) // unreachable: the session expires on its own
		}
		if email != "" && c.opts.Sessions != nil {
			_ = c.opts.Sessions.Delete(ctx, c.server, email) // best effort, as above
		}
	})
}

// SignOut ends the session on the server and deletes the keychain entry. The
// entry is deleted first and even when the server cannot be reached; the
// person is then told the server was not reached (CodeSignedOutOffline).
func (c *Core) SignOut(ctx context.Context) {
	c.mu.Lock()
	if c.closed || c.state.Phase != PhaseSignedIn || c.state.Busy {
		c.mu.Unlock()
		return
	}
	creds, email := c.creds, c.state.Email
	c.stopSessionLocked()
	c.cancelOpLocked()
	c.retryFn = nil
	c.state.Busy, c.state.Problem = true, nil
	c.publishLocked()
	c.mu.Unlock()

	var kcErr error
	if c.opts.Sessions != nil {
		kcErr = c.opts.Sessions.Delete(context.WithoutCancel(ctx), c.server, email)
	}
	srvErr := c.opts.Client.SignOut(ctx, creds)

	c.mu.Lock()
	defer c.mu.Unlock()
	c.creds = pairing.Credentials{}
	c.state.Phase, c.state.Busy, c.state.Session = PhaseSignedOut, false, nil
	c.state.Storage, c.state.Ended = StorageNone, ""
	switch {
	case kcErr != nil:
		c.state.Problem = c.problemLocked(kcErr)
		c.setRetryLocked(c.state.Problem, func(ctx context.Context) { c.forget(ctx, email) })
	case srvErr != nil && !pairing.IsSessionEnd(codeOf(srvErr)):
		c.state.Problem = c.problemLocked(fmt.Errorf("%w: %w", ErrSignOutOffline, srvErr))
	}
	if kcErr == nil && c.storedEmail == email {
		c.storedEmail = ""
	}
	c.publishLocked()
}

// forget deletes the keychain entry of email after a failed attempt.
func (c *Core) forget(ctx context.Context, email string) {
	if c.opts.Sessions == nil {
		return
	}
	err := c.opts.Sessions.Delete(ctx, c.server, email)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.state.Problem = c.problemLocked(err)
	c.setRetryLocked(c.state.Problem, func(ctx context.Context) { c.forget(ctx, email) })
	if err == nil && c.storedEmail == email {
		c.storedEmail = ""
	}
	c.publishLocked()
}
