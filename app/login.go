package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/linkdesk/linkdesk/pairing"
)

// pendingLogin owns one sign-in from the password to the grant: it sends
// the password, follows the pending login's events (QR rotations, the
// phone's scan with its check number, approval, decline, expiry), sends the
// code, and hands the grant to the session keeper. State.Login is its view
// of the pending login.
type pendingLogin struct {
	r      *runner
	client *pairing.Client
	device DeviceIdentity
	keeper *sessionKeeper

	// Guarded by the runner.
	events     follower
	keep       bool  // keep-signed-in choice of the sign-in under way
	completing bool  // the grant is being stored
	streamEnd  error // the stream ended the login while a step was under way
}

// signIn sends the e-mail and password; see Core.SignIn.
func (l *pendingLogin) signIn(ctx context.Context, email, password string, keep bool) {
	email = strings.TrimSpace(email)
	var pl *pairing.PendingLogin
	var err error
	l.r.run(ctx, step{
		begin: func(st *State) error {
			if (st.Phase != PhaseSignedOut && st.Phase != PhaseStarting) || st.Busy {
				return errRefused
			}
			st.Email, st.KeepSignedIn, st.Ended = email, keep, ""
			switch {
			case email == "":
				return ErrEmailRequired
			case password == "":
				return ErrPasswordEmpty
			}
			l.r.tried.SignIns++
			l.keep = keep
			st.Phase = PhaseSubmitting
			return nil
		},
		call: func(ctx context.Context) {
			req := pairing.LoginRequest{Email: email, Password: password, Device: l.device.Pairing()}
			pl, err = withRetries(ctx, l.r, func(ctx context.Context) (*pairing.PendingLogin, error) {
				return l.client.StartLogin(ctx, req)
			})
		},
		finish: func(st *State, cancelled bool) func() {
			st.Phase = PhaseSignedOut
			switch {
			case err == nil:
				st.Phase, st.Method, st.Login = PhaseVerifying, MethodCode, loginView(pl)
				l.followLocked(pl.LoginID)
			case cancelled:
			default:
				if codeOf(err) == pairing.CodeInvalidCredentials {
					l.r.tried.WrongPasswords++
				}
				// The password stays in this closure, in memory only, until
				// the Problem is dismissed or replaced.
				l.r.failLocked(err, func(ctx context.Context) { l.signIn(ctx, email, password, keep) })
			}
			return nil
		},
		dropped: func() {
			if err == nil {
				// Cancelled while the answer was on its way: do not leave it pending.
				l.cancelOnServerLocked(pl.LoginID)
			}
		},
	})
}

// verifying reports whether st shows a pending login that takes steps now.
func (l *pendingLogin) verifying(st *State) bool {
	return st.Phase == PhaseVerifying && st.Login != nil && !l.completing
}

// shownLogin is the ID of the pending login a step acts on: the one st
// shows, or errRefused when it takes no steps now.
func (l *pendingLogin) shownLogin(st *State) (string, error) {
	if !l.verifying(st) {
		return "", errRefused
	}
	return st.Login.ID, nil
}

// submitCode sends the code typed from the phone; see Core.SubmitCode.
func (l *pendingLogin) submitCode(ctx context.Context, code string) {
	var loginID, digits string
	var g *pairing.Grant
	var err error
	l.r.run(ctx, step{
		begin: func(st *State) error {
			var berr error
			if loginID, berr = l.shownLogin(st); berr != nil {
				return berr
			}
			if digits, berr = pairing.NormalizeCode(code, st.Login.CodeLength); berr != nil {
				return &CodeFormatError{Length: st.Login.CodeLength, Err: berr}
			}
			l.r.tried.CodesSubmitted++
			return nil
		},
		call: func(ctx context.Context) {
			g, err = withRetries(ctx, l.r, func(ctx context.Context) (*pairing.Grant, error) {
				return l.client.SubmitCode(ctx, loginID, digits)
			})
		},
		finish: func(st *State, cancelled bool) func() {
			if err == nil {
				return func() { l.complete(loginID, g) }
			}
			if !cancelled {
				if codeOf(err) == pairing.CodeInvalidCode {
					l.r.tried.WrongCodes++
				}
				l.failLocked(st, err, func(ctx context.Context) { l.submitCode(ctx, digits) })
			}
			l.applyStreamEndLocked(st)
			return nil
		},
	})
}

