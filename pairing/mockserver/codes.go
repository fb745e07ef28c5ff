package mockserver

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"net/http"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
)

// handleSubmitCode answers POST /v1/logins/{id}/code.
func (s *Server) handleSubmitCode(w http.ResponseWriter, r *http.Request) {
	// A malformed code is not counted as a wrong one: it cannot be the right one anyway.
	code, ok := readRequest(s, w, r, func(data []byte) (string, error) { return decodeCodeRequest(data, s.cfg.CodeLength) })
	if !ok {
		return
	}
	id := r.PathValue("id")
	device := loginDevice(r)
	now := s.clock.Now()
	var rec loginRecord
	var destroyed bool
	// Not its desktop: login_not_found, not even a wrong try.
	mine := func(l loginRecord) bool { return sameDevice(device, l.Device.Fingerprint) }
	err := s.changeLiveLogin(id, now, mine, func(l loginRecord) (loginRecord, error) {
		if !now.Before(l.CodeExpiresAt) {
			return l, newAPIError(http.StatusGone, pairing.CodeCodeExpired, "the code expired; ask for a new one")
		}
		if subtle.ConstantTimeCompare([]byte(code), []byte(l.Code)) == 1 {
			l.State = loginApproved
		} else {
			l.CodeFailures++
			destroyed = l.CodeFailures >= s.cfg.CodeAttempts
		}
		rec = l
		return l, nil
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if rec.State != loginApproved {
		if destroyed {
			s.destroyLogin(id, now)
		}
		s.fail(w, r, newAPIError(http.StatusBadRequest, pairing.CodeInvalidCode, "the code is wrong").
			withAttempts(s.cfg.CodeAttempts-rec.CodeFailures))
		return
	}
	grant, err := s.completeLogin(rec)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, grant)
}

// expireIfDue ends a login whose lifetime is over when a call found it so,
// without waiting for the timer loop.
func (s *Server) expireIfDue(id string, now time.Time, err error) {
	var ae *apiError
	if errors.As(err, &ae) && ae.code == pairing.CodeLoginExpired {
		s.expireLogin(id, now)
	}
}

// destroyLogin ends a login after too many wrong codes: every call answers
// login_not_found, and its streams (also one reopened later, until the
// record is purged like any ended login) hear "expired", since it can no
// longer complete.
func (s *Server) destroyLogin(id string, now time.Time) {
	err := s.store.UpdateLogin(id, func(l loginRecord) (loginRecord, error) {
		l.State, l.EndedAt = loginDestroyed, now
		return l, nil
	})
	if err != nil && !errors.Is(err, errNotFound) {
		s.log.Error("destroying pending login", "login_id", id, "err", err)
	}
	s.logins.publish(id, newEvent(pairing.EventExpired, struct{}{}, true))
}

// expireLogin marks a pending login expired once its lifetime is over and
// tells its streams.
func (s *Server) expireLogin(id string, now time.Time) {
	var changed bool
	err := s.store.UpdateLogin(id, func(l loginRecord) (loginRecord, error) {
		if l.State != loginPending || now.Before(l.ExpiresAt) {
			return l, errUnchanged
		}
		l.State, l.EndedAt, changed = loginExpired, now, true
		return l, nil
	})
	if err != nil && !errors.Is(err, errUnchanged) && !errors.Is(err, errNotFound) {
		s.log.Error("expiring pending login", "login_id", id, "err", err)
	}
	if changed {
		s.logins.publish(id, newEvent(pairing.EventExpired, struct{}{}, true))
	}
}

// errUnchanged aborts an update that has nothing to do.
var errUnchanged = errors.New("nothing to change")

// completeLogin issues the session of an approved login (code or phone),
// pushes it to the login's streams and removes the pending login.
func (s *Server) completeLogin(rec loginRecord) (pairing.Grant, error) {
	grant, err := s.issueSession(rec)
	if err != nil {
		// Give the login back so the person can try again.
		if uerr := s.store.UpdateLogin(rec.ID, func(l loginRecord) (loginRecord, error) {
			l.State = loginPending
			return l, nil
		}); uerr != nil && !errors.Is(uerr, errNotFound) {
			err = errors.Join(err, uerr)
		}
		return pairing.Grant{}, err
	}
	s.grants.put(rec.ID, grant, rec.Device.Fingerprint, rec.ExpiresAt)
	if err := s.store.DeleteLogin(rec.ID); err != nil && !errors.Is(err, errNotFound) {
		s.log.Error("removing approved login", "login_id", rec.ID, "err", err)
	}
	s.logins.publish(rec.ID, newEvent(pairing.EventApproved, grant, true))
	return grant, nil
}

// handleRenewCode answers POST /v1/logins/{id}/code/renew.
func (s *Server) handleRenewCode(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	now := s.clock.Now()
	// The owner check comes before the budget, so a stranger cannot spend it.
	rec, err := s.getOwnLogin(r, id)
	if err == nil {
		if e := loginError(rec, now); e != nil {
			err = e
		}
	}
	if err == nil {
		err = s.spendBudget(rec.Email)
	}
	if err == nil {
		var code string
		if code, err = securityCode(rand.Reader, s.cfg.CodeLength); err == nil {
			err = s.updateLogin(id, func(l loginRecord) (loginRecord, error) {
				if e := loginError(l, now); e != nil {
					return l, e
				}
				l.Code = code
				l.CodeExpiresAt = minTime(now.Add(s.cfg.CodeLifetime), l.ExpiresAt)
				rec = l
				return l, nil
			})
		}
	}
	s.expireIfDue(id, now, err)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, pairing.CodeRenewal{Code: s.codeInfo(rec)})
}
