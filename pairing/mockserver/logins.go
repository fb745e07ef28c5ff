package mockserver

import (
	"context"
	"crypto/rand"
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
	req, ok := readRequest(s, w, r, decodeLoginRequest)
	if !ok {
		return
	}
	rec, err := s.startLogin(r.Context(), req, clientIP(r))
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

// startLogin checks the password, spends one of the account's budget and
// stores a new pending login for the desktop at ip.
func (s *Server) startLogin(ctx context.Context, req pairing.LoginRequest, ip string) (loginRecord, error) {
	acct, err := s.checkPassword(ctx, req.Email, req.Password)
	if err != nil {
		return loginRecord{}, err
	}
	if err := s.spendBudget(acct.Email); err != nil {
		return loginRecord{}, err
	}
	return s.newLogin(acct.Email, req.Device, ip)
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

// changeLiveLogin applies change to a login that mine says is the caller's
// (else login_not_found, as for an unknown one) and that is still pending and
// in time; one found past its lifetime is expired at once.
func (s *Server) changeLiveLogin(id string, now time.Time, mine func(loginRecord) bool, change func(loginRecord) (loginRecord, error)) error {
	err := s.updateLogin(id, func(l loginRecord) (loginRecord, error) {
		if !mine(l) {
			return l, errLoginNotFound()
		}
		if e := loginError(l, now); e != nil {
			return l, e
		}
		return change(l)
	})
	s.expireIfDue(id, now, err)
	return err
}

// ownedBy says whether a login is of the account with this e-mail.
func ownedBy(email string) func(loginRecord) bool {
	return func(l loginRecord) bool { return l.Email == email }
}

// handleCancelLogin answers DELETE /v1/logins/{id}.
func (s *Server) handleCancelLogin(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	rec, err := s.getOwnLogin(r, id)
	if err == nil && (rec.State == loginApproved || rec.State == loginDestroyed) {
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

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
