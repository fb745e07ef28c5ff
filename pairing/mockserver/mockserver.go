// Package mockserver is the Linkdesk mock account and pairing server: the
// desktop API, the phone API (with the phone simulator page) and the tester
// controls of DESIGN.md, with every limit of its "Numbers" table, an
// injectable clock, fault injection, a request journal and a memory or bbolt store.
//
// Start one in a test with
//
//	srv, err := mockserver.New(mockserver.TestConfig())
//	ts := httptest.NewServer(srv.Handler())
//
// or run the cmd/mockserver binary.
package mockserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Server is one mock server. Create it with New and release it with Close.
type Server struct {
	cfg       Config
	log       *slog.Logger
	clock     *Clock
	store     store
	hasher    *passwordHasher
	dummyHash string          // verified for unknown e-mail addresses, so they cost the same time
	seeds     []accountRecord // seeded accounts, hashed once

	logins   *hub // login event streams, by login ID
	sessions *hub // session event streams, by token hash
	grants   *grantReplay
	faults   *faultList
	journal  *journal

	maintenance atomic.Bool
	handler     http.Handler
	sessionMu   sync.Mutex // serialises sign-ins against the desktop limit
	timerMu     sync.Mutex // serialises timer work
	lastPurge   time.Time

	stop       chan struct{}
	loops      sync.WaitGroup // the timer loop and the heartbeats (every)
	removeHook func()

	httpMu  sync.Mutex
	httpSrv *http.Server
	baseURL string

	closeOnce sync.Once
	closeErr  error
}

// New builds a server from cfg: opens the store, seeds the accounts and starts
// the timer loop. It does not listen; use Handler with your own server, or Start.
func New(cfg Config) (*Server, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("mockserver config: %w", err)
	}
	s := &Server{
		cfg:      cfg,
		log:      cfg.Logger,
		clock:    cfg.Clock,
		hasher:   newPasswordHasher(cfg),
		logins:   newHub(),
		sessions: newHub(),
		grants:   newGrantReplay(),
		faults:   newFaultList(),
		journal:  newJournal(cfg.JournalSize),
		stop:     make(chan struct{}),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.clock == nil {
		s.clock = NewClock()
	}
	ctx := context.Background()
	var err error
	if s.dummyHash, err = s.hasher.hash(ctx, "linkdesk-unknown-account"); err != nil {
		return nil, fmt.Errorf("mockserver: %w", err)
	}
	if err := s.hashSeeds(ctx); err != nil {
		return nil, err
	}
	if cfg.StatePath != "" {
		s.store, err = openBoltStore(cfg.StatePath)
		if err != nil {
			return nil, fmt.Errorf("mockserver: %w", err)
		}
	} else {
		s.store = newMemStore()
	}
	if err := s.seed(); err != nil {
		return nil, errors.Join(err, s.store.Close())
	}
	if err := s.restoreClock(); err != nil {
		return nil, errors.Join(err, s.store.Close())
	}
	s.handler = s.routes()
	s.removeHook = s.clock.onAdvance(func() {
		s.saveClock()
		s.processDue()
	})
	s.loops.Go(func() { s.every(s.cfg.TickInterval, s.processDue) })
	s.loops.Go(func() { s.every(s.cfg.Heartbeat, s.sendHeartbeats) })
	return s, nil
}

// restoreClock moves the clock as far as it was moved before a restart on the
// same state file: it never goes back.
func (s *Server) restoreClock() error {
	saved, err := s.store.ClockOffset()
	if err != nil {
		return fmt.Errorf("mockserver: reading the clock: %w", err)
	}
	s.clock.Advance(saved - s.clock.advanced())
	return nil
}

// saveClock keeps the clock's offset in the store after each advance.
func (s *Server) saveClock() {
	if err := s.store.SaveClockOffset(s.clock.advanced()); err != nil && !errors.Is(err, errStoreClosed) {
		s.log.Error("saving the clock offset", "err", err)
	}
}

// hashSeeds validates and hashes the seeded accounts once, so a reset is quick.
func (s *Server) hashSeeds(ctx context.Context) error {
	seeds := s.cfg.Accounts
	if s.cfg.DemoAccount {
		seeds = append([]SeedAccount{{Email: DemoEmail, Password: DemoPassword, Name: DemoName}}, seeds...)
	}
	seen := make(map[string]bool)
	for i, sa := range seeds {
		rec, err := s.newAccount(ctx, sa.Email, sa.Password, sa.Name)
		if err != nil {
			return fmt.Errorf("mockserver: seeded account %d: %w", i+1, err)
		}
		if seen[rec.Email] {
			return fmt.Errorf("mockserver: seeded account %d: %s is listed twice", i+1, rec.Email)
		}
		seen[rec.Email] = true
		s.seeds = append(s.seeds, rec)
	}
	return nil
}

