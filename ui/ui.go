// Package ui is the Fyne front of Linkdesk: one small struct per screen
// (sign in, verify, home) that renders app.State and calls app.Core. It
// never speaks HTTP and never touches the keychain; everything it knows
// comes from the core's State, and work started from a click runs in a
// goroutine whose results come back through Subscribe and fyne.Do.
package ui

import (
	"context"
	"log/slog"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/linkdesk/linkdesk/app"
	"github.com/linkdesk/linkdesk/assets"
)

// Options configure the ui beyond the core.
type Options struct {
	// Settings remembers the language chosen in the ui; nil: not remembered.
	Settings *app.Settings
	// Language is the --lang choice ("en", "ko"); "" uses the remembered
	// choice or else the system locale.
	Language string
	// Demo is set when Linkdesk runs against its built-in mock server.
	Demo *Demo
	// Version is shown in the footer.
	Version string
	// Log receives one line per screen shown and per problem (codes only,
	// never a secret), for testers and the end-to-end test; nil: discarded.
	Log *slog.Logger
}

// Demo describes the in-process mock server of demo mode.
type Demo struct {
	PhoneURL string // the phone simulator page
	Email    string // the seeded demo account
	Password string
}

// UI is the Linkdesk window's content and its tray menu.
type UI struct {
	app  fyne.App
	win  fyne.Window
	core *app.Core
	opts Options

	do  func(func()) // runs widget work on the UI goroutine: fyne.Do, a queue in tests
	now func() time.Time

	ctx    context.Context // cancelled by Close: ends calls started from the ui
	cancel context.CancelFunc
	unsub  func()

	language string    // current choice: langSystem, langEnglish or langKorean
	state    app.State // last rendered
	current  screen    // what the window shows
	problem  *problemView
	banner   *bannerView
	body     *fyne.Container // holds the current screen's column
	scroll   *container.Scroll
	langSel  *widget.Select // the footer's language selector
	tray     *trayMenu
}

// screen is one of the window's screens. Its widgets live on its struct so
// tests can type and tap on them.
type screen interface {
	// kind tells which screen renders a phase.
	kind() screenKind
	// content is the screen below the window's banner and above its footer.
	content() fyne.CanvasObject
	// update renders a new state; it runs on the UI goroutine.
	update(s app.State)
	// focus puts the keyboard focus where a person starts on this screen.
	focus()
	// stop ends the screen's tickers when it goes away.
	stop()
}

type screenKind int

const (
	kindStarting screenKind = iota
	kindSignIn
	kindVerify
	kindHome
)

// String names the screen in the log ("screen=signin").
func (k screenKind) String() string {
	return [...]string{"starting", "signin", "verify", "home"}[k]
}

// kindFor returns the screen that renders phase.
func kindFor(p app.Phase) screenKind {
	switch p {
	case app.PhaseSignedOut, app.PhaseSubmitting:
		return kindSignIn
	case app.PhaseVerifying:
		return kindVerify
	case app.PhaseSignedIn:
		return kindHome
	}
	return kindStarting
}

// Create builds the Linkdesk window content into w, adds the tray menu where
// the desktop has one, and starts checking the stored session. Call Close
// when the app ends.
func Create(a fyne.App, w fyne.Window, core *app.Core, opts Options) *UI {
	u := newUI(a, w, core, opts, fyne.Do, time.Now)
	u.start()
	go core.Restore(u.ctx)
	return u
}

// newUI builds the ui without starting anything in the background; tests
// pass their own do and now.
func newUI(a fyne.App, w fyne.Window, core *app.Core, opts Options, do func(func()), now func() time.Time) *UI {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	u := &UI{app: a, win: w, core: core, opts: opts, do: do, now: now}
	u.ctx, u.cancel = context.WithCancel(context.Background())
	u.language = opts.Language
	if u.language == "" && opts.Settings != nil && validLanguage(opts.Settings.Language()) {
		u.language = opts.Settings.Language()
	}
	if err := applyLanguage(u.language); err != nil {
		fyne.LogError("choosing the language", err)
		u.language = langSystem
		if err := applyLanguage(u.language); err != nil {
			fyne.LogError("loading the translations", err)
		}
	}
	return u
}

// start shows the first screen and follows the core.
func (u *UI) start() {
	u.win.SetTitle("Linkdesk")
	u.app.SetIcon(fyne.NewStaticResource("linkdesk.png", assets.Icon))
	u.win.Canvas().SetOnTypedKey(func(k *fyne.KeyEvent) {
		if k.Name == fyne.KeyEscape {
			u.escape()
		}
	})
	for _, k := range switchTabKeys {
		u.win.Canvas().AddShortcut(k, func(fyne.Shortcut) { u.switchTab() })
	}
	u.build()
	u.render(u.core.State())
	u.unsub = u.core.Subscribe(func(s app.State) {
		u.do(func() { u.render(s) })
	})
}

