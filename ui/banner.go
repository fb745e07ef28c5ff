package ui

import (
	"net/url"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/linkdesk/linkdesk/app"
)

// bannerView sits above every screen: the demo-mode notice with the phone
// simulator, and the notice that the token lives in memory only.
type bannerView struct {
	u        *UI
	box      *fyne.Container
	demo     *fyne.Container
	phone    *widget.Button
	fill     *widget.Button
	memory   *fyne.Container
	memoText *widget.Label
}

func newBannerView(u *UI) *bannerView {
	b := &bannerView{u: u}
	b.memoText = newText("")
	b.memory = newPanel(theme.ColorNameWarning, theme.NewWarningThemedResource(theme.WarningIcon()), b.memoText)
	b.memory.Hide()
	b.box = container.NewVBox(b.memory)
	if d := u.opts.Demo; d != nil {
		body := newText(tr("demo.body", map[string]any{"Email": d.Email, "Password": d.Password, "PhoneURL": d.PhoneURL}))
		body.Selectable = true // testers copy the address to a real phone's browser
		b.phone = widget.NewButtonWithIcon(tr("demo.open_phone"), theme.ComputerIcon(), b.openPhone)
		b.fill = widget.NewButtonWithIcon(tr("demo.fill"), theme.AccountIcon(), b.fillIn)
		b.demo = newPanel(theme.ColorNamePrimary, theme.InfoIcon(), container.NewVBox(
			body, container.NewHBox(b.phone, b.fill)))
		b.box.Objects = append([]fyne.CanvasObject{b.demo}, b.box.Objects...)
	}
	return b
}

func (b *bannerView) content() fyne.CanvasObject { return container.NewPadded(b.box) }

// update shows the notices that apply to s.
func (b *bannerView) update(s app.State) {
	if b.fill != nil {
		b.fill.Hidden = kindFor(s.Phase) != kindSignIn
		if s.Busy || s.Phase == app.PhaseSubmitting {
			b.fill.Disable()
		} else {
			b.fill.Enable()
		}
	}
	switch {
	case s.Phase == app.PhaseSignedIn && s.Storage == app.StorageMemoryByChoice:
		b.memoText.SetText(tr("storage.memory_by_choice"))
		b.memory.Show()
	case s.Phase == app.PhaseSignedIn && s.Storage == app.StorageMemoryNoKeychain:
		b.memoText.SetText(tr("storage.memory_no_keychain"))
		b.memory.Show()
	default:
		b.memory.Hide()
	}
	b.box.Refresh()
}

func (b *bannerView) openPhone() {
	u, err := url.Parse(b.u.opts.Demo.PhoneURL)
	if err != nil {
		fyne.LogError("phone simulator address", err)
		return
	}
	if err := b.u.app.OpenURL(u); err != nil {
		fyne.LogError("opening the phone simulator", err)
	}
}

// fillIn types the demo account into the sign-in form.
func (b *bannerView) fillIn() {
	if s, ok := b.u.current.(*signInScreen); ok {
		setText(s.email, b.u.opts.Demo.Email)
		setText(s.password, b.u.opts.Demo.Password)
		b.u.win.Canvas().Focus(s.submit)
	}
}
