package mockserver

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
)

// sessionMessages explains each way a session ends.
var sessionMessages = map[string]string{
	pairing.CodeInvalidToken:      "the session token is not valid; sign in again",
	pairing.CodeSessionExpired:    "the session expired; sign in again",
	pairing.CodeSessionRevoked:    "this computer was signed out from the phone",
	pairing.CodeSignedInElsewhere: "the account was signed in on another computer",
	pairing.CodePasswordChanged:   "the account password was changed; sign in again",
	pairing.CodeDeviceChanged:     "this computer's identity changed; verify it again",
}

func sessionEndError(reason string) *apiError {
	msg, ok := sessionMessages[reason]
	if !ok {
		reason, msg = pairing.CodeInvalidToken, sessionMessages[pairing.CodeInvalidToken]
	}
	return newAPIError(http.StatusUnauthorized, reason, msg)
}

// sessionExpiry is when a session lapses: idle or absolute, whichever is first.
func (s *Server) sessionExpiry(rec sessionRecord) time.Time {
	return minTime(rec.LastSeenAt.Add(s.cfg.SessionIdle), rec.CreatedAt.Add(s.cfg.SessionAbsolute))
}

// sessionRetention is when an ended or lapsed session's record is forgotten:
// its reason is remembered for SessionIdle after it ended.
func (s *Server) sessionRetention(rec sessionRecord) time.Time {
	end := s.sessionExpiry(rec)
	if rec.EndedReason != "" && rec.EndedAt.Before(end) {
		end = rec.EndedAt
	}
	return end.Add(s.cfg.SessionIdle)
}

// active reports whether rec is a live session at now.
func (s *Server) active(rec sessionRecord, now time.Time) bool {
	return rec.EndedReason == "" && now.Before(s.sessionExpiry(rec))
}

// issueSession creates the session of an approved login, first signing out
// the oldest desktops beyond the per-account limit.
func (s *Server) issueSession(login loginRecord) (pairing.Grant, error) {
	s.sessionMu.Lock()
	defer s.sessionMu.Unlock()
	acct, err := s.store.GetAccount(login.Email)
	if err != nil {
		return pairing.Grant{}, fmt.Errorf("reading account: %w", err)
	}
	now := s.clock.Now()
	all, err := s.store.ListSessions(login.Email)
	if err != nil {
		return pairing.Grant{}, fmt.Errorf("listing sessions: %w", err)
	}
	live := all[:0]
	for _, rec := range all {
		if s.active(rec, now) {
			live = append(live, rec)
		}
	}
	sortSessions(live)
	for i := 0; len(live)-i >= s.cfg.MaxDesktops; i++ {
		s.endSession(live[i].TokenHash, pairing.CodeSignedInElsewhere)
	}
	token, err := newSessionToken(s.cfg.TokenBytes)
	if err != nil {
		return pairing.Grant{}, err
	}
	id, err := randomID(sessionIDPrefix, 12)
	if err != nil {
		return pairing.Grant{}, err
	}
	rec := sessionRecord{TokenHash: hashToken(token), ID: id, Email: acct.Email, Device: login.Device,
		CreatedAt: now, LastSeenAt: now}
	if err := s.store.CreateSession(rec); err != nil {
		return pairing.Grant{}, fmt.Errorf("storing session: %w", err)
	}
	return pairing.Grant{Token: token, Session: s.sessionView(rec, acct)}, nil
}

func sortSessions(recs []sessionRecord) {
	sort.Slice(recs, func(i, j int) bool {
		if !recs[i].CreatedAt.Equal(recs[j].CreatedAt) {
			return recs[i].CreatedAt.Before(recs[j].CreatedAt)
		}
		return recs[i].ID < recs[j].ID
	})
}

func (s *Server) sessionView(rec sessionRecord, acct accountRecord) pairing.Session {
	return pairing.Session{
		ID:         rec.ID,
		Account:    pairing.Account{Email: acct.Email, Name: acct.Name},
		Device:     rec.Device,
		CreatedAt:  rec.CreatedAt,
		LastSeenAt: rec.LastSeenAt,
		ExpiresAt:  s.sessionExpiry(rec),
	}
}

