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

// every runs fn every interval of real time until Close. The timer loop
// runs processDue every TickInterval (Clock.Advance triggers the same work
// at once); the heartbeats of handed-off streams run every Heartbeat.
func (s *Server) every(interval time.Duration, fn func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			fn()
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
	sweep(s, "sessions", func() ([]sessionRecord, error) { return s.store.ListSessions("") },
		func(rec sessionRecord) bool { return !now.Before(s.sessionRetention(rec)) },
		func(rec sessionRecord) error { return s.store.DeleteSession(rec.TokenHash) })
	sweep(s, "phone tokens", s.store.ListPhoneTokens,
		func(p phoneTokenRecord) bool { return !now.Before(p.ExpiresAt) },
		func(p phoneTokenRecord) error { return s.store.DeletePhoneToken(p.TokenHash) })
	sweep(s, "wrong-password counts", s.store.ListThrottles,
		func(t throttleRecord) bool {
			return !now.Before(t.LockedUntil) && now.Sub(t.UpdatedAt) >= throttleMemory+s.cfg.LockMax
		},
		func(t throttleRecord) error { return s.store.DeleteThrottle(t.Email) })
}

// sweep removes the listed records that are due. A failure is logged, not
// returned: the next purge tries again.
func sweep[T any](s *Server, what string, list func() ([]T, error), due func(T) bool, remove func(T) error) {
	records, err := list()
	if err != nil {
		s.log.Error("purge: listing "+what, "err", err)
		return
	}
	for _, rec := range records {
		if !due(rec) {
			continue
		}
		if err := remove(rec); err != nil && !errors.Is(err, errNotFound) {
			s.log.Error("purge: removing "+what, "err", err)
		}
	}
}
