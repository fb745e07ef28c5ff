package mockserver

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
)

// What lets tools reach the server: /healthz for scripts and containers,
// the OpenAPI description, and CORS for browser-based test tools.

// healthzPath answers "ok" to anyone; it tells nothing about the server.
const healthzPath = "/healthz"

// isInfraPath reports whether p serves tools rather than the protocol: such
// paths are never journaled, hit by faults or closed by maintenance.
func isInfraPath(p string) bool { return p == healthzPath || p == openAPIPath }

// untouchable reports whether faults and the journal leave path alone.
func untouchable(p string) bool { return isTesterPath(p) || isInfraPath(p) }

func handleHealthz(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	_, _ = fmt.Fprint(w, "ok\n") // a failed write means the client went away
}

// corsAllowHeaders are the request headers a browser tool may send.
const corsAllowHeaders = "Authorization, Content-Type, Linkdesk-Device, Last-Event-ID, " + ClientIPHeader

// corsExposeHeaders are the answer headers a browser tool may read.
const corsExposeHeaders = "X-Request-ID, Retry-After, WWW-Authenticate"

// checkCORSOrigins accepts origins of the form scheme://host[:port].
func checkCORSOrigins(origins []string) error {
	for _, o := range origins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" ||
			u.RawQuery != "" || u.Fragment != "" || u.User != nil || o != u.Scheme+"://"+u.Host {
			return fmt.Errorf("CORS origin %q: want scheme://host[:port] such as http://localhost:3000 (no path, no *)", o)
		}
	}
	return nil
}

// withCORS answers the preflights of the configured origins and marks their
// answers readable. Credentials (cookies) are never allowed: every secret
// travels in a header the tool sets itself.
func withCORS(origins []string, next http.Handler) http.Handler {
	if len(origins) == 0 {
		return next
	}
	allowed := make(map[string]bool, len(origins))
	for _, o := range origins {
		allowed[o] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" || !allowed[origin] {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Add("Vary", "Origin")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", "GET, POST, DELETE")
			h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
		next.ServeHTTP(w, r)
	})
}

// TesterLogin is one pending login as GET /mock/v1/logins lists it: with
// its secrets, for tests that read the code (or, once scanned, the number
// the desktop shows) without signing a phone in.
type TesterLogin struct {
	LoginID       string          `json:"login_id"`
	Account       pairing.Account `json:"account"`
	Device        pairing.Device  `json:"device"`
	IP            string          `json:"ip"`
	Code          string          `json:"code"`
	CodeExpiresAt time.Time       `json:"code_expires_at"`
	AttemptsLeft  int             `json:"attempts_left"`
	QR            pairing.QRInfo  `json:"qr"`
	Scanned       bool            `json:"scanned"`
	Check         string          `json:"check,omitempty"` // the number the desktop shows once scanned
	CreatedAt     time.Time       `json:"created_at"`
	ExpiresAt     time.Time       `json:"expires_at"`
}

// Logins is GET /mock/v1/logins without HTTP: every pending login still in
// time, oldest first, of the account with this e-mail ("" for every account).
func (s *Server) Logins(email string) ([]TesterLogin, error) {
	logins, err := s.store.ListLogins()
	if err != nil {
		return nil, fmt.Errorf("listing pending logins: %w", err)
	}
	sort.Slice(logins, func(i, j int) bool { return logins[i].CreatedAt.Before(logins[j].CreatedAt) })
	now := s.clock.Now()
	out := []TesterLogin{}
	for _, l := range logins {
		if loginError(l, now) != nil || (email != "" && l.Email != email) {
			continue
		}
		name := ""
		if a, err := s.store.GetAccount(l.Email); err == nil {
			name = a.Name
		}
		out = append(out, TesterLogin{
			LoginID: l.ID, Account: pairing.Account{Email: l.Email, Name: name}, Device: l.Device, IP: l.IP,
			Code: l.Code, CodeExpiresAt: l.CodeExpiresAt, AttemptsLeft: max(s.cfg.CodeAttempts-l.CodeFailures, 0),
			QR: qrInfo(l), Scanned: l.Scanned, Check: l.Check, CreatedAt: l.CreatedAt, ExpiresAt: l.ExpiresAt,
		})
	}
	return out, nil
}

func (s *Server) handleTesterLogins(w http.ResponseWriter, r *http.Request) {
	email := ""
	if v := r.URL.Query().Get("email"); v != "" {
		if email = normalizeEmail(v); !validEmail(email) {
			s.fail(w, r, badRequest("email must be an e-mail address"))
			return
		}
	}
	logins, err := s.Logins(email)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, testerLoginsAnswer{Logins: logins})
}

type testerLoginsAnswer struct {
	Logins []TesterLogin `json:"logins"`
}