// renewCode asks for a new code; see Core.RenewCode.
func (l *pendingLogin) renewCode(ctx context.Context) {
	var loginID string
	var info *pairing.CodeInfo
	var err error
	l.r.run(ctx, step{
		begin: func(st *State) (berr error) {
			loginID, berr = l.shownLogin(st)
			return berr
		},
		call: func(ctx context.Context) {
			info, err = withRetries(ctx, l.r, func(ctx context.Context) (*pairing.CodeInfo, error) {
				return l.client.RenewCode(ctx, loginID)
			})
		},
		finish: func(st *State, cancelled bool) func() {
			switch {
			case err == nil:
				l.r.tried.NewCodes++
				if st.Login != nil && st.Login.ID == loginID {
					st.Login.setCode(*info)
				}
			case !cancelled:
				l.failLocked(st, err, l.renewCode)
			}
			l.applyStreamEndLocked(st)
			return nil
		},
	})
}

// failLocked shows err while verifying. Errors that end the pending login
// (expired, declined, gone, out of code tries) go back to the sign-in form;
// the others leave the person verifying.
func (l *pendingLogin) failLocked(st *State, err error, retry func(context.Context)) {
	l.r.failLocked(err, retry)
	if loginEnded(st.Problem) {
		l.r.retryFn = nil
		l.events.stopLocked()
		st.Phase, st.Login, l.streamEnd = PhaseSignedOut, nil, nil
	}
}

// applyStreamEndLocked shows an end of the pending login that its stream
// reported while a step was under way, unless the step's own answer already
// ended it (the 5th wrong code both answers and ends the stream; the answer
// says more). A stream that only stopped leaves the person verifying, and
// Retry follows it again, as when it stops with no step under way.
func (l *pendingLogin) applyStreamEndLocked(st *State) {
	end := l.streamEnd
	l.streamEnd = nil
	if end != nil && l.verifying(st) {
		loginID := st.Login.ID
		l.failLocked(st, end, func(context.Context) { l.resume(loginID) })
	}
}

// loginEnded reports whether p means the pending login is over.
func loginEnded(p *Problem) bool {
	switch p.Code {
	case pairing.CodeLoginExpired, pairing.CodeLoginNotFound, pairing.CodeLoginDeclined, pairing.CodeWrongCheck:
		return true
	case pairing.CodeInvalidCode:
		return p.AttemptsLeft == 0
	}
	return false
}

// useMethod switches between the code and the QR tab; see Core.UseMethod.
func (l *pendingLogin) useMethod(m Method) {
	l.r.update(func(st *State) bool {
		if st.Method == m {
			return false
		}
		st.Method = m
		l.r.tried.MethodSwitches++
		if lv := st.Login; m == MethodQR && st.Phase == PhaseVerifying && lv != nil && !lv.Scanned &&
			!lv.QRExpiresAt.IsZero() && !l.r.now().Before(lv.QRExpiresAt) {
			loginID := lv.ID
			l.r.goLocked(func(ctx context.Context) {
				qr, err := l.client.RotateQR(ctx, loginID)
				if err != nil {
					return // the event stream brings the next payload anyway
				}
				l.showQR(loginID, *qr)
			})
		}
		return true
	})
}

// showQR shows a new QR payload of loginID if it is still the pending login.
func (l *pendingLogin) showQR(loginID string, qr pairing.QRInfo) {
	l.r.update(func(st *State) bool {
		if st.Phase != PhaseVerifying || st.Login == nil || st.Login.ID != loginID {
			return false
		}
		st.Login.setQR(qr)
		return true
	})
}

// abandonLocked stops following the pending login and cancels it on the
// server in the background.
func (l *pendingLogin) abandonLocked(st *State) {
	l.events.stopLocked()
	if st.Login != nil {
		l.cancelOnServerLocked(st.Login.ID)
	}
	st.Login = nil
}

// cancelOnServerLocked deletes a pending login on the server. Failure is
// acceptable: an unreachable server lets it expire on its own.
func (l *pendingLogin) cancelOnServerLocked(loginID string) {
	l.r.goLocked(func(ctx context.Context) {
		_ = l.client.CancelLogin(ctx, loginID) // gone already or unreachable: nothing left to do
	})
}

