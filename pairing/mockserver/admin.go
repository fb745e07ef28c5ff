package mockserver

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
)

// maxClockAdvance bounds one advance of the clock (ten years).
const maxClockAdvance = 10 * 365 * 24 * time.Hour

// codeConflict answers POST /mock/v1/accounts for a taken address.
const codeConflict = "conflict"

// testerAllowed lets a request reach /mock/v1: with an admin token it must
// carry it as a bearer token; without one it must come from this machine.
func (s *Server) testerAllowed(r *http.Request) *apiError {
	if s.cfg.AdminToken != "" {
		token, ok := bearerToken(r)
		if !ok || subtle.ConstantTimeCompare([]byte(token), []byte(s.cfg.AdminToken)) != 1 {
			return newAPIError(http.StatusUnauthorized, pairing.CodeUnauthorized, "the tester controls need the admin token")
		}
		return nil
	}
	if !isLoopback(peerIP(r)) { // the peer itself: the address header does not open the controls
		return newAPIError(http.StatusForbidden, pairing.CodeForbidden,
			"the tester controls answer only on this machine unless the server runs with --admin-token")
	}
	return nil
}

// A page in the tester's browser may send a POST with a text/plain, form or
// multipart body (or none) to any address without asking first, and with
// DNS rebinding read the answers under its own host name. So a tester POST
// must say application/json (which a browser sends cross-site only after a
// CORS preflight the server does not approve), and without --admin-token the
// Host must name this machine.

// testerRequestAllowed applies those rules after testerAllowed.
func (s *Server) testerRequestAllowed(r *http.Request) *apiError {
	if s.cfg.AdminToken == "" && !loopbackHost(r.Host) {
		return newAPIError(http.StatusForbidden, pairing.CodeForbidden,
			"the tester controls answer only to 127.0.0.1, [::1] or localhost unless the server runs with --admin-token")
	}
	if r.Method == http.MethodPost && !isJSON(r.Header.Get("Content-Type")) {
		return newAPIError(http.StatusUnsupportedMediaType, pairing.CodeBadRequest,
			"tester calls that change something need Content-Type: application/json")
	}
	return nil
}

// loopbackHost reports whether a Host header names this machine: 127.0.0.1,
// [::1] or localhost, with or without a port.
func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	} else {
		host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	}
	return host == "127.0.0.1" || host == "::1" || strings.EqualFold(host, "localhost")
}

// isJSON reports whether a Content-Type is application/json (parameters allowed).
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/json"
}

// guard applies the tester access rules to /mock/ and maintenance mode to /v1/.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case badClientIP(r) && !isInfraPath(r.URL.Path):
			writeAPIError(w, r, errBadClientIP())
			return
		case isTesterPath(r.URL.Path):
			e := s.testerAllowed(r)
			if e == nil {
				e = s.testerRequestAllowed(r)
			}
			if e != nil {
				writeAPIError(w, r, e)
				return
			}
		case s.maintenance.Load() && (r.URL.Path == "/v1" || strings.HasPrefix(r.URL.Path, "/v1/")):
			w.Header().Set("Retry-After", "5")
			writeError(w, r, http.StatusServiceUnavailable, pairing.CodeMaintenance,
				"the service is down for maintenance; try again later")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// SetMaintenance turns maintenance mode on or off: while on, every desktop
// call answers 503 maintenance.
func (s *Server) SetMaintenance(on bool) { s.maintenance.Store(on) }

// Reset brings the server back to its seeded state: only the seeded accounts,
// no sessions, pending logins, locks, faults or journal; maintenance off; open
// streams end. The clock keeps its time.
func (s *Server) Reset() error {
	s.sessionMu.Lock()
	defer s.sessionMu.Unlock()
	if err := s.store.Reset(); err != nil {
		return fmt.Errorf("resetting the store: %w", err)
	}
	if err := s.seed(); err != nil {
		return err
	}
	s.grants.drop(time.Time{})
	s.logins.endAll()
	s.sessions.endAll()
	s.faults.clear()
	s.journal.clear()
	s.maintenance.Store(false)
	return nil
}

type healthAnswer struct {
	Status      string    `json:"status"`
	Now         time.Time `json:"now"`
	Maintenance bool      `json:"maintenance"`
}

