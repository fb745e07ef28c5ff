package ui

import (
	"errors"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
	qrcode "github.com/skip2/go-qrcode"
)

// qrSide is the size the QR code is drawn at: big enough for a phone camera
// at arm's length, small enough to leave the instructions in view.
const qrSide = 208

// qrView draws the pending login's QR payload and counts down to the next
// rotation. The code is always dark modules on a white quiet zone, which
// phone cameras need, so it stays readable in the dark theme.
type qrView struct {
	image     *canvas.Image
	missing   *widget.Label
	countdown *widget.Label
	payload   string
	box       fyne.CanvasObject
}

func newQRView() *qrView {
	q := &qrView{}
	q.image = canvas.NewImageFromImage(nil)
	q.image.FillMode = canvas.ImageFillContain
	q.image.ScaleMode = canvas.ImageScalePixels
	q.image.SetMinSize(fyne.NewSize(qrSide, qrSide))
	q.missing = widget.NewLabel(tr("verify.qr_unavailable"))
	q.missing.Hide()
	q.countdown = widget.NewLabel("")
	q.countdown.Alignment = fyne.TextAlignCenter
	bg := canvas.NewRectangle(color.White)
	bg.SetMinSize(fyne.NewSize(qrSide, qrSide))
	q.box = container.NewVBox(
		container.NewCenter(container.NewStack(bg, q.image, container.NewCenter(q.missing))),
		q.countdown,
	)
	return q
}

// setPayload draws payload, unless it is already drawn.
func (q *qrView) setPayload(payload string) {
	if payload == q.payload {
		return
	}
	q.payload = payload
	if payload == "" {
		q.image.Image = nil
		q.missing.Show()
		q.image.Refresh()
		return
	}
	code, err := qrcode.New(payload, qrcode.Medium)
	if err != nil {
		// go-qrcode's error may quote the payload, which holds a secret
		fyne.LogError("drawing the QR code", errors.New("the payload could not be encoded"))
		q.image.Image = nil
		q.missing.Show()
		q.image.Refresh()
		return
	}
	code.ForegroundColor = color.Black
	code.BackgroundColor = color.White
	q.image.Image = code.Image(-8) // 8 pixels a module: sharp at any scale
	q.missing.Hide()
	q.image.Refresh()
}

// tick shows the time until the payload rotates.
func (q *qrView) tick(now, expires time.Time) {
	if q.payload == "" || expires.IsZero() {
		q.countdown.SetText("")
		return
	}
	left := expires.Sub(now)
	if left <= 0 {
		q.countdown.SetText(tr("verify.qr_refreshing"))
		return
	}
	q.countdown.SetText(tr("verify.qr_refresh", map[string]any{"Time": formatCountdown(left)}))
}