// followLocked follows loginID's events until the pending login ends.
func (l *pendingLogin) followLocked(loginID string) {
	l.streamEnd = nil
	l.r.followLocked(&l.events, func(ctx context.Context, gen uint64) {
		for ev := range l.client.LoginEvents(ctx, loginID) {
			if l.onEvent(gen, loginID, ev) {
				return
			}
		}
		if ctx.Err() == nil {
			l.onEvent(gen, loginID, pairing.LoginEvent{Type: pairing.EventError,
				Err: &pairing.Error{Code: pairing.CodeStreamEnded, Err: errLoginStream}})
		}
	})
}

// onEvent handles one event of follower gen of loginID's stream and
// reports whether the stream is done with.
func (l *pendingLogin) onEvent(gen uint64, loginID string, ev pairing.LoginEvent) (done bool) {
	if ev.Type == pairing.EventApproved && ev.Grant != nil {
		// An approval is real even from a replaced follower.
		l.complete(loginID, ev.Grant)
		return true
	}
	done = true
	l.r.update(func(st *State) bool {
		if !l.events.current(gen) || st.Phase != PhaseVerifying || st.Login == nil || st.Login.ID != loginID {
			return false
		}
		var err error
		switch ev.Type {
		case pairing.EventQR:
			done = false
			if ev.QR == nil || st.Login.Scanned { // a rotation that crossed the scan: the number stays
				return false
			}
			st.Login.setQR(*ev.QR)
			return true
		case pairing.EventScanned:
			done = false
			// Show the number wherever the person is: the phone now waits for it.
			st.Login.setScanned(ev.Check)
			st.Method = MethodQR
			return true
		case pairing.EventDeclined:
			err = declineError(ev.Reason)
			if ev.Reason == pairing.DeclinedWrongCheck {
				l.r.tried.WrongChecks++
			}
		case pairing.EventExpired:
			err = &pairing.Error{Code: pairing.CodeLoginExpired, Message: "the pending login expired"}
		case pairing.EventError:
			err = ev.Err
		default:
			done = false // an event this version does not know: ignore it
			return false
		}
		if err == nil {
			err = &pairing.Error{Code: pairing.CodeStreamEnded, Err: fmt.Errorf("%s event: %w", ev.Type, errLoginStream)}
		}
		l.events.stopLocked()
		if l.r.busyLocked() {
			// A code or renewal is under way; its answer comes first (see applyStreamEndLocked).
			l.streamEnd = err
			return false
		}
		// When the stream failed but the code still works, the person keeps
		// verifying and Retry follows the events again.
		l.failLocked(st, err, func(context.Context) { l.resume(loginID) })
		return true
	})
	return done
}

// declineError is the Problem's error for a decline with this reason.
func declineError(reason string) error {
	if reason == pairing.DeclinedWrongCheck {
		return &pairing.Error{Code: pairing.CodeWrongCheck, Message: "the phone picked another number than this computer shows"}
	}
	return &pairing.Error{Code: pairing.CodeLoginDeclined, Message: "declined on the phone"}
}

// resume follows loginID's events again after a stream failure.
func (l *pendingLogin) resume(loginID string) {
	l.r.update(func(st *State) bool {
		if st.Phase != PhaseVerifying || st.Login == nil || st.Login.ID != loginID {
			return false
		}
		st.Problem = nil
		l.followLocked(loginID)
		return true
	})
}

// complete finishes a sign-in approved by the phone or by the right code:
// the keeper keeps the token where the person chose, and the Core goes to
// PhaseSignedIn.
func (l *pendingLogin) complete(loginID string, g *pairing.Grant) {
	k := l.keeper
	var email, oldEmail string
	var keep bool
	var kept keptSession
	l.r.run(nil, step{
		begin: func(st *State) error {
			if !l.verifying(st) || st.Login.ID != loginID {
				// Finished already (the approval and the code at once, or a
				// replayed approval: same session), or cancelled just
				// before: then nobody wants this session.
				finished := l.completing || (st.Session != nil && st.Session.ID == g.Session.ID)
				if !finished {
					k.discardLocked("", g.Token)
				}
				return errRefused
			}
			l.completing = true
			l.events.stopLocked()
			email, keep, oldEmail = st.Email, l.keep, k.storedEmail
			return nil
		},
		call: func(ctx context.Context) { kept = k.keep(ctx, email, keep, oldEmail, g) },
		finish: func(st *State, _ bool) func() {
			l.completing = false
			k.adoptLocked(st, email, keep, g, kept)
			l.r.tried = attempts{}
			return nil
		},
		dropped: func() {
			l.completing = false
			// Cancelled or closed while storing: nobody wants this session.
			k.discardLocked(email, g.Token)
		},
	})
}
