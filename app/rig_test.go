package app

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/assets"
	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
	"github.com/linkdesk/linkdesk/pairing/mockserver/mocktest"
)

// english renders Problems and support reports in tests.
var english = func() *assets.Words {
	w, err := assets.LoadWords("en")
	if err != nil {
		panic(err)
	}
	return w
}()

// seoul is the person's time zone in tests of local times: UTC+9, where
// the server's clock is UTC.
var seoul = time.FixedZone("KST", 9*3600)

// rig is the real mock server in-process (mocktest) plus everything a Core
// needs, with the phone played by a mocktest.Phone. The server's clock is
// fake: tests move it, never sleep.
type rig struct {
	*mocktest.Server
	t        *testing.T
	client   *pairing.Client
	kr       *memKeyring
	store    *SessionStore
	settings *Settings
	phone    *mocktest.Phone
	device   DeviceIdentity

	mu     sync.Mutex
	sleeps []time.Duration // what the Core's retry policy waited
}

// newRig starts a mock server with cheap password hashing and a fake clock.
func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{Server: mocktest.Run(t), t: t, kr: newMemKeyring()}
	r.client = r.Client(pairing.Options{ReconnectDelay: pairing.DefaultReconnectDelay})
	r.store = NewSessionStore(SessionStoreOptions{Keyring: r.kr, Timeout: time.Second})
	var err error
	r.settings, err = OpenSettings(filepath.Join(t.TempDir(), "settings.json"))
	if err != nil {
		t.Fatal(err)
	}
	r.device = r.deviceFor(r.settings.DeviceID(), "machine-1", "anna")
	r.phone = r.Phone(mockserver.DemoEmail, mockserver.DemoPassword)
	return r
}

// deviceFor is a desktop identity with the given parts.
func (r *rig) deviceFor(deviceID, machineID, user string) DeviceIdentity {
	return LoadDeviceIdentity(deviceID, DeviceSources{
		MachineID: fixed(machineID), OSUser: fixed(user), Hostname: fixed("ANNA-LAPTOP"), GOOS: "windows",
	})
}

// options are the Core options of this rig; mods adjust them.
func (r *rig) options(mods ...func(*Options)) Options {
	o := Options{
		Client:   r.client,
		Sessions: r.store,
		Settings: r.settings,
		Device:   r.device,
		Now:      r.Clock.Now,
		Version:  "1.2.3-test",
		Location: time.UTC,
		Retry: RetryPolicy{Sleep: func(ctx context.Context, d time.Duration) error {
			r.mu.Lock()
			r.sleeps = append(r.sleeps, d)
			r.mu.Unlock()
			// Record the wait instead of doing it; a token pause keeps a
			// stream that keeps failing from spinning hot.
			return pairing.Sleep(ctx, time.Millisecond)
		}},
	}
	for _, m := range mods {
		m(&o)
	}
	return o
}

// newCore returns a Core that is closed when the test ends.
func (r *rig) newCore(mods ...func(*Options)) *Core {
	c := New(r.options(mods...))
	r.t.Cleanup(c.Close)
	return c
}

// recordedSleeps returns the waits so far.
func (r *rig) recordedSleeps() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.sleeps...)
}

// fault adds a mock server fault through the tester API (POST /mock/v1/faults).
func (r *rig) fault(f map[string]any) {
	r.t.Helper()
	if resp := r.Do(http.MethodPost, "/mock/v1/faults", f); resp.Status != http.StatusCreated {
		r.t.Fatalf("adding a fault: HTTP %d %s", resp.Status, resp.Body)
	}
}

// link returns the phone's device-link screen.
func (r *rig) link() *pairing.LinkScreen {
	r.t.Helper()
	ls, err := r.phone.Link(context.Background())
	if err != nil {
		r.t.Fatalf("phone link screen: %v", err)
	}
	return ls
}

