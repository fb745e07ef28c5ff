package ui

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/linkdesk/linkdesk/app"
	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
	"github.com/linkdesk/linkdesk/pairing/mockserver/mocktest"
)

// harness is the ui against a real core and the real mock server in this
// process. Widget work that the core and the tickers send through fyne.Do is
// queued and run on the test goroutine by waitFor, so the test drives the
// widgets the way the one UI goroutine would.
type harness struct {
	t        *testing.T
	srv      *mocktest.Server
	url      string
	core     *app.Core
	settings *app.Settings
	app      fyne.App
	win      fyne.Window
	u        *UI
	phone    *mocktest.Phone
	ctx      context.Context

	mu      sync.Mutex
	queue   []func()
	changes int // states the core has published
}

// harnessOptions vary the start.
type harnessOptions struct {
	language      string // --lang; "" English
	savedLanguage string // saved in the settings; when set, --lang is not given
	demo          *Demo
	noPhone       bool
}

func newHarness(t *testing.T, o harnessOptions) *harness {
	t.Helper()
	h := &harness{t: t, app: test.NewTempApp(t)}
	var cancel context.CancelFunc
	h.ctx, cancel = context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)

	srv := mocktest.Run(t)
	h.srv, h.url = srv, srv.URL
	client := srv.Client(pairing.Options{})
	var err error
	h.settings, err = app.OpenSettings(filepath.Join(t.TempDir(), "settings.json"))
	if err != nil {
		t.Fatal(err)
	}
	h.core = app.New(app.Options{
		Client:   client,
		Sessions: app.NewSessionStore(app.SessionStoreOptions{Keyring: &app.MemoryKeyring{}}), // never the real keychain
		Settings: h.settings,
		Device:   app.DeviceIdentity{ID: "test-device", Name: "TEST-PC", Platform: pairing.PlatformLinux, Fingerprint: strings.Repeat("ab", 32)},
		Now:      srv.Clock.Now,
		Version:  "test",
		// retry at once: the tests look at the outcome, app's tests at the backoff
		Retry: app.RetryPolicy{Attempts: 2, Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }},
	})
	t.Cleanup(h.core.Close)
	unsub := h.core.Subscribe(func(app.State) {
		h.mu.Lock()
		h.changes++
		h.mu.Unlock()
	})
	t.Cleanup(unsub)

	lang := o.language
	if lang == "" {
		lang = langEnglish
	}
	if o.savedLanguage != "" {
		if err := h.settings.SetLanguage(o.savedLanguage); err != nil {
			t.Fatal(err)
		}
		lang = langSystem
	}
	h.win = test.NewTempWindow(t, nil)
	h.win.Resize(fyne.NewSize(600, 900))
	h.u = newUI(h.app, h.win, h.core, Options{Settings: h.settings, Language: lang, Demo: o.demo, Version: "test"}, h.enqueue, srv.Clock.Now)
	t.Cleanup(h.u.Close)
	t.Cleanup(func() {
		if err := applyLanguage(langEnglish); err != nil {
			t.Errorf("restoring English: %v", err)
		}
	})
	h.u.start()
	go h.core.Restore(h.u.ctx)
	h.waitScreen(kindSignIn)

	if !o.noPhone {
		h.phone = srv.Phone(mockserver.DemoEmail, mockserver.DemoPassword)
	}
	return h
}

func (h *harness) enqueue(f func()) {
	h.mu.Lock()
	h.queue = append(h.queue, f)
	h.mu.Unlock()
}

// drain runs the widget work queued so far, in order.
func (h *harness) drain() {
	for {
		h.mu.Lock()
		q := h.queue
		h.queue = nil
		h.mu.Unlock()
		if len(q) == 0 {
			return
		}
		for _, f := range q {
			f()
		}
	}
}

// waitFor runs queued widget work until cond holds (polling, 10 s at most).
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		h.drain()
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s; state %+v", what, h.core.State())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (h *harness) changeCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.changes
}