func (s *Server) handleHealth(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, healthAnswer{Status: "ok", Now: s.clock.Now(), Maintenance: s.maintenance.Load()})
}

func (s *Server) handleReset(w http.ResponseWriter, r *http.Request) {
	if err := s.Reset(); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusNoContent, nil)
}

type accountsAnswer struct {
	Accounts []pairing.Account `json:"accounts"`
}

type accountAnswer struct {
	Account pairing.Account `json:"account"`
}

func (s *Server) handleListAccounts(w http.ResponseWriter, r *http.Request) {
	accts, err := s.store.ListAccounts()
	if err != nil {
		s.fail(w, r, fmt.Errorf("listing accounts: %w", err))
		return
	}
	out := accountsAnswer{Accounts: []pairing.Account{}}
	for _, a := range accts {
		out.Accounts = append(out.Accounts, pairing.Account{Email: a.Email, Name: a.Name})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleAddAccount(w http.ResponseWriter, r *http.Request) {
	req, ok := readRequest(s, w, r, decodeAccountRequest)
	if !ok {
		return
	}
	rec, err := s.newAccount(r.Context(), req.Email, req.Password, req.Name)
	if err == nil {
		err = s.store.CreateAccount(rec)
	}
	if errors.Is(err, errAlreadyExists) {
		err = newAPIError(http.StatusConflict, codeConflict, "an account with this e-mail address already exists")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, accountAnswer{Account: pairing.Account{Email: rec.Email, Name: rec.Name}})
}

type faultsAnswer struct {
	Faults []faultWire `json:"faults"`
}

type faultAnswer struct {
	Fault faultWire `json:"fault"`
}

func (s *Server) handleListFaults(w http.ResponseWriter, _ *http.Request) {
	out := faultsAnswer{Faults: []faultWire{}}
	for _, f := range s.faults.list() {
		out.Faults = append(out.Faults, f.wire())
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleAddFault(w http.ResponseWriter, r *http.Request) {
	f, ok := readRequest(s, w, r, decodeFaultRequest)
	if !ok {
		return
	}
	f, err := s.faults.add(f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, faultAnswer{Fault: f.wire()})
}

func (s *Server) handleClearFaults(w http.ResponseWriter, _ *http.Request) {
	s.faults.clear()
	writeJSON(w, http.StatusNoContent, nil)
}

type requestsAnswer struct {
	Requests []JournalEntry `json:"requests"`
}

func (s *Server) handleRequests(w http.ResponseWriter, r *http.Request) {
	n := 0
	if v := r.URL.Query().Get("limit"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 0 {
			s.fail(w, r, badRequest("limit must be a non-negative number"))
			return
		}
	}
	writeJSON(w, http.StatusOK, requestsAnswer{Requests: s.journal.last(n)})
}

func (s *Server) handleClearRequests(w http.ResponseWriter, _ *http.Request) {
	s.journal.clear()
	writeJSON(w, http.StatusNoContent, nil)
}

type clockRequest struct {
	Advance string `json:"advance"`
}

type clockAnswer struct {
	Now time.Time `json:"now"`
}

func (s *Server) handleClock(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, clockAnswer{Now: s.clock.Now()})
}

func (s *Server) handleAdvanceClock(w http.ResponseWriter, r *http.Request) {
	d, ok := readRequest(s, w, r, decodeClockRequest)
	if !ok {
		return
	}
	s.clock.Advance(d) // runs the due work before answering
	writeJSON(w, http.StatusOK, clockAnswer{Now: s.clock.Now()})
}

type maintenanceBody struct {
	On *bool `json:"on"`
}

func (s *Server) handleMaintenanceState(w http.ResponseWriter, _ *http.Request) {
	on := s.maintenance.Load()
	writeJSON(w, http.StatusOK, maintenanceBody{On: &on})
}

func (s *Server) handleMaintenance(w http.ResponseWriter, r *http.Request) {
	on, ok := readRequest(s, w, r, decodeMaintenanceRequest)
	if !ok {
		return
	}
	s.maintenance.Store(on)
	writeJSON(w, http.StatusOK, maintenanceBody{On: &on})
}
