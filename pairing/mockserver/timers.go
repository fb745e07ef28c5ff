package mockserver

import (
	"errors"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
)

// purgeEvery is how much clock time passes between sweeps of old records.
const purgeEvery = time.Minute

// throttleMemory is how long a quiet wrong-password count is remembered
// after its lock lifted.
const throttleMemory = 7 * 24 * time.Hour

// runTimers wakes every TickInterval of real time and does what became due
// on the server clock; Clock.Advance triggers the same work at once.
func (s *Server) runTimers() {
	defer close(s.timersDone)
	t := time.NewTicker(s.cfg.TickInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.processDue()
		}
	}
}

// processDue rotates due QR payloads (not scanned ones), expires pending logins and watched
// sessions whose time is up, and now and then forgets old records.
func (s *Server) processDue() {
	s.timerMu.Lock()
	defer s.timerMu.Unlock()
	select {
	case <-s.stop:
		return // closing: the store may be gone
	default:
	}
	now := s.clock.Now()
	s.processLogins(now)
	s.processWatchedSessions(now)
	if now.Sub(s.lastPurge) >= purgeEvery {
		s.lastPurge = now
		s.purge(now)
	}
}

func (s *Server) processLogins(now time.Time) {
	logins, err := s.store.ListLogins()
	if err != nil {
		s.log.Error("timer: listing pending logins", "err", err)
		return
	}
	for _, l := range logins {
		switch {
		case l.State == loginPending && !now.Before(l.ExpiresAt):
			s.expireLogin(l.ID, now)
		case l.State == loginPending && !l.Scanned && !now.Before(l.QRExpiresAt):
			if _, err := s.rotateQR(l.ID, now, false); err != nil && !errors.Is(err, errUnchanged) {
				var ae *apiError
				if !errors.As(err, &ae) { // an API refusal means the login ended meanwhile
					s.log.Error("timer: rotating QR", "login_id", l.ID, "err", err)
				}
			}
		case l.State != loginPending && !now.Before(l.ExpiresAt.Add(s.cfg.LoginLifetime)):
			// Declined and expired logins answer their reason for one more lifetime.
			if err := s.store.DeleteLogin(l.ID); err != nil && !errors.Is(err, errNotFound) {
				s.log.Error("timer: removing old login", "login_id", l.ID, "err", err)
			}
		}
	}
}

// processWatchedSessions ends the sessions with an open event stream whose
// time is up, so the desktop hears "session_expired" when it happens.
func (s *Server) processWatchedSessions(now time.Time) {
	for _, hash := range s.sessions.keys() {
		rec, err := s.store.GetSession(hash)
		if err != nil {
			continue // deleted meanwhile; its streams were told
		}
		if rec.EndedReason == "" && !now.Before(s.sessionExpiry(rec)) {
			s.endSession(hash, pairing.CodeSessionExpired)
		}
	}
}

// purge forgets records nobody can use any more.
func (s *Server) purge(now time.Time) {
	s.grants.drop(now)
	if sessions, err := s.store.ListSessions(""); err == nil {
		for _, rec := range sessions {
			if !now.Before(s.sessionRetention(rec)) {
				if err := s.store.DeleteSession(rec.TokenHash); err != nil && !errors.Is(err, errNotFound) {
					s.log.Error("purge: removing session", "err", err)
				}
			}
		}
	} else {
		s.log.Error("purge: listing sessions", "err", err)
	}
	if phones, err := s.store.ListPhoneTokens(); err == nil {
		for _, p := range phones {
			if !now.Before(p.ExpiresAt) {
				if err := s.store.DeletePhoneToken(p.TokenHash); err != nil && !errors.Is(err, errNotFound) {
					s.log.Error("purge: removing phone token", "err", err)
				}
			}
		}
	} else {
		s.log.Error("purge: listing phone tokens", "err", err)
	}
	if throttles, err := s.store.ListThrottles(); err == nil {
		for _, t := range throttles {
			if !now.Before(t.LockedUntil) && now.Sub(t.UpdatedAt) >= throttleMemory+s.cfg.LockMax {
				if err := s.store.DeleteThrottle(t.Email); err != nil && !errors.Is(err, errNotFound) {
					s.log.Error("purge: removing wrong-password count", "err", err)
				}
			}
		}
	} else {
		s.log.Error("purge: listing wrong-password counts", "err", err)
	}
}
