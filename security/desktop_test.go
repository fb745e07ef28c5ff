package security

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/app"
)

// memKeyring is an in-memory OS keychain that keeps every value it was given.
type memKeyring struct {
	app.MemoryKeyring
	mu     sync.Mutex
	values []string // every value ever Set, for the leak scan's positive control
}

func newMemKeyring() *memKeyring { return &memKeyring{} }

func (k *memKeyring) Set(service, user, secret string) error {
	k.mu.Lock()
	k.values = append(k.values, secret)
	k.mu.Unlock()
	return k.MemoryKeyring.Set(service, user, secret)
}

func (k *memKeyring) stored() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]string(nil), k.values...)
}

// desktop is the real desktop core with an in-memory keychain and a
// settings file in a temporary folder.
type desktop struct {
	core     *app.Core
	keyring  *memKeyring
	settings *app.Settings
	dir      string
}

func (r *rig) desktop(n int) *desktop {
	r.t.Helper()
	dir := r.t.TempDir()
	settings, err := app.OpenSettings(filepath.Join(dir, "linkdesk", "settings.json"))
	if err != nil {
		r.t.Fatal(err)
	}
	kr := newMemKeyring()
	dev := device(n)
	core := app.New(app.Options{
		Client:   r.client(),
		Sessions: app.NewSessionStore(app.SessionStoreOptions{Keyring: kr, Timeout: time.Second}),
		Settings: settings,
		Device:   app.DeviceIdentity{ID: settings.DeviceID(), Name: dev.Name, Platform: dev.Platform, Fingerprint: dev.Fingerprint},
		Now:      r.Clock.Now,
		Version:  "security-test",
		Location: time.UTC,
	})
	r.t.Cleanup(core.Close)
	return &desktop{core: core, keyring: kr, settings: settings, dir: dir}
}

// waitFor waits (real time, at most 5 s) until the core's state satisfies cond.
func (d *desktop) waitFor(t *testing.T, what string, cond func(app.State) bool) app.State {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st := d.core.State()
		if cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; state: phase %s, problem %v", what, st.Phase, problemCode(st.Problem))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func problemCode(p *app.Problem) string {
	if p == nil {
		return "none"
	}
	return p.Code
}

// signIn sends the password and waits for the verify screen.
func (d *desktop) signIn(t *testing.T, email, password string) *app.LoginView {
	t.Helper()
	d.core.SignIn(context.Background(), email, password, true)
	st := d.core.State()
	if st.Phase != app.PhaseVerifying || st.Login == nil {
		t.Fatalf("sign-in ended in %s (%s)", st.Phase, problemCode(st.Problem))
	}
	return st.Login
}
