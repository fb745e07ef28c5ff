package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/linkdesk/linkdesk/pairing"
)

// sessionKeeper owns this computer's session: it restores the stored one at
// start, keeps a new one in the keychain, follows the session's events so an
// end is shown at once, and signs out. State.Session is its view.
type sessionKeeper struct {
	r        *runner
	client   *pairing.Client
	store    *SessionStore // nil: tokens live in memory only
	settings *Settings     // nil: nothing is remembered
	device   DeviceIdentity
	server   string

	// Guarded by the runner.
	events      follower
	creds       pairing.Credentials // of the session signed in
	storedEmail string              // account whose entry is believed to be in the keychain
}

// credentials pairs token with this computer's fingerprint.
func (k *sessionKeeper) credentials(token string) pairing.Credentials {
	return pairing.Credentials{Token: token, Fingerprint: k.device.Fingerprint}
}

// restore checks the stored session with the server; see Core.Restore.
func (k *sessionKeeper) restore(ctx context.Context) {
	var email string
	var keep bool
	var creds pairing.Credentials
	var sess *pairing.Session
	var err error
	k.r.run(ctx, step{
		begin: func(st *State) error {
			if (st.Phase != PhaseStarting && st.Phase != PhaseSignedOut) || st.Busy {
				return errRefused
			}
			k.r.tried.Restores++
			st.Phase = PhaseStarting
			email, keep = st.Email, st.KeepSignedIn
			return nil
		},
		call: func(ctx context.Context) {
			var ss StoredSession
			ss, err = k.load(ctx, email, keep)
			creds = k.credentials(ss.Token)
			if err == nil {
				sess, err = withRetries(ctx, k.r, func(ctx context.Context) (*pairing.Session, error) {
					return k.client.Session(ctx, creds)
				})
			}
			if k.endedForGood(err) && k.store != nil {
				// A token that no longer works is worth nothing: forget it. If the
				// keychain refuses, the next start meets the same answer and tries again.
				_ = k.store.Delete(context.WithoutCancel(ctx), k.server, email)
			}
		},
		finish: func(st *State, cancelled bool) func() {
			st.Phase = PhaseSignedOut
			switch {
			case err == nil:
				k.signedInLocked(st, creds, sess, StorageKeychain)
				k.storedEmail = email
			case errors.Is(err, errNothingStored), cancelled:
				// Nothing to restore, or the person cancelled: the sign-in form.
			case k.endedForGood(err):
				k.storedEmail = ""
				k.r.failLocked(err, nil)
				if pairing.IsSessionEnd(st.Problem.Code) {
					st.Ended = st.Problem.Code
				}
			default:
				k.r.failLocked(err, k.restore)
			}
			return nil
		},
	})
}

// endedForGood reports whether err means the stored session will never work
// again: the server ended it, or the keychain holds something unreadable.
func (k *sessionKeeper) endedForGood(err error) bool {
	return err != nil && (pairing.IsSessionEnd(codeOf(err)) || errors.Is(err, ErrCorrupt))
}

// load returns the stored session of email, or errNothingStored.
func (k *sessionKeeper) load(ctx context.Context, email string, keep bool) (StoredSession, error) {
	if email == "" || k.store == nil {
		return StoredSession{}, errNothingStored
	}
	if !keep {
		// Keep-signed-in was turned off: nothing may be left in the keychain.
		_ = k.store.Delete(ctx, k.server, email) // best effort; nothing to restore either way
		return StoredSession{}, errNothingStored
	}
	ss, err := k.store.Load(ctx, k.server, email)
	if errors.Is(err, ErrNotFound) {
		return StoredSession{}, errNothingStored
	}
	return ss, err
}

// keptSession is where a new session's token went, and what failed on the way.
type keptSession struct {
	storage     TokenStorage
	saveErr     error // the keychain refused: the token is in memory only
	settingsErr error // the e-mail and choice could not be remembered
}

// keep stores the token of g as the person chose and remembers the account;
// one stored account at a time, so oldEmail's entry goes.
func (k *sessionKeeper) keep(ctx context.Context, email string, keep bool, oldEmail string, g *pairing.Grant) keptSession {
	var kept keptSession
	kept.storage, kept.saveErr = k.save(ctx, email, keep, g)
	kept.settingsErr = k.rememberAccount(email, keep)
	if oldEmail != "" && oldEmail != email && k.store != nil {
		_ = k.store.Delete(ctx, k.server, oldEmail) // best effort; its token is already replaced on this desktop
	}
	return kept
}

