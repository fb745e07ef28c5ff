package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/linkdesk/linkdesk/app"
	"github.com/linkdesk/linkdesk/pairing"
)

// verifyScreen proves the phone: the security code shown on the phone, or
// the QR code scanned by it. The code field has the focus on arrival and
// submits itself on the last digit; Esc cancels the pending login.
type verifyScreen struct {
	u        *UI
	box      fyne.CanvasObject
	intro    *widget.Label
	tabs     *container.AppTabs
	codeTab  *container.TabItem
	qrTab    *container.TabItem
	code     *codeEntry
	codeLeft *widget.Label
	renew    *escButton
	qr       *qrView
	help     *widget.Accordion
	cancel   *escButton
	activity *widget.Activity

	login  pairing.PendingLogin // last rendered
	method app.Method
	busy   bool
	sent   string // the code last sent, so a redraw does not send it twice
	lastAt string // the problem last reacted to
	done   chan struct{}
}

func newVerifyScreen(u *UI, s app.State) *verifyScreen {
	v := &verifyScreen{u: u, method: app.MethodCode, done: make(chan struct{})}
	length := pairing.DefaultCodeLength
	if s.Login != nil && s.Login.Code.Length > 0 {
		length = s.Login.Code.Length
	}
	device := u.core.Device().Name
	if device == "" {
		device = tr("verify.this_computer")
	}
	v.intro = newText(tr("verify.intro", map[string]any{"Email": s.Email}))
	v.code = newCodeEntry(length, v.onCancel)
	v.code.SetPlaceHolder(tr("verify.code_placeholder", map[string]any{"Length": length}))
	v.code.OnChanged = v.onCodeChanged
	v.code.onSwitchTab = v.switchTab
	v.codeLeft = newText("")
	v.renew = newEscButton(tr("verify.renew"), v.onRenew, v.onCancel)
	v.renew.Icon = theme.ViewRefreshIcon()
	v.activity = widget.NewActivity()
	v.activity.Hide()

	codeSteps := newText(tr("verify.code_steps", map[string]any{"Device": device, "Length": length}))
	codeLabel := widget.NewLabel(tr("verify.code_label"))
	codeLabel.TextStyle = fyne.TextStyle{Bold: true}
	codeBox := container.NewVBox(
		codeSteps,
		codeLabel,
		container.NewBorder(nil, nil, nil, v.activity, container.NewThemeOverride(v.code, bigText{})),
		v.codeLeft,
		container.NewHBox(v.renew, layout.NewSpacer()),
	)

	v.qr = newQRView()
	qrBox := container.NewVBox(newText(tr("verify.qr_steps", map[string]any{"Device": device})), v.qr.box)

	v.codeTab = container.NewTabItem(tr("verify.tab_code"), codeBox)
	v.qrTab = container.NewTabItem(tr("verify.tab_qr"), qrBox)
	v.tabs = container.NewAppTabs(v.codeTab, v.qrTab)
	v.tabs.OnSelected = v.onTab

	v.help = widget.NewAccordion(widget.NewAccordionItem(tr("help.title"), helpContent()))
	v.cancel = newEscButton(tr("verify.cancel"), v.onCancel, v.onCancel)
	v.cancel.Icon = theme.CancelIcon()

	v.box = container.NewVBox(
		// Cancel sits by the title, in view whatever the tab and the window height
		container.NewBorder(nil, nil, nil, container.NewCenter(v.cancel), newTitle(tr("verify.title"))),
		v.intro,
		u.problem.content(),
		v.tabs,
		v.help,
	)
	v.start()
	return v
}

// helpContent lists why a code may not show up and what to do, in the
// order a person can check them.
func helpContent() fyne.CanvasObject {
	keys := []string{"help.open_app", "help.offline", "help.update", "help.notifications",
		"help.account", "help.expired", "help.limit", "help.qr"}
	box := container.NewVBox()
	for _, k := range keys {
		box.Add(newText("• " + tr(k)))
	}
	return box
}

func (v *verifyScreen) kind() screenKind           { return kindVerify }
func (v *verifyScreen) content() fyne.CanvasObject { return v.box }

// start ticks the countdowns once a second until stop.
func (v *verifyScreen) start() {
	t := time.NewTicker(time.Second)
	go func() {
		defer t.Stop()
		for {
			select {
			case <-v.done:
				return
			case <-t.C:
				v.u.do(v.tick)
			}
		}
	}()
}