// endSession ends a live session for reason and pushes "revoked" to its
// streams at once. It reports whether the session was live.
func (s *Server) endSession(hash, reason string) bool {
	now := s.clock.Now()
	var ended bool
	err := s.store.UpdateSession(hash, func(rec sessionRecord) (sessionRecord, error) {
		if rec.EndedReason != "" {
			return rec, errUnchanged
		}
		if !now.Before(s.sessionExpiry(rec)) {
			reason = pairing.CodeSessionExpired // it lapsed before anything else happened
		}
		rec.EndedReason, rec.EndedAt, ended = reason, now, true
		return rec, nil
	})
	if err != nil && !errors.Is(err, errUnchanged) && !errors.Is(err, errNotFound) {
		s.log.Error("ending session", "err", err)
	}
	if ended {
		s.sessions.publish(hash, newEvent(pairing.EventRevoked, pairing.SessionEnd{Reason: reason}, true))
	}
	return ended
}

// authSession checks the bearer token and the Linkdesk-Device fingerprint of
// a session call and records the use. A lapsed session or a changed
// fingerprint ends the session, which is pushed to its streams.
func (s *Server) authSession(r *http.Request) (sessionRecord, error) {
	token, ok := bearerToken(r)
	if !ok || !strings.HasPrefix(token, pairing.TokenPrefix) {
		return sessionRecord{}, sessionEndError(pairing.CodeInvalidToken)
	}
	fingerprint := r.Header.Get(pairing.HeaderDevice)
	hash := hashToken(token)
	now := s.clock.Now()
	var rec sessionRecord
	var endedNow string
	err := s.store.UpdateSession(hash, func(cur sessionRecord) (sessionRecord, error) {
		switch {
		case cur.EndedReason != "":
			return cur, sessionEndError(cur.EndedReason)
		case !now.Before(s.sessionExpiry(cur)):
			endedNow = pairing.CodeSessionExpired
		case fingerprint == "":
			return cur, badRequest("the " + pairing.HeaderDevice + " header is missing")
		case fingerprint != cur.Device.Fingerprint:
			endedNow = pairing.CodeDeviceChanged
		default:
			cur.LastSeenAt = now
			rec = cur
			return cur, nil
		}
		cur.EndedReason, cur.EndedAt = endedNow, now
		return cur, nil
	})
	if errors.Is(err, errNotFound) {
		return sessionRecord{}, sessionEndError(pairing.CodeInvalidToken)
	}
	if err != nil {
		return sessionRecord{}, err
	}
	if endedNow != "" {
		s.sessions.publish(hash, newEvent(pairing.EventRevoked, pairing.SessionEnd{Reason: endedNow}, true))
		return sessionRecord{}, sessionEndError(endedNow)
	}
	return rec, nil
}

// handleSession answers GET /v1/session.
func (s *Server) handleSession(w http.ResponseWriter, r *http.Request) {
	rec, err := s.authSession(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	acct, err := s.store.GetAccount(rec.Email)
	if err != nil {
		s.fail(w, r, fmt.Errorf("reading account: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, pairing.SessionInfo{Session: s.sessionView(rec, acct)})
}

// handleSessionEvents answers GET /v1/session/events.
func (s *Server) handleSessionEvents(w http.ResponseWriter, r *http.Request) {
	rec, err := s.authSession(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sub := s.sessions.subscribe(rec.TokenHash)
	// The session may have ended between the check and the subscription.
	cur, err := s.store.GetSession(rec.TokenHash)
	var initial []sseEvent
	switch {
	case errors.Is(err, errNotFound):
		initial = append(initial, newEvent(pairing.EventRevoked, pairing.SessionEnd{Reason: pairing.CodeInvalidToken}, true))
	case err != nil:
		s.sessions.unsubscribe(sub)
		s.fail(w, r, fmt.Errorf("reading session: %w", err))
		return
	case cur.EndedReason != "":
		initial = append(initial, newEvent(pairing.EventRevoked, pairing.SessionEnd{Reason: cur.EndedReason}, true))
	}
	s.serveEvents(w, r, s.sessions, sub, initial...)
}

// handleSignOut answers DELETE /v1/session: the token is forgotten, so it
// answers invalid_token from now on.
func (s *Server) handleSignOut(w http.ResponseWriter, r *http.Request) {
	rec, err := s.authSession(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.store.DeleteSession(rec.TokenHash); err != nil && !errors.Is(err, errNotFound) {
		s.fail(w, r, fmt.Errorf("removing session: %w", err))
		return
	}
	s.sessions.publish(rec.TokenHash, newEvent(pairing.EventRevoked, pairing.SessionEnd{Reason: pairing.CodeInvalidToken}, true))
	writeJSON(w, http.StatusNoContent, nil)
}