// adoptLocked enters PhaseSignedIn with the session of g, kept as kept says.
func (k *sessionKeeper) adoptLocked(st *State, email string, keep bool, g *pairing.Grant, kept keptSession) {
	k.signedInLocked(st, k.credentials(g.Token), &g.Session, kept.storage)
	if kept.storage == StorageKeychain {
		k.storedEmail = email
	} else if keep {
		k.storedEmail = ""
	}
	switch {
	case kept.saveErr != nil:
		k.r.failLocked(kept.saveErr, func(ctx context.Context) { k.saveAgain(ctx, g) })
	case kept.settingsErr != nil:
		k.r.failLocked(kept.settingsErr, nil)
	}
}

// signedInLocked enters PhaseSignedIn and follows the session.
func (k *sessionKeeper) signedInLocked(st *State, creds pairing.Credentials, s *pairing.Session, storage TokenStorage) {
	k.creds = creds
	st.Phase, st.Session, st.Login = PhaseSignedIn, sessionView(s), nil
	st.Storage, st.Ended, st.Problem = storage, "", nil
	k.followLocked()
}

// save keeps the token of g as the person chose and says where it went.
func (k *sessionKeeper) save(ctx context.Context, email string, keep bool, g *pairing.Grant) (TokenStorage, error) {
	switch {
	case !keep:
		if k.store != nil {
			// An earlier "keep" of this account must not outlive this choice.
			_ = k.store.Delete(ctx, k.server, email) // best effort; an absent keychain holds nothing
		}
		return StorageMemoryByChoice, nil
	case k.store == nil:
		return StorageMemoryNoKeychain, ErrUnavailable
	}
	err := k.store.Save(ctx, k.server, StoredSession{
		Token: g.Token, SessionID: g.Session.ID, DeviceID: k.device.ID,
		Email: email, IssuedAt: g.Session.CreatedAt,
	})
	if err != nil {
		return StorageMemoryNoKeychain, err
	}
	return StorageKeychain, nil
}

// saveAgain retries keeping the token of g after a locked or slow keychain.
func (k *sessionKeeper) saveAgain(ctx context.Context, g *pairing.Grant) {
	var email string
	var storage TokenStorage
	var err error
	k.r.run(ctx, step{
		begin: func(st *State) error {
			if st.Phase != PhaseSignedIn || st.Session == nil || st.Session.ID != g.Session.ID || st.Busy {
				return errRefused
			}
			email = st.Email
			return nil
		},
		call: func(ctx context.Context) { storage, err = k.save(ctx, email, true, g) },
		finish: func(st *State, _ bool) func() {
			st.Storage = storage
			if err == nil {
				k.storedEmail = email
			}
			k.r.failLocked(err, func(ctx context.Context) { k.saveAgain(ctx, g) })
			return nil
		},
		dropped: func() {
			if err != nil {
				return
			}
			// The session ended while it was being stored: take it out again,
			// unless a newer sign-in has replaced the item meanwhile.
			k.r.goLocked(func(ctx context.Context) {
				if ss, err := k.store.Load(ctx, k.server, email); err == nil && ss.SessionID == g.Session.ID {
					_ = k.store.Delete(ctx, k.server, email) // best effort: the server refuses the token anyway
				}
			})
		},
	})
}

// rememberAccount writes the e-mail and keep choice of a completed sign-in.
func (k *sessionKeeper) rememberAccount(email string, keep bool) error {
	if k.settings == nil {
		return nil
	}
	if err := errors.Join(k.settings.SetLastEmail(email), k.settings.SetKeepSignedIn(keep)); err != nil {
		return fmt.Errorf("%w: %w", ErrSettings, err)
	}
	return nil
}

// discardLocked ends an unwanted session on the server and forgets what the
// keychain holds for email (if any). After close it does nothing: a session
// approved as the app quit may then be restored at the next start.
func (k *sessionKeeper) discardLocked(email, token string) {
	k.r.goLocked(func(ctx context.Context) {
		if token != "" {
			_ = k.client.SignOut(ctx, k.credentials(token)) // unreachable: the session expires on its own
		}
		if email != "" && k.store != nil {
			_ = k.store.Delete(ctx, k.server, email) // best effort, as above
		}
	})
}