func (v *verifyScreen) stop() {
	select {
	case <-v.done:
	default:
		close(v.done)
	}
}

func (v *verifyScreen) focus() {
	if v.tabs.Selected() == v.codeTab {
		v.u.win.Canvas().Focus(v.code)
	} else {
		v.u.win.Canvas().Unfocus()
	}
}

// tick redraws the time left for the code and for the QR code.
func (v *verifyScreen) tick() {
	now := v.u.now()
	if v.login.Code.ExpiresAt.IsZero() {
		v.codeLeft.SetText("")
	} else if left := v.login.Code.ExpiresAt.Sub(now); left > 0 {
		v.codeLeft.SetText(tr("verify.code_expires", map[string]any{"Time": formatCountdown(left)}))
		v.codeLeft.Importance = widget.MediumImportance
	} else {
		v.codeLeft.SetText(tr("verify.code_expired"))
		v.codeLeft.Importance = widget.WarningImportance
	}
	v.codeLeft.Refresh()
	v.qr.tick(now, v.login.QR.ExpiresAt)
}

func (v *verifyScreen) update(s app.State) {
	if s.Login != nil {
		if s.Login.Code.Length > 0 {
			v.code.length = s.Login.Code.Length
		}
		v.login = *s.Login
		v.qr.setPayload(s.Login.QR.Payload)
	}
	if s.Method != v.method {
		v.method = s.Method
		v.tabs.OnSelected = nil // following the core, not the person: do not report back
		if s.Method == app.MethodQR {
			v.tabs.Select(v.qrTab)
		} else {
			v.tabs.Select(v.codeTab)
		}
		v.tabs.OnSelected = v.onTab
	}
	v.busy = s.Busy
	if v.busy {
		v.renew.Disable()
		v.activity.Show()
		v.activity.Start()
	} else {
		v.renew.Enable()
		v.activity.Stop()
		v.activity.Hide()
	}
	if p := s.Problem; p != nil && !v.busy && p.At.String() != v.lastAt {
		v.lastAt = p.At.String()
		switch p.Code {
		case pairing.CodeInvalidCode, pairing.CodeCodeExpired, pairing.CodeInvalidFormat:
			// start the code again; the problem panel says why
			v.sent = ""
			setText(&v.code.Entry, "")
			if v.tabs.Selected() == v.codeTab {
				v.u.win.Canvas().Focus(v.code)
			}
		}
	}
	v.tick()
}

// onCodeChanged sends the code once it has all its digits.
func (v *verifyScreen) onCodeChanged(text string) {
	if len(text) < v.code.length {
		v.sent = ""
		return
	}
	if v.busy || text == v.sent {
		return
	}
	v.sent = text
	v.u.run(func(ctx context.Context) { v.u.core.SubmitCode(ctx, text) })
}

func (v *verifyScreen) onTab(t *container.TabItem) {
	m := app.MethodCode
	if t == v.qrTab {
		m = app.MethodQR
	}
	if m == app.MethodCode {
		v.u.win.Canvas().Focus(v.code)
	}
	v.u.relayout()
	if m != v.method {
		v.method = m
		go v.u.core.UseMethod(m)
	}
}

// switchTab shows the other tab (Ctrl+Tab); on the QR tab nothing keeps the
// focus, so no typing lands in the hidden code field.
func (v *verifyScreen) switchTab() {
	if v.tabs.Selected() == v.codeTab {
		v.tabs.Select(v.qrTab)
		v.u.win.Canvas().Unfocus()
		return
	}
	v.tabs.Select(v.codeTab)
}

func (v *verifyScreen) onRenew() {
	v.sent = ""
	setText(&v.code.Entry, "")
	v.u.run(v.u.core.RenewCode)
	v.u.win.Canvas().Focus(v.code)
}

func (v *verifyScreen) onCancel() {
	go v.u.core.Cancel()
}

// takeInput carries the typed code over a language switch (the tab follows
// the core's Method).
func (v *verifyScreen) takeInput(old *verifyScreen) {
	v.sent = old.sent
	v.code.OnChanged = nil
	setText(&v.code.Entry, old.code.Text)
	v.code.OnChanged = v.onCodeChanged
	v.focus()
}
