package app

import (
	"context"
	"strings"

	"github.com/linkdesk/linkdesk/pairing"
)

// SignIn sends the e-mail and password and, on success, moves to
// PhaseVerifying and follows the pending login (QR rotations, approval on the
// phone). keepSignedIn chooses whether the token will be kept in the
// keychain. It returns when the server answered or the call was cancelled.
// Only allowed on the sign-in form (PhaseSignedOut, or PhaseStarting when
// Restore was never called) and when nothing is under way.
func (c *Core) SignIn(ctx context.Context, email, password string, keepSignedIn bool) {
	email = strings.TrimSpace(email)
	c.mu.Lock()
	idle := c.state.Phase == PhaseSignedOut || c.state.Phase == PhaseStarting
	if c.closed || !idle || c.state.Busy {
		c.mu.Unlock()
		return
	}
	c.retryFn = nil
	c.state.Email, c.state.KeepSignedIn, c.state.Ended = email, keepSignedIn, ""
	if err := c.checkSignInLocked(email, password); err != nil {
		c.state.Problem = c.problemLocked(err)
		c.publishLocked()
		c.mu.Unlock()
		return
	}
	c.tried.SignIns++
	c.keep = keepSignedIn
	opCtx, seq := c.beginOpLocked(ctx)
	c.state.Phase, c.state.Busy, c.state.Problem = PhaseSubmitting, true, nil
	c.publishLocked()
	c.mu.Unlock()

	req := pairing.LoginRequest{Email: email, Password: password, Device: c.opts.Device.Pairing()}
	pl, err := withRetries(opCtx, c, func(ctx context.Context) (*pairing.PendingLogin, error) {
		return c.opts.Client.StartLogin(ctx, req)
	})
	cancelled := opCtx.Err() != nil // read before endOpLocked releases the context

	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.endOpLocked(seq) {
		if err == nil {
			// Cancelled while the answer was on its way: do not leave it pending.
			c.cancelLoginInBackground(pl.LoginID)
		}
		return
	}
	switch {
	case err == nil:
		c.state.Phase, c.state.Method, c.state.Login = PhaseVerifying, MethodCode, pl
		c.followLoginLocked(pl.LoginID)
	case cancelled:
		c.state.Phase = PhaseSignedOut
	default:
		if codeOf(err) == pairing.CodeInvalidCredentials {
			c.tried.WrongPasswords++
		}
		c.state.Phase = PhaseSignedOut
		c.state.Problem = c.problemLocked(err)
		// The password stays in this closure, in memory only, until the
		// Problem is dismissed or replaced.
		c.setRetryLocked(c.state.Problem, func(ctx context.Context) { c.SignIn(ctx, email, password, keepSignedIn) })
	}
	c.publishLocked()
}

// checkSignInLocked refuses a sign-in that must not reach the server.
func (c *Core) checkSignInLocked(email, password string) error {
	switch {
	case email == "":
		return ErrEmailRequired
	case password == "":
		return ErrPasswordEmpty
	}
	return nil
}

// SubmitCode sends the code shown on the phone. What a person typed or pasted
// is normalised first; a wrong format is a Problem without a server call.
// A right code signs in; a wrong one leaves the person verifying with the
// tries left, until the server ends the pending login.
func (c *Core) SubmitCode(ctx context.Context, code string) {
	c.mu.Lock()
	if c.closed || c.completing || c.state.Phase != PhaseVerifying || c.state.Login == nil {
		c.mu.Unlock()
		return
	}
	c.retryFn = nil
	length := c.state.Login.Code.Length
	if length <= 0 {
		length = pairing.DefaultCodeLength
	}
	norm, err := pairing.NormalizeCode(code, length)
	if err != nil {
		p := c.problemLocked(err)
		p.Params[ParamLength] = length
		c.state.Problem = p
		c.publishLocked()
		c.mu.Unlock()
		return
	}
	c.tried.CodesSubmitted++
	loginID := c.state.Login.LoginID
	opCtx, seq := c.beginOpLocked(ctx)
	c.state.Busy, c.state.Problem = true, nil
	c.publishLocked()
	c.mu.Unlock()

	g, err := withRetries(opCtx, c, func(ctx context.Context) (*pairing.Grant, error) {
		return c.opts.Client.SubmitCode(ctx, loginID, norm)
	})
	cancelled := opCtx.Err() != nil

	c.mu.Lock()
	if !c.endOpLocked(seq) {
		c.mu.Unlock()
		return
	}
	if err == nil {
		c.mu.Unlock()
		c.completeSignIn(loginID, g)
		return
	}
	defer c.mu.Unlock()
	if !cancelled {
		if codeOf(err) == pairing.CodeInvalidCode {
			c.tried.WrongCodes++
		}
		c.loginFailedLocked(err, func(ctx context.Context) { c.SubmitCode(ctx, norm) })
	}
	c.applyLoginEndLocked()
	c.publishLocked()
}