// signOut ends the session on the server and deletes the keychain entry;
// see Core.SignOut.
func (k *sessionKeeper) signOut(ctx context.Context) {
	var creds pairing.Credentials
	var email string
	var kcErr, srvErr error
	k.r.run(ctx, step{
		begin: func(st *State) error {
			if st.Phase != PhaseSignedIn || st.Busy {
				return errRefused
			}
			creds, email = k.creds, st.Email
			k.events.stopLocked()
			return nil
		},
		call: func(ctx context.Context) {
			if k.store != nil {
				kcErr = k.store.Delete(context.WithoutCancel(ctx), k.server, email)
			}
			srvErr = k.client.SignOut(ctx, creds)
		},
		finish: func(st *State, _ bool) func() {
			k.signedOutLocked(st, "")
			switch {
			case kcErr != nil:
				k.r.failLocked(kcErr, func(ctx context.Context) { k.forget(ctx, email) })
			case srvErr != nil && !pairing.IsSessionEnd(codeOf(srvErr)):
				k.r.failLocked(fmt.Errorf("%w: %w", ErrSignOutOffline, srvErr), nil)
			}
			if kcErr == nil && k.storedEmail == email {
				k.storedEmail = ""
			}
			return nil
		},
	})
}

// signedOutLocked returns to the sign-in form; ended is the reason when the
// session ended on its own.
func (k *sessionKeeper) signedOutLocked(st *State, ended string) {
	k.events.stopLocked()
	k.creds = pairing.Credentials{}
	st.Phase, st.Busy, st.Session = PhaseSignedOut, false, nil
	st.Storage, st.Ended = StorageNone, ended
}

// forget deletes the keychain entry of email after a failed attempt.
func (k *sessionKeeper) forget(ctx context.Context, email string) {
	if k.store == nil {
		return
	}
	err := k.store.Delete(ctx, k.server, email)
	k.r.update(func(*State) bool {
		k.r.failLocked(err, func(ctx context.Context) { k.forget(ctx, email) })
		if err == nil && k.storedEmail == email {
			k.storedEmail = ""
		}
		return true
	})
}

// followLocked follows the session's events so that an end (signed out
// from the phone, signed in elsewhere, password or device changed, expired)
// returns the person to the sign-in form at once. A stream that stops
// without a reason (server restart, network gone) is followed again after a
// backoff, asking the server directly in between so an end missed
// meanwhile is still noticed.
func (k *sessionKeeper) followLocked() {
	creds := k.creds
	k.r.followLocked(&k.events, func(ctx context.Context, gen uint64) {
		for pause := 1; ctx.Err() == nil; pause = min(pause+1, 8) {
			if err := k.readEvents(ctx, creds); err != nil {
				k.end(gen, err)
				return
			}
			if ctx.Err() != nil {
				return
			}
			if _, err := k.client.Session(ctx, creds); err != nil && pairing.IsSessionEnd(codeOf(err)) {
				k.end(gen, err)
				return
			}
			wait, _ := k.r.retry.backoff(pause, nil, k.r.now())
			if k.r.retry.Sleep(ctx, wait) != nil {
				return
			}
		}
	})
}

// readEvents reads the session stream until it stops; it returns the
// session's end when the stream reported one.
func (k *sessionKeeper) readEvents(ctx context.Context, creds pairing.Credentials) error {
	for ev := range k.client.SessionEvents(ctx, creds) {
		switch ev.Type {
		case pairing.EventRevoked:
			reason := ev.Reason
			if reason == "" {
				reason = pairing.CodeSessionRevoked
			}
			return &pairing.Error{Code: reason, Message: "the session ended"}
		case pairing.EventError:
			if pairing.IsSessionEnd(codeOf(ev.Err)) {
				return ev.Err
			}
		}
	}
	return nil
}

// end returns to the sign-in form because session gen ended for the reason
// in err, and deletes the stored token.
func (k *sessionKeeper) end(gen uint64, err error) {
	var email string
	ended := false
	k.r.update(func(st *State) bool {
		if !k.events.current(gen) || st.Phase != PhaseSignedIn {
			return false
		}
		k.r.cancelOpLocked()
		email = st.Email
		k.r.failLocked(err, nil)
		k.signedOutLocked(st, st.Problem.Code)
		ended = true
		return true
	})
	if !ended || k.store == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(k.r.life), backgroundTimeout)
	defer cancel()
	if k.store.Delete(ctx, k.server, email) == nil {
		k.r.update(func(*State) bool {
			if k.storedEmail == email {
				k.storedEmail = ""
			}
			return false
		})
	}
	// A failed delete leaves a token the server already refuses; the next
	// start meets the same answer and deletes it then.
}
