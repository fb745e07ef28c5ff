package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/linkdesk/linkdesk/app"
)

// problemView is the error panel every screen shows under its title: what
// happened, what to do, Retry when trying again can help, and a button that
// copies the details a support person asks for.
type problemView struct {
	u       *UI
	box     *fyne.Container
	message *widget.Label
	action  *widget.Label
	retry   *widget.Button
	copy    *widget.Button
	dismiss *widget.Button
	shown   *app.Problem
}

func newProblemView(u *UI) *problemView {
	v := &problemView{u: u}
	v.message = newText("")
	v.message.TextStyle = fyne.TextStyle{Bold: true}
	v.action = newText("")
	v.retry = widget.NewButtonWithIcon(tr("problem.retry"), theme.ViewRefreshIcon(), v.onRetry)
	v.retry.Importance = widget.HighImportance
	v.copy = widget.NewButtonWithIcon(tr("problem.copy"), theme.ContentCopyIcon(), v.onCopy)
	v.dismiss = widget.NewButtonWithIcon("", theme.CancelIcon(), v.onDismiss)
	v.dismiss.Importance = widget.LowImportance
	buttons := container.NewHBox(v.retry, v.copy)
	text := container.NewBorder(nil, nil, nil, container.NewVBox(v.dismiss), container.New(layout.NewCustomPaddedVBoxLayout(0), v.message, v.action))
	v.box = newPanel(theme.ColorNameError, theme.NewErrorThemedResource(theme.ErrorIcon()),
		container.NewVBox(text, container.NewHBox(buttons, layout.NewSpacer())))
	v.box.Hide()
	return v
}

// content is the panel; it takes no room while there is no problem.
func (v *problemView) content() fyne.CanvasObject { return v.box }

// update shows p (nil hides the panel); busy disables Retry while a call runs.
func (v *problemView) update(p *app.Problem, busy bool) {
	if p == nil {
		v.shown = nil
		v.box.Hide()
		return
	}
	if v.shown == nil || v.shown.Seq != p.Seq {
		v.copy.SetText(tr("problem.copy"))
	}
	v.shown = p
	message, action := p.Text(translations{})
	v.message.SetText(message)
	v.action.SetText(action)
	v.action.Hidden = action == ""
	v.retry.Hidden = !p.Retryable
	if busy {
		v.retry.Disable()
	} else {
		v.retry.Enable()
	}
	v.box.Show()
	v.box.Refresh()
}

func (v *problemView) onRetry() {
	v.u.run(v.u.core.Retry)
}

func (v *problemView) onCopy() {
	if v.shown == nil {
		return
	}
	p := *v.shown
	v.u.app.Clipboard().SetContent(v.u.core.SupportReport(&p, translations{}))
	v.copy.SetText(tr("problem.copied"))
}

func (v *problemView) onDismiss() {
	v.u.core.DismissProblem()
}
