package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// checkTextSize is how big the check number is drawn: readable across a
// desk, so the person can compare it with the phone's three numbers.
const checkTextSize = 72

// confirmView takes the QR code's place once a phone has scanned it: the
// QR code is gone (no second phone can use it), and the number the person
// must pick on the phone is shown in large type, with a way out for whoever
// did not start this.
type confirmView struct {
	box    *fyne.Container
	title  *widget.Label
	steps  *widget.Label
	number *widget.Label
	notYou *escButton
}

func newConfirmView(onCancel func()) *confirmView {
	c := &confirmView{}
	c.title = newTitle(tr("verify.confirm_title"))
	c.steps = newText(tr("verify.confirm_steps"))
	c.number = widget.NewLabel("")
	c.number.Alignment = fyne.TextAlignCenter
	c.number.TextStyle = fyne.TextStyle{Bold: true}
	c.notYou = newEscButton(tr("verify.confirm_not_you"), onCancel, onCancel)
	c.notYou.Icon = theme.CancelIcon()
	c.box = container.NewVBox(
		c.title,
		c.steps,
		container.NewThemeOverride(c.number, bigText{size: checkTextSize}),
		container.NewHBox(layout.NewSpacer(), c.notYou, layout.NewSpacer()),
	)
	c.box.Hide()
	return c
}

// show puts check on screen.
func (c *confirmView) show(check string) {
	if c.number.Text != check {
		c.number.SetText(check)
	}
	c.box.Show()
}