// act does what a person does (type, tap) and waits until the core has
// answered with a new state, is idle again and the window shows it.
func (h *harness) act(do func()) {
	h.t.Helper()
	before := h.changeCount()
	do()
	h.waitFor("the core to answer", func() bool { return h.changeCount() > before })
	h.settle()
}

// settle waits until the core is idle and its last state is rendered.
func (h *harness) settle() {
	h.t.Helper()
	h.waitFor("the core to be idle", func() bool {
		s := h.core.State()
		return !s.Busy && s.Phase != app.PhaseSubmitting && s.Phase != app.PhaseStarting &&
			h.u.state.Phase == s.Phase && h.u.state.Busy == s.Busy && problemSeq(h.u.state.Problem) == problemSeq(s.Problem)
	})
}

// problemSeq numbers p; 0 for none.
func problemSeq(p *app.Problem) uint64 {
	if p == nil {
		return 0
	}
	return p.Seq
}

func (h *harness) waitScreen(k screenKind) {
	h.t.Helper()
	h.waitFor("the "+k.String()+" screen", func() bool { return h.u.current != nil && h.u.current.kind() == k })
}

// shown returns the screen the window shows, failing the test unless it is
// the one of kind want.
func shown[S screen](h *harness, want screenKind) S {
	h.t.Helper()
	s, ok := h.u.current.(S)
	if !ok {
		h.t.Fatalf("the window shows %v, not the %v screen", h.u.current.kind(), want)
	}
	return s
}

func (h *harness) signIn() *signInScreen { h.t.Helper(); return shown[*signInScreen](h, kindSignIn) }
func (h *harness) verify() *verifyScreen { h.t.Helper(); return shown[*verifyScreen](h, kindVerify) }
func (h *harness) home() *homeScreen     { h.t.Helper(); return shown[*homeScreen](h, kindHome) }

// typeSignIn fills the form the way a person does, presses Enter in the
// password field and waits for the answer.
func (h *harness) typeSignIn(email, password string) {
	h.t.Helper()
	s := h.signIn()
	for field, text := range map[*widget.Entry]string{s.email: email, s.password: password} {
		h.win.Canvas().Focus(field)
		field.TypedShortcut(&fyne.ShortcutSelectAll{}) // what a person does to retype a field
		test.Type(field, text)
	}
	h.act(func() { s.password.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) })
}

// toVerify signs in with the demo account and waits for the verify screen.
func (h *harness) toVerify() *verifyScreen {
	h.t.Helper()
	h.typeSignIn(mockserver.DemoEmail, mockserver.DemoPassword)
	h.waitScreen(kindVerify)
	return h.verify()
}

// phoneCode reads the code the phone's device-link screen shows for the
// pending login.
func (h *harness) phoneCode() string {
	h.t.Helper()
	id := h.core.State().Login.ID
	code, err := h.phone.CodeFor(h.ctx, id)
	if err != nil {
		h.t.Fatalf("reading the code on the phone: %v", err)
	}
	return code
}

// toHome goes all the way through sign-in and code.
func (h *harness) toHome() *homeScreen {
	h.t.Helper()
	v := h.toVerify()
	code := h.phoneCode()
	h.act(func() { test.Type(v.code, code) })
	h.waitScreen(kindHome)
	return h.home()
}

// problemText is what the error panel says, or "" when it is hidden.
func (h *harness) problemText() string {
	if !h.u.problem.box.Visible() {
		return ""
	}
	return h.u.problem.message.Text + " " + h.u.problem.action.Text
}

// labelsIn returns the texts of every label under o, in order.
func labelsIn(o fyne.CanvasObject) []string {
	var out []string
	switch w := o.(type) {
	case *widget.Label:
		out = append(out, w.Text)
	case *fyne.Container:
		for _, c := range w.Objects {
			out = append(out, labelsIn(c)...)
		}
	}
	return out
}