// seed creates the seeded accounts that are missing; a persisted account
// (with a password changed since) is left alone.
func (s *Server) seed() error {
	now := s.clock.Now()
	for _, rec := range s.seeds {
		rec.CreatedAt = now
		if err := s.store.CreateAccount(rec); err != nil && !errors.Is(err, errAlreadyExists) {
			return fmt.Errorf("mockserver: seeding %s: %w", rec.Email, err)
		}
	}
	return nil
}

// newAccount validates an account and hashes its password.
func (s *Server) newAccount(ctx context.Context, email, password, name string) (accountRecord, error) {
	a, err := checkAccount(SeedAccount{Email: email, Password: password, Name: name})
	if err != nil {
		return accountRecord{}, err
	}
	if a.Name == "" {
		a.Name, _, _ = strings.Cut(a.Email, "@")
	}
	hash, err := s.hasher.hash(ctx, a.Password)
	if err != nil {
		return accountRecord{}, err
	}
	return accountRecord{Email: a.Email, Name: a.Name, PasswordHash: hash, CreatedAt: s.clock.Now()}, nil
}

// AddAccount creates an account. It fails when the address is taken or the
// e-mail, password (8 to 1024 characters) or name is not acceptable.
func (s *Server) AddAccount(email, password, name string) error {
	rec, err := s.newAccount(context.Background(), email, password, name)
	if err != nil {
		return fmt.Errorf("adding account: %w", err)
	}
	if err := s.store.CreateAccount(rec); err != nil {
		if errors.Is(err, errAlreadyExists) {
			return fmt.Errorf("adding account %s: %w", rec.Email, errAccountExists)
		}
		return fmt.Errorf("adding account %s: %w", rec.Email, err)
	}
	return nil
}

// errAccountExists is returned by AddAccount for a taken address.
var errAccountExists = errors.New("an account with this e-mail address already exists")

// Handler returns the whole API: desktop, phone (with the simulator page) and tester controls.
func (s *Server) Handler() http.Handler { return s.handler }

// Clock returns the server's clock; Advance moves every lifetime forward.
func (s *Server) Clock() *Clock { return s.clock }

// Start listens on addr ("127.0.0.1:0" picks a free port) and serves in the
// background, over TLS when Config.TLS is set. It returns the base URL.
func (s *Server) Start(addr string) (string, error) {
	s.httpMu.Lock()
	defer s.httpMu.Unlock()
	if s.httpSrv != nil {
		return "", errors.New("mockserver: already started")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("mockserver: listening on %s: %w", addr, err)
	}
	scheme := "http"
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       s.cfg.ReadTimeout, // also the body; net/http lifts it once a body is read, so streams live on
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		ConnContext:       markHandOff, // its event streams may leave net/http (handoff.go)
	}
	if s.cfg.TLS != nil {
		srv.TLSConfig = s.cfg.TLS.Clone()
		scheme = "https"
	}
	s.httpSrv = srv
	s.baseURL = scheme + "://" + publicHostPort(ln.Addr())
	go func() {
		var err error
		if srv.TLSConfig != nil {
			err = srv.ServeTLS(ln, "", "")
		} else {
			err = srv.Serve(ln)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("mock server stopped serving", "err", err)
		}
	}()
	return s.baseURL, nil
}

// publicHostPort turns a listener address into one a client can dial: an
// unspecified host (":0", "[::]") becomes 127.0.0.1.
func publicHostPort(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	host := tcp.IP.String()
	if tcp.IP == nil || tcp.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, fmt.Sprint(tcp.Port))
}

// URL returns the base URL Start listens on, or "" before Start.
func (s *Server) URL() string {
	s.httpMu.Lock()
	defer s.httpMu.Unlock()
	return s.baseURL
}

// PhoneURL returns the phone simulator page, URL()+"/phone" ("" before Start).
func (s *Server) PhoneURL() string {
	u := s.URL()
	if u == "" {
		return ""
	}
	return u + "/phone"
}

// Close ends every event stream (closing the connections of streams handed
// off from net/http), stops the timers and the listener started by Start,
// and closes the store. It is safe to call more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.removeHook()
		close(s.stop)
		s.loops.Wait()
		s.timerMu.Lock() // wait for work started by an Advance; later work sees stop
		s.timerMu.Unlock()
		s.logins.closeAll()
		s.sessions.closeAll()
		var errs []error
		s.httpMu.Lock()
		srv := s.httpSrv
		s.httpMu.Unlock()
		if srv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if err := srv.Shutdown(ctx); err != nil {
				errs = append(errs, fmt.Errorf("stopping the listener: %w", err), srv.Close())
			}
			cancel()
		}
		if err := s.store.Close(); err != nil {
			errs = append(errs, fmt.Errorf("closing the store: %w", err))
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// printable reports whether s has no control characters.
func printable(s string) bool {
	for _, r := range s {
		if r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return false
		}
	}
	return true
}
