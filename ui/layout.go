package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// columnWidth is the widest the content column grows: forms read best narrow.
const columnWidth = 440

// columnLayout centres one column of content no wider than columnWidth and
// gives it its full height, so a tall screen scrolls instead of squeezing.
type columnLayout struct{}

func (columnLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	pad := theme.Padding() * 2
	w := size.Width - 2*pad
	if w > columnWidth {
		w = columnWidth
	}
	for _, o := range objects {
		h := o.MinSize().Height
		if size.Height-2*pad > h {
			h = size.Height - 2*pad
		}
		o.Resize(fyne.NewSize(w, h))
		o.Move(fyne.NewPos((size.Width-w)/2, pad))
	}
}

func (columnLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	pad := theme.Padding() * 2
	min := fyne.NewSize(0, 0)
	for _, o := range objects {
		min = min.Max(o.MinSize())
	}
	if min.Width < columnWidth*0.7 {
		min.Width = columnWidth * 0.7 // room for a wrapped line of a few words
	}
	return min.Add(fyne.NewSize(2*pad, 2*pad))
}

// newTitle returns a screen's heading.
func newTitle(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.TextStyle = fyne.TextStyle{Bold: true}
	l.SizeName = theme.SizeNameHeadingText
	l.Wrapping = fyne.TextWrapWord
	return l
}

// newText returns a label that wraps at word boundaries.
func newText(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// newPanel draws content on a tinted, rounded background with an icon on the
// left: the look of the error panel and the notices.
func newPanel(tint fyne.ThemeColorName, icon fyne.Resource, content fyne.CanvasObject) *fyne.Container {
	bg := canvas.NewRectangle(tinted(tint))
	bg.CornerRadius = theme.InputRadiusSize()
	bg.StrokeColor = theme.Color(tint)
	bg.StrokeWidth = 1
	ic := widget.NewIcon(icon)
	return container.NewStack(bg, container.NewPadded(container.NewBorder(nil, nil, container.NewVBox(ic), nil, content)))
}

// tinted returns a theme colour at low opacity, for panel backgrounds that
// keep the text readable in light and dark themes.
func tinted(name fyne.ThemeColorName) color.Color {
	r, g, b, _ := theme.Color(name).RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0x30}
}

// bigText is the app's theme with larger text: heading size for the
// security code, or size when it is set (the check number).
type bigText struct{ size float32 }

func (bigText) base() fyne.Theme { return fyne.CurrentApp().Settings().Theme() }

func (t bigText) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	return t.base().Color(n, v)
}
func (t bigText) Font(s fyne.TextStyle) fyne.Resource     { return t.base().Font(s) }
func (t bigText) Icon(n fyne.ThemeIconName) fyne.Resource { return t.base().Icon(n) }
func (t bigText) Size(n fyne.ThemeSizeName) float32 {
	switch {
	case n == theme.SizeNameText && t.size > 0:
		return t.size
	case n == theme.SizeNameText:
		return t.base().Size(theme.SizeNameHeadingText)
	}
	return t.base().Size(n)
}