// scanned has the phone scan the QR code c shows and waits until c shows
// the check number; it returns the phone's answer and c's state.
func (r *rig) scanned(c *Core) (*pairing.ScanResult, State) {
	r.t.Helper()
	scan, err := r.phone.Scan(context.Background(), r.login(c).QRPayload)
	if err != nil {
		r.t.Fatalf("phone scan: %v", err)
	}
	st := waitFor(r.t, c, "showing the check number", time.Second, func(s State) bool { return s.Login != nil && s.Login.Scanned })
	return scan, st
}

// login is the pending login c shows; the test fails when there is none.
func (r *rig) login(c *Core) *LoginView {
	r.t.Helper()
	st := c.State()
	if st.Login == nil {
		r.t.Fatalf("no pending login; phase %v", st.Phase)
	}
	return st.Login
}

// codeFor reads the code the phone shows for the Core's pending login.
func (r *rig) codeFor(c *Core) string {
	r.t.Helper()
	code, err := r.phone.CodeFor(context.Background(), r.login(c).ID)
	if err != nil {
		r.t.Fatalf("phone code: %v", err)
	}
	return code
}

// startSignIn sends the demo account's password from c and returns the
// state once c waits for the phone (the code or the QR code).
func (r *rig) startSignIn(c *Core, keep bool) State {
	r.t.Helper()
	c.SignIn(context.Background(), mockserver.DemoEmail, mockserver.DemoPassword, keep)
	st := c.State()
	if st.Phase != PhaseVerifying || st.Login == nil {
		r.t.Fatalf("after the password: phase %v, problem %+v", st.Phase, st.Problem)
	}
	return st
}

// verifyingCore is a new Core that sent the demo account's password and
// waits for the phone.
func (r *rig) verifyingCore() *Core {
	r.t.Helper()
	c := r.newCore()
	r.startSignIn(c, true)
	return c
}

// signIn signs c in with the demo account and the phone's code.
func (r *rig) signIn(c *Core, keep bool) State {
	r.t.Helper()
	r.startSignIn(c, keep)
	c.SubmitCode(context.Background(), r.codeFor(c))
	return waitFor(r.t, c, "signed in", time.Second, func(s State) bool { return s.Phase == PhaseSignedIn && !s.Busy })
}

// signedInBefore signs in with a Core that is then closed, as an earlier
// run of the app would: the session stays in the keychain for the next.
func (r *rig) signedInBefore() *SessionView {
	r.t.Helper()
	first := r.newCore()
	sess := r.signIn(first, true).Session
	first.Close()
	return sess
}

// loginEnded waits for c to be back at the sign-in form saying why the
// pending login ended (code), and returns that state.
func (r *rig) loginEnded(c *Core, code string) State {
	r.t.Helper()
	st := waitFor(r.t, c, "back at sign-in", time.Second, func(s State) bool { return s.Phase == PhaseSignedOut })
	if st.Problem == nil || st.Problem.Code != code {
		r.t.Fatalf("back at sign-in with problem %+v, want %s", st.Problem, code)
	}
	return st
}

// stored returns the keychain item of the demo account on this server.
func (r *rig) stored() (StoredSession, bool) {
	v, ok := r.kr.get(KeychainService, KeychainUser(r.client.BaseURL(), mockserver.DemoEmail))
	if !ok {
		return StoredSession{}, false
	}
	var ss StoredSession
	if err := json.Unmarshal([]byte(v), &ss); err != nil {
		r.t.Fatalf("keychain item: %v", err)
	}
	return ss, true
}

// waitFor waits up to within (real time) for c's state to satisfy ok and
// returns it; the test fails with what the state was otherwise.
func waitFor(t *testing.T, c *Core, what string, within time.Duration, ok func(State) bool) State {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		st := c.State()
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("not %s within %v: phase %v busy %v problem %+v ended %q", what, within, st.Phase, st.Busy, st.Problem, st.Ended)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// waitBackground waits for c's background calls (cancelled pending logins,
// discarded sessions); streams are not waited for.
func waitBackground(c *Core) { c.r.tasks.Wait() }

// shown is what the person reads of p, in English: what happened, what to do.
func shown(p *Problem) string {
	message, action := p.Text(english)
	return message + " " + action
}
