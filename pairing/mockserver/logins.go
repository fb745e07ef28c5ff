package mockserver

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
)

// loginApproved marks a login whose session is being issued; it is deleted
// right after, and answers like an unknown login meanwhile.
const loginApproved loginState = "approved"

// handleStartLogin answers POST /v1/logins: the password step.
func (s *Server) handleStartLogin(w http.ResponseWriter, r *http.Request) {
	data, err := readBody(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	req, err := decodeLoginRequest(data)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	acct, err := s.checkPassword(r.Context(), req.Email, req.Password)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.spendBudget(acct.Email); err != nil {
		s.fail(w, r, err)
		return
	}
	rec, err := s.newLogin(acct.Email, req.Device, clientIP(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, pairing.PendingLogin{
		LoginID:   rec.ID,
		ExpiresAt: rec.ExpiresAt,
		Code:      s.codeInfo(rec),
		QR:        qrInfo(rec),
	})
}

// newLogin creates and stores a pending login with a fresh code and QR secret.
func (s *Server) newLogin(email string, dev pairing.Device, ip string) (loginRecord, error) {
	now := s.clock.Now()
	id, err := randomID(loginIDPrefix, 16)
	if err != nil {
		return loginRecord{}, err
	}
	code, err := securityCode(rand.Reader, s.cfg.CodeLength)
	if err != nil {
		return loginRecord{}, err
	}
	secret, err := randomBytes(rand.Reader, pairing.QRSecretBytes)
	if err != nil {
		return loginRecord{}, err
	}
	rec := loginRecord{
		ID: id, Email: email, Device: dev, IP: ip,
		CreatedAt: now, ExpiresAt: now.Add(s.cfg.LoginLifetime),
		Code: code, QRSecret: secret, State: loginPending,
	}
	rec.CodeExpiresAt = minTime(now.Add(s.cfg.CodeLifetime), rec.ExpiresAt)
	rec.QRExpiresAt = minTime(now.Add(s.cfg.QRRotation), rec.ExpiresAt)
	if err := s.store.CreateLogin(rec); err != nil {
		return loginRecord{}, fmt.Errorf("storing pending login: %w", err)
	}
	return rec, nil
}

func (s *Server) codeInfo(rec loginRecord) pairing.CodeInfo {
	return pairing.CodeInfo{Length: len(rec.Code), ExpiresAt: rec.CodeExpiresAt}
}

func qrInfo(rec loginRecord) pairing.QRInfo {
	return pairing.QRInfo{
		Payload:   pairing.QRPayload{LoginID: rec.ID, Secret: rec.QRSecret}.String(),
		ExpiresAt: rec.QRExpiresAt,
	}
}

// spendBudget counts one pending login or new code against the account's
// rolling budget; once it is spent the account is blocked for BudgetBlock.
func (s *Server) spendBudget(email string) error {
	now := s.clock.Now()
	var blockedUntil time.Time
	err := s.store.UpdateAccount(email, func(a accountRecord) (accountRecord, error) {
		if now.Before(a.BlockedUntil) {
			return a, s.blockedError(a.BlockedUntil, now)
		}
		kept := a.BudgetSpent[:0]
		for _, t := range a.BudgetSpent {
			if now.Sub(t) < s.cfg.BudgetWindow {
				kept = append(kept, t)
			}
		}
		a.BudgetSpent = kept
		if len(a.BudgetSpent) >= s.cfg.LoginBudget {
			// Save the block, then refuse: an updater error would discard it.
			a.BlockedUntil = now.Add(s.cfg.BudgetBlock)
			a.BudgetSpent = nil
			blockedUntil = a.BlockedUntil
			return a, nil
		}
		a.BudgetSpent = append(a.BudgetSpent, now)
		return a, nil
	})
	if err != nil {
		if errors.Is(err, errNotFound) {
			return errLoginNotFound() // the account was removed (reset) meanwhile
		}
		return err
	}
	if !blockedUntil.IsZero() {
		return s.blockedError(blockedUntil, now)
	}
	return nil
}

func (s *Server) blockedError(until, now time.Time) *apiError {
	return newAPIError(http.StatusTooManyRequests, pairing.CodeTooManyRequests,
		"too many sign-in requests or new codes; try again after the block ends").withRetryAt(until, now)
}

// loginError maps a login that can no longer be used to its answer, or nil
// when it is pending and in time.
func loginError(l loginRecord, now time.Time) *apiError {
	switch {
	case l.State == loginDeclined:
		return newAPIError(http.StatusConflict, pairing.CodeLoginDeclined, "the sign-in was declined on the phone")
	case l.State == loginExpired || !now.Before(l.ExpiresAt):
		return newAPIError(http.StatusGone, pairing.CodeLoginExpired, "the sign-in request expired; start again")
	case l.State != loginPending:
		return errLoginNotFound()
	}
	return nil
}

func errLoginNotFound() *apiError {
	return newAPIError(http.StatusNotFound, pairing.CodeLoginNotFound, "no such sign-in request; start again")
}

// getLogin reads a login, mapping a missing one to login_not_found.
func (s *Server) getLogin(id string) (loginRecord, error) {
	rec, err := s.store.GetLogin(id)
	if errors.Is(err, errNotFound) {
		return rec, errLoginNotFound()
	}
	if err != nil {
		return rec, fmt.Errorf("reading pending login: %w", err)
	}
	return rec, nil
}

// updateLogin is store.UpdateLogin with a missing login as login_not_found.
func (s *Server) updateLogin(id string, fn func(loginRecord) (loginRecord, error)) error {
	err := s.store.UpdateLogin(id, fn)
	if errors.Is(err, errNotFound) {
		return errLoginNotFound()
	}
	return err
}

// handleSubmitCode answers POST /v1/logins/{id}/code.
func (s *Server) handleSubmitCode(w http.ResponseWriter, r *http.Request) {
	var req pairing.CodeRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	code, err := pairing.NormalizeCode(req.Code, s.cfg.CodeLength)
	if err != nil {
		// Not counted as a wrong code: it cannot be the right one anyway.
		s.fail(w, r, badRequest(fmt.Sprintf("the code must be %d digits", s.cfg.CodeLength)))
		return
	}
	id := r.PathValue("id")
	now := s.clock.Now()
	var rec loginRecord
	var destroyed bool
	err = s.updateLogin(id, func(l loginRecord) (loginRecord, error) {
		if e := loginError(l, now); e != nil {
			return l, e
		}
		if !now.Before(l.CodeExpiresAt) {
			return l, newAPIError(http.StatusGone, pairing.CodeCodeExpired, "the code expired; ask for a new one")
		}
		if subtle.ConstantTimeCompare([]byte(code), []byte(l.Code)) != 1 {
			l.CodeFailures++
			destroyed = l.CodeFailures >= s.cfg.CodeAttempts
			rec = l
			return l, nil
		}
		l.State = loginApproved
		rec = l
		return l, nil
	})
	s.expireIfDue(id, now, err)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if rec.State != loginApproved {
		if destroyed {
			s.destroyLogin(id)
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

// destroyLogin removes a login after too many wrong codes; its streams end
// with "expired" since the login can no longer complete.
func (s *Server) destroyLogin(id string) {
	if err := s.store.DeleteLogin(id); err != nil && !errors.Is(err, errNotFound) {
		s.log.Error("removing pending login", "login_id", id, "err", err)
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
	s.grants.put(rec.ID, grant, rec.ExpiresAt)
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
	rec, err := s.getLogin(id)
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

// handleRotateQR answers POST /v1/logins/{id}/qr.
func (s *Server) handleRotateQR(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	now := s.clock.Now()
	info, err := s.rotateQR(id, now, true)
	s.expireIfDue(id, now, err)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, pairing.QRRotation{QR: info})
}

// rotateQR gives a pending login a new QR secret and pushes it to its
// streams. Without force it only rotates a payload that is due.
func (s *Server) rotateQR(id string, now time.Time, force bool) (pairing.QRInfo, error) {
	secret, err := randomBytes(rand.Reader, pairing.QRSecretBytes)
	if err != nil {
		return pairing.QRInfo{}, err
	}
	var info pairing.QRInfo
	err = s.updateLogin(id, func(l loginRecord) (loginRecord, error) {
		if e := loginError(l, now); e != nil {
			return l, e
		}
		if !force && now.Before(l.QRExpiresAt) {
			return l, errUnchanged
		}
		l.QRSecret = secret
		l.QRExpiresAt = minTime(now.Add(s.cfg.QRRotation), l.ExpiresAt)
		info = qrInfo(l)
		return l, nil
	})
	if err != nil {
		return pairing.QRInfo{}, err
	}
	s.logins.publish(id, newEvent(pairing.EventQR, info, false))
	return info, nil
}

// handleCancelLogin answers DELETE /v1/logins/{id}.
func (s *Server) handleCancelLogin(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	rec, err := s.getLogin(id)
	if err == nil && rec.State == loginApproved {
		err = errLoginNotFound()
	}
	if err == nil {
		if err = s.store.DeleteLogin(id); errors.Is(err, errNotFound) {
			err = errLoginNotFound()
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.logins.end(id)
	writeJSON(w, http.StatusNoContent, nil)
}

// handleLoginEvents answers GET /v1/logins/{id}/events.
func (s *Server) handleLoginEvents(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	now := s.clock.Now()
	sub := s.logins.subscribe(id)
	if grant, ok := s.grants.get(id, now); ok {
		s.serveEvents(w, r, s.logins, sub, newEvent(pairing.EventApproved, grant, true))
		return
	}
	rec, err := s.getLogin(id)
	if err != nil {
		if grant, ok := s.grants.get(id, now); ok { // approved meanwhile
			s.serveEvents(w, r, s.logins, sub, newEvent(pairing.EventApproved, grant, true))
			return
		}
		s.logins.unsubscribe(sub)
		s.fail(w, r, err)
		return
	}
	var initial []sseEvent
	switch {
	case rec.State == loginDeclined:
		initial = append(initial, newEvent(pairing.EventDeclined, struct{}{}, true))
	case rec.State == loginExpired:
		initial = append(initial, newEvent(pairing.EventExpired, struct{}{}, true))
	case rec.State == loginPending && !now.Before(rec.ExpiresAt):
		s.expireLogin(id, now) // the event reaches sub
	case rec.State == loginPending:
		initial = append(initial, newEvent(pairing.EventQR, qrInfo(rec), false))
	}
	s.serveEvents(w, r, s.logins, sub, initial...)
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
