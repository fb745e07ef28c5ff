package mockserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
)

// phoneTokenBytes is the randomness of a phone token.
const phoneTokenBytes = 32

func errPhoneUnauthorized() *apiError {
	return newAPIError(http.StatusUnauthorized, pairing.CodeUnauthorized, "the phone is not signed in; sign in again")
}

// handlePhoneSignIn answers POST /phone/v1/signin. Wrong passwords count
// towards the same lock as on the desktop.
func (s *Server) handlePhoneSignIn(w http.ResponseWriter, r *http.Request) {
	req, ok := readRequest(s, w, r, decodePhoneSignIn)
	if !ok {
		return
	}
	token, err := s.signInPhone(r.Context(), req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, pairing.PhoneSignIn{PhoneToken: token})
}

// signInPhone checks the password and stores a new phone token (only its hash).
func (s *Server) signInPhone(ctx context.Context, req pairing.PhoneSignInRequest) (string, error) {
	acct, err := s.checkPassword(ctx, req.Email, req.Password)
	if err != nil {
		return "", err
	}
	token, err := randomID(phoneTokenPrefix, phoneTokenBytes)
	if err != nil {
		return "", err
	}
	now := s.clock.Now()
	rec := phoneTokenRecord{TokenHash: hashToken(token), Email: acct.Email, CreatedAt: now,
		ExpiresAt: now.Add(s.cfg.SessionAbsolute)}
	if err := s.store.CreatePhoneToken(rec); err != nil {
		return "", fmt.Errorf("storing phone token: %w", err)
	}
	return token, nil
}

// authPhone checks the phone's bearer token and returns its account's e-mail.
func (s *Server) authPhone(r *http.Request) (string, error) {
	token, ok := bearerToken(r)
	if !ok {
		return "", errPhoneUnauthorized()
	}
	rec, err := s.store.GetPhoneToken(hashToken(token))
	if errors.Is(err, errNotFound) {
		return "", errPhoneUnauthorized()
	}
	if err != nil {
		return "", fmt.Errorf("reading phone token: %w", err)
	}
	if !s.clock.Now().Before(rec.ExpiresAt) {
		return "", errPhoneUnauthorized()
	}
	if _, err := s.store.GetAccount(rec.Email); err != nil {
		return "", errPhoneUnauthorized() // the account is gone (reset)
	}
	return rec.Email, nil
}

