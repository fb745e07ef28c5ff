package app

import (
	"context"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

// endedWithin waits at most a second for c to return to sign-in and checks
// the reason the person is given and that the stored token is gone.
func (r *rig) endedWithin(c *Core, reason, key string) {
	r.t.Helper()
	st := waitFor(r.t, c, "back at sign-in ("+reason+")", time.Second, func(s State) bool { return s.Phase == PhaseSignedOut })
	if st.Ended != reason || st.Problem == nil || st.Problem.Code != reason || st.Problem.Key != key || st.Session != nil || st.Storage != StorageNone {
		r.t.Fatalf("ended %q problem %+v session %v storage %v", st.Ended, st.Problem, st.Session, st.Storage)
	}
	if st.Email != mockserver.DemoEmail {
		r.t.Errorf("the e-mail is no longer pre-filled: %q", st.Email)
	}
	deadline := time.Now().Add(time.Second)
	for {
		if _, ok := r.stored(); !ok {
			break
		}
		if time.Now().After(deadline) {
			r.t.Fatal("the ended session's token is still in the keychain")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestSessionEndsAreShownWithinASecond(t *testing.T) {
	for _, tc := range []struct {
		name, reason, key string
		end               func(r *rig, c *Core)
	}{
		{"signed out from the phone", pairing.CodeSessionRevoked, "error.session_revoked", func(r *rig, c *Core) {
			if err := r.phone.RevokeDevice(context.Background(), c.State().Session.ID); err != nil {
				r.t.Fatal(err)
			}
		}},
		{"password changed on the phone", pairing.CodePasswordChanged, "error.password_changed", func(r *rig, _ *Core) {
			if err := r.phone.ChangePassword(context.Background(), mockserver.DemoPassword, "a-new-password-1"); err != nil {
				r.t.Fatal(err)
			}
		}},
		{"signed in on another desktop", pairing.CodeSignedInElsewhere, "error.signed_in_elsewhere", func(r *rig, _ *Core) {
			other := r.newCore(func(o *Options) {
				o.Device = r.deviceFor("other-device", "other-machine", "bob")
				o.Sessions = NewSessionStore(SessionStoreOptions{Keyring: newMemKeyring()})
				o.Settings = nil
			})
			r.signIn(other, true)
		}},
		{"idle for 30 days", pairing.CodeSessionExpired, "error.session_expired", func(r *rig, _ *Core) {
			r.Clock.Advance(30*24*time.Hour + time.Minute)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Given a signed-in desktop following its session
			r := newRig(t)
			c := r.newCore()
			r.signIn(c, true)
			// When the session ends elsewhere, Then the desktop returns to sign-in saying why
			tc.end(r, c)
			r.endedWithin(c, tc.reason, tc.key)
		})
	}
}

func TestAbsoluteExpiryEndsAnActiveSession(t *testing.T) {
	// Given a session used every few weeks, so it never idles out
	r := newRig(t)
	c := r.newCore()
	st := r.signIn(c, true)
	ss, _ := r.stored()
	creds := pairing.Credentials{Token: ss.Token, Fingerprint: r.device.Fingerprint}
	for elapsed := time.Duration(0); elapsed < 84*24*time.Hour; elapsed += 21 * 24 * time.Hour {
		r.Clock.Advance(21 * 24 * time.Hour)
		if _, err := r.client.Session(context.Background(), creds); err != nil {
			t.Fatalf("session refused after %v: %v", elapsed, err)
		}
	}
	if c.State().Phase != PhaseSignedIn {
		t.Fatal("signed out before 90 days")
	}
	// When 90 days since sign-in pass, Then it ends with session_expired
	r.Clock.Advance(st.Session.CreatedAt.Add(90*24*time.Hour + time.Minute).Sub(r.Clock.Now()))
	r.endedWithin(c, pairing.CodeSessionExpired, "error.session_expired")
}

func TestRestoreAtStart(t *testing.T) {
	ctx := context.Background()

	t.Run("a good token signs in silently", func(t *testing.T) {
		r := newRig(t)
		sess := r.signedInBefore()
		// When the app starts again
		c := r.newCore()
		if c.State().Phase != PhaseStarting || c.State().Email != mockserver.DemoEmail {
			t.Fatalf("new core: %+v", c.State())
		}
		c.Restore(ctx)
		st := c.State()
		if st.Phase != PhaseSignedIn || st.Problem != nil || st.Ended != "" || st.Storage != StorageKeychain || st.Session.ID != sess.ID {
			t.Fatalf("restored: %+v", st)
		}
		// And it follows the session like a fresh sign-in does
		if err := r.phone.RevokeDevice(ctx, sess.ID); err != nil {
			t.Fatal(err)
		}
		r.endedWithin(c, pairing.CodeSessionRevoked, "error.session_revoked")
	})

	t.Run("an ended session is deleted and explained", func(t *testing.T) {
		r := newRig(t)
		sess := r.signedInBefore()
		if err := r.phone.RevokeDevice(ctx, sess.ID); err != nil {
			t.Fatal(err)
		}
		c := r.newCore()
		c.Restore(ctx)
		r.endedWithin(c, pairing.CodeSessionRevoked, "error.session_revoked")
	})

	t.Run("another computer (copied settings) must verify again", func(t *testing.T) {
		r := newRig(t)
		r.signedInBefore()
		// The same settings and keychain item, but another machine ID.
		c := r.newCore(func(o *Options) { o.Device = r.deviceFor(r.settings.DeviceID(), "machine-2", "anna") })
		c.Restore(ctx)
		r.endedWithin(c, pairing.CodeDeviceChanged, "error.device_changed")
	})

	t.Run("an unreachable server keeps the token and offers retry", func(t *testing.T) {
		r := newRig(t)
		sess := r.signedInBefore()
		r.Stop()
		c := r.newCore()
		c.Restore(ctx)
		st := c.State()
		if st.Phase != PhaseSignedOut || st.Problem == nil || st.Problem.Code != pairing.CodeNetwork || !st.Problem.Retryable || st.Ended != "" {
			t.Fatalf("offline restore: %v %+v ended %q", st.Phase, st.Problem, st.Ended)
		}
		if _, ok := r.stored(); !ok {
			t.Fatal("the token was deleted although the server was only unreachable")
		}
		// When the server is back and the person retries, Then the session is restored
		r.Restart()
		c.Retry(ctx)
		if st := c.State(); st.Phase != PhaseSignedIn || st.Session.ID != sess.ID || st.Problem != nil {
			t.Fatalf("after retry: %v %+v", st.Phase, st.Problem)
		}
	})

	t.Run("a locked keychain offers retry", func(t *testing.T) {
		r := newRig(t)
		r.signedInBefore()
		r.kr.setErr(ErrLocked)
		c := r.newCore()
		c.Restore(ctx)
		if p := c.State().Problem; p == nil || p.Code != CodeKeychainLocked || !p.Retryable {
			t.Fatalf("locked: %+v", p)
		}
		r.kr.setErr(nil)
		c.Retry(ctx)
		if st := c.State(); st.Phase != PhaseSignedIn {
			t.Fatalf("after unlocking: %v %+v", st.Phase, st.Problem)
		}
	})

	t.Run("an unreadable item is deleted", func(t *testing.T) {
		r := newRig(t)
		if err := r.settings.SetLastEmail(mockserver.DemoEmail); err != nil {
			t.Fatal(err)
		}
		user := KeychainUser(r.client.BaseURL(), mockserver.DemoEmail)
		if err := r.kr.Set(KeychainService, user, "{garbage"); err != nil {
			t.Fatal(err)
		}
		c := r.newCore()
		c.Restore(ctx)
		if p := c.State().Problem; c.State().Phase != PhaseSignedOut || p == nil || p.Code != CodeKeychainUnreadable {
			t.Fatalf("unreadable: %+v", p)
		}
		if _, ok := r.kr.get(KeychainService, user); ok {
			t.Error("the unreadable item was kept")
		}
	})
}

func TestSignOut(t *testing.T) {
	ctx := context.Background()

	t.Run("online: the server forgets the session and the keychain the token", func(t *testing.T) {
		r := newRig(t)
		c := r.newCore()
		r.signIn(c, true)
		c.SignOut(ctx)
		st := c.State()
		if st.Phase != PhaseSignedOut || st.Problem != nil || st.Ended != "" || st.Session != nil || st.Storage != StorageNone {
			t.Fatalf("after sign out: %+v", st)
		}
		if _, ok := r.stored(); ok {
			t.Error("the token is still in the keychain")
		}
		if ls := r.link(); len(ls.Devices) != 0 {
			t.Errorf("the phone still lists %+v", ls.Devices)
		}
	})

	t.Run("offline: the keychain entry is deleted anyway", func(t *testing.T) {
		r := newRig(t)
		c := r.newCore()
		r.signIn(c, true)
		r.Stop()
		c.SignOut(ctx)
		st := c.State()
		if st.Phase != PhaseSignedOut || st.Problem == nil || st.Problem.Code != CodeSignedOutOffline || st.Ended != "" {
			t.Fatalf("offline sign out: %v %+v", st.Phase, st.Problem)
		}
		if _, ok := r.stored(); ok {
			t.Error("the token is still in the keychain")
		}
		// The next start has nothing to restore.
		next := r.newCore()
		next.Restore(ctx)
		if st := next.State(); st.Phase != PhaseSignedOut || st.Problem != nil {
			t.Errorf("next start: %v %+v", st.Phase, st.Problem)
		}
	})

	t.Run("a locked keychain is reported and retried", func(t *testing.T) {
		r := newRig(t)
		c := r.newCore()
		r.signIn(c, true)
		r.kr.setErr(ErrLocked)
		c.SignOut(ctx)
		st := c.State()
		if st.Phase != PhaseSignedOut || st.Problem == nil || st.Problem.Code != CodeKeychainLocked || !st.Problem.Retryable {
			t.Fatalf("locked at sign out: %v %+v", st.Phase, st.Problem)
		}
		r.kr.setErr(nil)
		c.Retry(ctx)
		if _, ok := r.stored(); ok || c.State().Problem != nil {
			t.Errorf("after retry: stored %v problem %+v", ok, c.State().Problem)
		}
	})
}