// RenewCode asks the server for a new code ("Get a new code"); the phone
// shows it at once.
func (c *Core) RenewCode(ctx context.Context) {
	c.mu.Lock()
	if c.closed || c.completing || c.state.Phase != PhaseVerifying || c.state.Login == nil {
		c.mu.Unlock()
		return
	}
	c.retryFn = nil
	loginID := c.state.Login.LoginID
	opCtx, seq := c.beginOpLocked(ctx)
	c.state.Busy, c.state.Problem = true, nil
	c.publishLocked()
	c.mu.Unlock()

	info, err := withRetries(opCtx, c, func(ctx context.Context) (*pairing.CodeInfo, error) {
		return c.opts.Client.RenewCode(ctx, loginID)
	})
	cancelled := opCtx.Err() != nil

	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.endOpLocked(seq) {
		return
	}
	switch {
	case err == nil:
		c.tried.NewCodes++
		if c.state.Login != nil && c.state.Login.LoginID == loginID {
			l := *c.state.Login
			l.Code = *info
			c.state.Login = &l
		}
	case !cancelled:
		c.loginFailedLocked(err, c.RenewCode)
	}
	c.applyLoginEndLocked()
	c.publishLocked()
}

// loginFailedLocked shows err while verifying. Errors that end the pending
// login (expired, declined, gone, out of code tries) go back to the sign-in
// form; the others leave the person verifying. c.mu is held.
func (c *Core) loginFailedLocked(err error, retry func(context.Context)) {
	p := c.problemLocked(err)
	c.state.Problem = p
	if loginEnded(p) {
		c.stopLoginLocked()
		c.state.Phase, c.state.Login, c.loginEnd = PhaseSignedOut, nil, nil
		return
	}
	c.setRetryLocked(p, retry)
}

// applyLoginEndLocked shows an end of the pending login that its stream
// reported while a call was under way, unless the call's own answer already
// ended it (the 5th wrong code both answers and ends the stream; the answer
// says more). A stream that only stopped leaves the person verifying, and
// Retry follows it again, as when it stops with no call under way. c.mu is held.
func (c *Core) applyLoginEndLocked() {
	end := c.loginEnd
	c.loginEnd = nil
	if end != nil && c.state.Phase == PhaseVerifying && !c.completing && c.state.Login != nil {
		loginID := c.state.Login.LoginID
		c.loginFailedLocked(end, func(context.Context) { c.resumeLogin(loginID) })
	}
}

// loginEnded reports whether p means the pending login is over.
func loginEnded(p *Problem) bool {
	switch p.Code {
	case pairing.CodeLoginExpired, pairing.CodeLoginNotFound, pairing.CodeLoginDeclined:
		return true
	case pairing.CodeInvalidCode:
		return p.AttemptsLeft == 0
	}
	return false
}

// UseMethod switches between the code and the QR tab. Switching to a QR code
// that has already expired asks the server for a fresh one.
func (c *Core) UseMethod(m Method) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.state.Method == m {
		return
	}
	c.state.Method = m
	c.tried.MethodSwitches++
	if l := c.state.Login; m == MethodQR && c.state.Phase == PhaseVerifying && l != nil &&
		!l.QR.ExpiresAt.IsZero() && !c.opts.Now().Before(l.QR.ExpiresAt) {
		loginID := l.LoginID
		c.goBackgroundLocked(func(ctx context.Context) {
			qr, err := c.opts.Client.RotateQR(ctx, loginID)
			if err != nil {
				return // the event stream brings the next payload anyway
			}
			c.updateQR(loginID, *qr)
		})
	}
	c.publishLocked()
}

// updateQR shows a new QR payload of loginID if it is still the pending login.
func (c *Core) updateQR(loginID string, qr pairing.QRInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state.Phase != PhaseVerifying || c.state.Login == nil || c.state.Login.LoginID != loginID {
		return
	}
	l := *c.state.Login
	l.QR = qr
	c.state.Login = &l
	c.publishLocked()
}

// abandonLoginLocked stops following the pending login and cancels it on the
// server in the background. c.mu is held.
func (c *Core) abandonLoginLocked() {
	c.stopLoginLocked()
	if c.state.Login != nil {
		c.cancelLoginInBackground(c.state.Login.LoginID)
	}
	c.state.Login = nil
}

// cancelLoginInBackground deletes a pending login on the server. Failure is
// acceptable: an unreachable server lets it expire on its own. c.mu is held.
func (c *Core) cancelLoginInBackground(loginID string) {
	c.goBackgroundLocked(func(ctx context.Context) {
		_ = c.opts.Client.CancelLogin(ctx, loginID) // gone already or unreachable: nothing left to do
	})
}
