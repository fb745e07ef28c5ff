package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/linkdesk/linkdesk/app"
	"github.com/linkdesk/linkdesk/pairing"
)

// timedKeyring is an in-memory keychain that notes when a token was first
// stored: the moment the desktop counts as signed in.
type timedKeyring struct {
	mu     sync.Mutex
	items  map[string]string
	stored chan time.Time // receives the time of the first Set
	once   sync.Once
}

func newTimedKeyring() *timedKeyring {
	return &timedKeyring{items: map[string]string{}, stored: make(chan time.Time, 1)}
}

// Get implements app.Keyring.
func (k *timedKeyring) Get(service, user string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	v, ok := k.items[service+"\x00"+user]
	if !ok {
		return "", app.ErrNotFound
	}
	return v, nil
}

// Set implements app.Keyring.
func (k *timedKeyring) Set(service, user, secret string) error {
	k.mu.Lock()
	k.items[service+"\x00"+user] = secret
	k.mu.Unlock()
	at := time.Now()
	k.once.Do(func() { k.stored <- at })
	return nil
}

// Delete implements app.Keyring.
func (k *timedKeyring) Delete(service, user string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.items, service+"\x00"+user)
	return nil
}

// streamWatch is an http.RoundTripper that says when a login's event stream
// has been answered (the server subscribes the stream before it answers),
// so an approval is timed against a desktop that is really listening, as it
// is after the seconds a person needs to scan.
type streamWatch struct {
	next http.RoundTripper
	mu   sync.Mutex
	open map[string]chan struct{} // by login ID
}

func newStreamWatch() *streamWatch {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 4 // as pairing's own client
	return &streamWatch{next: tr, open: map[string]chan struct{}{}}
}

func (s *streamWatch) ch(loginID string) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.open[loginID]
	if !ok {
		c = make(chan struct{})
		s.open[loginID] = c
	}
	return c
}

// RoundTrip implements http.RoundTripper.
func (s *streamWatch) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := s.next.RoundTrip(r)
	if err == nil && resp.StatusCode == http.StatusOK && strings.HasSuffix(r.URL.Path, "/events") &&
		strings.HasPrefix(r.URL.Path, "/v1/logins/") {
		id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v1/logins/"), "/events")
		c := s.ch(id)
		s.mu.Lock()
		select {
		case <-c:
		default:
			close(c)
		}
		s.mu.Unlock()
	}
	return resp, err
}

// waitOpen waits until loginID's event stream has been answered.
func (s *streamWatch) waitOpen(ctx context.Context, loginID string) error {
	select {
	case <-s.ch(loginID):
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting for the event stream of the pending login: %w", ctx.Err())
	}
}

func (s *streamWatch) close() {
	if tr, ok := s.next.(*http.Transport); ok {
		tr.CloseIdleConnections()
	}
}

// desktop is one real app.Core with its own HTTP client, keychain and
// settings, as one computer running Linkdesk.
type desktop struct {
	core    *app.Core
	keyring *timedKeyring
	watch   *streamWatch
	email   string
	shown   chan checkShown // the first State showing a check number, as the ui is handed it
	unsub   func()
}

// checkShown is when the Core published a State with the check number.
type checkShown struct {
	at    time.Time
	check string
}

// newDesktop builds desktop n against the server at base.
func newDesktop(base, dir string, n int) (*desktop, error) {
	watch := newStreamWatch()
	client, err := pairing.NewClient(base, pairing.Options{HTTPClient: &http.Client{
		Transport:     watch,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}})
	if err != nil {
		return nil, fmt.Errorf("desktop client: %w", err)
	}
	settings, err := app.OpenSettings(filepath.Join(dir, fmt.Sprintf("desktop-%03d", n), "settings.json"))
	if err != nil {
		return nil, err
	}
	kr := newTimedKeyring()
	id := settings.DeviceID()
	core := app.New(app.Options{
		Client:   client,
		Sessions: app.NewSessionStore(app.SessionStoreOptions{Keyring: kr}),
		Settings: settings,
		Device: app.DeviceIdentity{ID: id, Name: fmt.Sprintf("BENCH-%03d", n), Platform: pairing.PlatformLinux,
			Fingerprint: app.Fingerprint(id, "bench-machine", fmt.Sprintf("user%d", n))},
		Version: "bench",
	})
	d := &desktop{core: core, keyring: kr, watch: watch, shown: make(chan checkShown, 1)}
	var once sync.Once
	// The ui renders what Subscribe hands it; that moment is "showing".
	d.unsub = core.Subscribe(func(s app.State) {
		if s.Login != nil && s.Login.Scanned {
			at := time.Now()
			once.Do(func() { d.shown <- checkShown{at: at, check: s.Login.Check} })
		}
	})
	return d, nil
}

// checkShownAt waits until the desktop shows the check number.
func (d *desktop) checkShownAt(ctx context.Context) (checkShown, error) {
	select {
	case c := <-d.shown:
		return c, nil
	case <-ctx.Done():
		return checkShown{}, fmt.Errorf("%s: no check number shown: %w", d.email, ctx.Err())
	}
}

// signIn sends the password and waits until the pending login's event
// stream is open; it returns the pending login.
func (d *desktop) signIn(ctx context.Context, email, password string) (*app.LoginView, error) {
	d.email = email
	d.core.SignIn(ctx, email, password, true)
	st := d.core.State()
	if st.Phase != app.PhaseVerifying || st.Login == nil {
		return nil, fmt.Errorf("%s: sign-in ended in %s: %v", email, st.Phase, problemCode(st.Problem))
	}
	if err := d.watch.waitOpen(ctx, st.Login.ID); err != nil {
		return nil, err
	}
	return st.Login, nil
}

// tokenStored waits for the token to reach the keychain.
func (d *desktop) tokenStored(ctx context.Context) (time.Time, error) {
	select {
	case at := <-d.keyring.stored:
		return at, nil
	case <-ctx.Done():
		st := d.core.State()
		return time.Time{}, fmt.Errorf("%s: no token stored (phase %s, problem %v): %w", d.email, st.Phase, problemCode(st.Problem), ctx.Err())
	}
}

func (d *desktop) close() {
	d.unsub()
	d.core.Close()
	d.watch.close()
}

func problemCode(p *app.Problem) string {
	if p == nil {
		return "none"
	}
	return p.Code
}
