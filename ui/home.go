package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/linkdesk/linkdesk/app"
)

// homeScreen is what a signed-in person sees: whose account this computer
// is linked to, under which name, since when, on which server; and Sign out.
type homeScreen struct {
	u        *UI
	box      fyne.CanvasObject
	name     *widget.Label
	email    *widget.Label
	device   *widget.Label
	since    *widget.Label
	server   *widget.Label
	signOut  *widget.Button
	activity *widget.Activity
}

func newHomeScreen(u *UI, _ app.State) *homeScreen {
	h := &homeScreen{u: u}
	value := func() *widget.Label {
		l := widget.NewLabel("")
		l.Wrapping = fyne.TextWrapBreak
		l.Selectable = true
		return l
	}
	h.name, h.email, h.device, h.since, h.server = value(), value(), value(), value(), value()
	h.name.TextStyle = fyne.TextStyle{Bold: true}
	key := func(k string) *widget.Label { return widget.NewLabel(tr(k)) }
	details := container.New(layout.NewFormLayout(),
		key("home.account"), container.New(layout.NewCustomPaddedVBoxLayout(0), h.name, h.email),
		key("home.device"), h.device,
		key("home.since"), h.since,
		key("home.server"), h.server,
	)
	h.signOut = widget.NewButtonWithIcon(tr("home.sign_out"), theme.LogoutIcon(), func() {
		h.u.run(h.u.core.SignOut)
	})
	h.activity = widget.NewActivity()
	h.activity.Hide()
	h.box = container.NewVBox(
		newTitle(tr("home.title")),
		newText(tr("home.intro")),
		u.problem.content(),
		widget.NewCard("", "", details),
		container.NewHBox(layout.NewSpacer(), h.activity, h.signOut),
	)
	return h
}

func (h *homeScreen) kind() screenKind           { return kindHome }
func (h *homeScreen) content() fyne.CanvasObject { return h.box }
func (h *homeScreen) stop()                      {}
func (h *homeScreen) focus()                     { h.u.win.Canvas().Focus(h.signOut) }

func (h *homeScreen) update(s app.State) {
	if ses := s.Session; ses != nil {
		h.name.SetText(ses.Name)
		h.email.SetText(ses.Email)
		h.name.Hidden = ses.Name == ""
		h.device.SetText(deviceLabel(ses))
		h.since.SetText(formatDateTime(ses.CreatedAt))
	}
	h.server.SetText(s.Server)
	if s.Busy {
		h.signOut.Disable()
		h.activity.Show()
		h.activity.Start()
	} else {
		h.signOut.Enable()
		h.activity.Stop()
		h.activity.Hide()
	}
}

// deviceLabel is "ANNA-LAPTOP (Linux)".
func deviceLabel(s *app.SessionView) string {
	platform := app.PlatformName(s.DevicePlatform)
	switch {
	case s.DeviceName == "":
		return platform
	case platform == "":
		return s.DeviceName
	}
	return s.DeviceName + " (" + platform + ")"
}

// startingScreen shows while the stored session is checked at start.
type startingScreen struct {
	u        *UI
	box      fyne.CanvasObject
	activity *widget.Activity
}

func newStartingScreen(u *UI) *startingScreen {
	st := &startingScreen{u: u, activity: widget.NewActivity()}
	st.activity.Start()
	st.box = container.NewVBox(
		newTitle("Linkdesk"),
		container.NewHBox(st.activity, widget.NewLabel(tr("starting.checking"))),
		u.problem.content(),
	)
	return st
}

func (st *startingScreen) kind() screenKind           { return kindStarting }
func (st *startingScreen) content() fyne.CanvasObject { return st.box }
func (st *startingScreen) update(app.State)           {}
func (st *startingScreen) focus()                     {}
func (st *startingScreen) stop()                      { st.activity.Stop() }
