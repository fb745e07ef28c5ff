package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/linkdesk/linkdesk/app"
)

// signInScreen is the e-mail and password form. Focus starts in the e-mail
// field, Tab walks e-mail → password → keep signed in → Sign in, and Enter
// in either field submits.
type signInScreen struct {
	u           *UI
	box         fyne.CanvasObject
	intro       *widget.Label
	email       *widget.Entry
	password    *widget.Entry
	keep        *widget.Check
	submit      *widget.Button
	cancel      *widget.Button // shown while signing in: retries can take a while
	activity    *widget.Activity
	busy        bool
	lastProblem uint64 // Seq of the problem last reacted to, so a redraw does not clear the password again
}

func newSignInScreen(u *UI, s app.State) *signInScreen {
	si := &signInScreen{u: u}
	si.intro = newText(tr("signin.intro"))
	si.email = widget.NewEntry()
	si.email.SetPlaceHolder(tr("signin.email_placeholder"))
	si.email.SetText(s.Email)
	si.email.OnSubmitted = func(string) { si.send() }
	si.password = widget.NewPasswordEntry()
	si.password.SetPlaceHolder(tr("signin.password_placeholder"))
	si.password.OnSubmitted = func(string) { si.send() }
	si.keep = widget.NewCheck(tr("signin.keep"), nil)
	si.keep.SetChecked(s.KeepSignedIn)
	si.submit = widget.NewButton(tr("signin.submit"), si.send)
	si.submit.Importance = widget.HighImportance
	si.activity = widget.NewActivity()
	si.activity.Hide()
	si.cancel = widget.NewButton(tr("signin.cancel"), func() { go u.core.Cancel() })
	si.cancel.Hide()

	emailLabel := widget.NewLabel(tr("signin.email"))
	passwordLabel := widget.NewLabel(tr("signin.password"))
	keepHelp := newText(tr("signin.keep_help"))
	keepHelp.SizeName = theme.SizeNameCaptionText
	si.box = container.NewVBox(
		newTitle(tr("signin.title")),
		si.intro,
		u.problem.content(),
		emailLabel, si.email,
		passwordLabel, si.password,
		si.keep, keepHelp,
		container.NewBorder(nil, nil, si.activity, si.cancel, si.submit),
	)
	return si
}

func (si *signInScreen) kind() screenKind           { return kindSignIn }
func (si *signInScreen) content() fyne.CanvasObject { return si.box }
func (si *signInScreen) stop()                      {}

// focus starts in the e-mail field; a remembered e-mail is
// selected, so typing replaces it and Tab keeps it.
func (si *signInScreen) focus() {
	si.u.win.Canvas().Focus(si.email)
	if si.email.Text != "" {
		si.email.TypedShortcut(&fyne.ShortcutSelectAll{})
	}
}

func (si *signInScreen) update(s app.State) {
	si.busy = s.Phase == app.PhaseSubmitting || s.Busy
	for _, w := range []fyne.Disableable{si.email, si.password, si.keep, si.submit} {
		if si.busy {
			w.Disable()
		} else {
			w.Enable()
		}
	}
	if si.busy {
		si.submit.SetText(tr("signin.busy"))
		si.activity.Show()
		si.activity.Start()
		si.cancel.Show()
	} else {
		si.submit.SetText(tr("signin.submit"))
		si.activity.Stop()
		si.activity.Hide()
		si.cancel.Hide()
	}
	if p := s.Problem; p != nil && !si.busy && p.Seq != si.lastProblem {
		si.lastProblem = p.Seq
		switch p.Input() {
		case app.InputPassword:
			// wrong or missing password: start it again, keep the e-mail
			setText(si.password, "")
			si.u.win.Canvas().Focus(si.password)
		case app.InputEmail:
			si.u.win.Canvas().Focus(si.email)
		}
	}
}

// send signs in in the background; the core checks the form (an empty
// field is a Problem that moves the focus there).
func (si *signInScreen) send() {
	if si.busy {
		return
	}
	email, password, keep := strings.TrimSpace(si.email.Text), si.password.Text, si.keep.Checked
	si.u.run(func(ctx context.Context) { si.u.core.SignIn(ctx, email, password, keep) })
}

// takeInput carries what was typed over a language switch.
func (si *signInScreen) takeInput(old *signInScreen) {
	setText(si.email, old.email.Text)
	setText(si.password, old.password.Text)
	si.keep.SetChecked(old.keep.Checked)
}