// asPhone serves h to a signed-in phone only, with its account's e-mail;
// any other caller gets 401.
func (s *Server) asPhone(h func(w http.ResponseWriter, r *http.Request, email string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		email, err := s.authPhone(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		h(w, r, email)
	}
}

// phoneDevice is a device as the phone shows it: without the fingerprint.
func phoneDevice(d pairing.Device) pairing.Device {
	d.Fingerprint = ""
	return d
}

// handlePhoneLink answers GET /phone/v1/link: the device-link screen.
func (s *Server) handlePhoneLink(w http.ResponseWriter, r *http.Request, email string) {
	now := s.clock.Now()
	phoneIP := clientIP(r)
	logins, err := s.store.ListLogins()
	if err != nil {
		s.fail(w, r, fmt.Errorf("listing pending logins: %w", err))
		return
	}
	screen := pairing.LinkScreen{Pending: []pairing.PendingRequest{}, Devices: []pairing.LinkedDevice{}}
	sort.Slice(logins, func(i, j int) bool { return logins[i].CreatedAt.Before(logins[j].CreatedAt) })
	for _, l := range logins {
		if l.Email != email || loginError(l, now) != nil {
			continue
		}
		screen.Pending = append(screen.Pending, pairing.PendingRequest{
			LoginID: l.ID, Code: l.Code, CodeExpiresAt: l.CodeExpiresAt, Device: phoneDevice(l.Device),
			IP: l.IP, Network: networkOf(phoneIP, l.IP), CreatedAt: l.CreatedAt, Scanned: l.Scanned,
		})
	}
	sessions, err := s.store.ListSessions(email)
	if err != nil {
		s.fail(w, r, fmt.Errorf("listing sessions: %w", err))
		return
	}
	sortSessions(sessions)
	for _, rec := range sessions {
		if s.active(rec, now) {
			screen.Devices = append(screen.Devices, pairing.LinkedDevice{SessionID: rec.ID, Name: rec.Device.Name,
				Platform: rec.Device.Platform, CreatedAt: rec.CreatedAt, LastSeenAt: rec.LastSeenAt})
		}
	}
	writeJSON(w, http.StatusOK, screen)
}

// handlePhoneRevoke answers DELETE /phone/v1/devices/{session_id}.
func (s *Server) handlePhoneRevoke(w http.ResponseWriter, r *http.Request, email string) {
	id := r.PathValue("session_id")
	sessions, err := s.store.ListSessions(email)
	if err != nil {
		s.fail(w, r, fmt.Errorf("listing sessions: %w", err))
		return
	}
	now := s.clock.Now()
	for _, rec := range sessions {
		if rec.ID == id && s.active(rec, now) && s.endSession(rec.TokenHash, pairing.CodeSessionRevoked) {
			writeJSON(w, http.StatusNoContent, nil)
			return
		}
	}
	s.fail(w, r, newAPIError(http.StatusNotFound, pairing.CodeNotFound, "no such linked computer"))
}

// handlePhonePassword answers POST /phone/v1/password: every desktop is
// signed out with password_changed, and pending sign-ins (made with the old
// password) end.
func (s *Server) handlePhonePassword(w http.ResponseWriter, r *http.Request, email string) {
	req, ok := readRequest(s, w, r, decodePasswordChange)
	if !ok {
		return
	}
	if err := s.changePassword(r.Context(), email, req); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusNoContent, nil)
}

// changePassword checks the old password, keeps the hash of the new one and
// ends the account's sessions and pending logins.
func (s *Server) changePassword(ctx context.Context, email string, req pairing.PasswordChange) error {
	if _, err := s.checkPassword(ctx, email, req.Old); err != nil {
		return err
	}
	hash, err := s.hasher.hash(ctx, req.New)
	if err != nil {
		return err
	}
	err = s.store.UpdateAccount(email, func(a accountRecord) (accountRecord, error) {
		a.PasswordHash = hash
		return a, nil
	})
	if err != nil {
		return fmt.Errorf("saving password: %w", err)
	}
	return s.endAccountSessions(email, pairing.CodePasswordChanged)
}

// endAccountSessions ends every live session and pending login of an account.
func (s *Server) endAccountSessions(email, reason string) error {
	s.sessionMu.Lock()
	defer s.sessionMu.Unlock()
	sessions, err := s.store.ListSessions(email)
	if err != nil {
		return fmt.Errorf("listing sessions: %w", err)
	}
	for _, rec := range sessions {
		s.endSession(rec.TokenHash, reason)
	}
	logins, err := s.store.ListLogins()
	if err != nil {
		return fmt.Errorf("listing pending logins: %w", err)
	}
	now := s.clock.Now()
	for _, l := range logins {
		if l.Email == email && l.State == loginPending {
			s.endLoginNow(l.ID, now)
		}
	}
	return nil
}

// endLoginNow expires a pending login before its time (the password changed).
func (s *Server) endLoginNow(id string, now time.Time) {
	var changed bool
	err := s.store.UpdateLogin(id, func(l loginRecord) (loginRecord, error) {
		if l.State != loginPending {
			return l, errUnchanged
		}
		l.State, l.EndedAt, l.ExpiresAt, changed = loginExpired, now, now, true
		return l, nil
	})
	if err != nil && !errors.Is(err, errUnchanged) && !errors.Is(err, errNotFound) {
		s.log.Error("ending pending login", "login_id", id, "err", err)
	}
	if changed {
		s.logins.publish(id, newEvent(pairing.EventExpired, struct{}{}, true))
	}
}