// Close stops following the core, ends the screen's tickers and cancels the
// calls the ui started. It does not close the core.
func (u *UI) Close() {
	if u.unsub != nil {
		u.unsub()
	}
	if u.current != nil {
		u.current.stop()
	}
	u.cancel()
}

// build makes the window content in the current language; the current
// screen is made again by the next render.
func (u *UI) build() {
	u.problem = newProblemView(u)
	u.banner = newBannerView(u)
	u.body = container.NewStack()
	footer := u.footer()
	u.win.SetContent(container.NewBorder(u.banner.content(), footer, nil, nil, u.body))
	u.tray = newTrayMenu(u)
}

// footer holds the version and the language selector.
func (u *UI) footer() fyne.CanvasObject {
	choices := []string{tr("language.system"), "English", "한국어"}
	tags := []string{langSystem, langEnglish, langKorean}
	sel := widget.NewSelect(choices, nil)
	u.langSel = sel
	for i, t := range tags {
		if t == u.language {
			sel.SetSelectedIndex(i)
		}
	}
	sel.OnChanged = func(string) {
		if i := sel.SelectedIndex(); i >= 0 && tags[i] != u.language {
			u.setLanguage(tags[i])
		}
	}
	version := widget.NewLabel("Linkdesk " + u.opts.Version)
	version.Importance = widget.LowImportance
	label := widget.NewLabel(tr("language.label"))
	wide := container.NewGridWrap(fyne.NewSize(160, sel.MinSize().Height), sel) // room for "System default"
	return container.NewBorder(widget.NewSeparator(), nil, version, container.NewHBox(label, wide))
}

// setLanguage switches language, remembers the choice and rebuilds the
// window; typed text survives the switch.
func (u *UI) setLanguage(choice string) {
	if err := applyLanguage(choice); err != nil {
		fyne.LogError("switching language", err)
		return
	}
	u.language = choice
	if u.opts.Settings != nil {
		if err := u.opts.Settings.SetLanguage(choice); err != nil {
			fyne.LogError("remembering the language", err) // still switched for this run
		}
	}
	old := u.current
	u.build()
	u.current = nil
	u.render(u.state)
	if si, ok := old.(*signInScreen); ok {
		if now, ok := u.current.(*signInScreen); ok {
			now.takeInput(si)
		}
	}
	if v, ok := old.(*verifyScreen); ok {
		if now, ok := u.current.(*verifyScreen); ok {
			now.takeInput(v)
		}
	}
	if old != nil {
		old.stop()
	}
}

// render shows s: the screen for its phase, the problem, the banners, the tray.
func (u *UI) render(s app.State) {
	prev := u.state
	u.state = s
	k := kindFor(s.Phase)
	fresh := u.current == nil || u.current.kind() != k
	if fresh {
		if u.current != nil {
			u.current.stop()
		}
		u.current = u.newScreen(k, s)
		u.opts.Log.Info("showing", "screen", k.String())
		u.scroll = container.NewVScroll(container.New(columnLayout{}, u.current.content()))
		u.body.Objects = []fyne.CanvasObject{u.scroll}
		u.body.Refresh()
	}
	if p := s.Problem; p != nil && (prev.Problem == nil || !sameProblem(prev.Problem, p)) {
		u.opts.Log.Info("problem", "code", p.Code, "request_id", p.RequestID, "ended", s.Ended)
	}
	u.problem.update(s.Problem, s.Busy)
	u.banner.update(s)
	u.current.update(s)
	u.tray.update(s)
	u.relayout()
	// back at the form from elsewhere (cancel, session ended): start again;
	// a failed sign-in moves the focus itself (signInScreen.update)
	if fresh || (prev.Phase != s.Phase && s.Phase == app.PhaseSignedOut && prev.Phase != app.PhaseSubmitting) {
		u.current.focus()
	}
}

func (u *UI) newScreen(k screenKind, s app.State) screen {
	switch k {
	case kindSignIn:
		return newSignInScreen(u, s)
	case kindVerify:
		return newVerifyScreen(u, s)
	case kindHome:
		return newHomeScreen(u, s)
	}
	return newStartingScreen(u)
}

// relayout fits the screen to what its widgets now need: fyne does not
// lay a container out again when a child's minimum size changes.
func (u *UI) relayout() {
	if u.scroll != nil {
		u.scroll.Refresh()
	}
}

// escape is Esc anywhere in the window: it cancels a sign-in under way.
func (u *UI) escape() {
	switch u.state.Phase {
	case app.PhaseSubmitting, app.PhaseVerifying:
		u.core.Cancel()
	}
}

// switchTab is Ctrl+Tab where no field takes it: the verify screen's other tab.
func (u *UI) switchTab() {
	if v, ok := u.current.(*verifyScreen); ok {
		v.switchTab()
	}
}

// run starts a core call in the background; its outcome arrives as State.
func (u *UI) run(call func(ctx context.Context)) {
	go call(u.ctx)
}

// showWindow brings the window back (tray "Open").
func (u *UI) showWindow() {
	u.win.Show()
	u.win.RequestFocus()
}
