package ui

import (
	"bytes"
	"image"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/go-text/typesetting/font"
)

// inkOf renders a label of text in style and returns its ink: how far its
// pixels are from the background, summed (one fully inked pixel is 1).
func inkOf(t *testing.T, text string, style fyne.TextStyle) float64 {
	t.Helper()
	l := widget.NewLabel(text)
	l.TextStyle = style
	l.SizeName = theme.SizeNameHeadingText
	w := test.NewTempWindow(t, container.NewStack(l))
	w.Resize(l.MinSize().Add(fyne.NewSize(8, 8)))
	img := w.Canvas().Capture()
	bg := lum(img, img.Bounds().Min.X, img.Bounds().Min.Y)
	ink := 0.0
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			d := lum(img, x, y) - bg
			if d < 0 {
				d = -d
			}
			ink += d
		}
	}
	return ink
}

func lum(img image.Image, x, y int) float64 {
	r, g, b, _ := img.At(x, y).RGBA()
	return (0.2126*float64(r) + 0.7152*float64(g) + 0.0722*float64(b)) / 0xffff
}

func TestBoldHangulIsBold(t *testing.T) {
	a := test.NewTempApp(t)
	face, err := findBoldHangul()
	if err != nil {
		t.Fatalf("no system bold Korean face (install fonts-noto-cjk: scripts/deps.sh does): %v", err)
	}
	const hangul = "휴대폰으로인증" // 7 syllables, no Latin: the ink is Hangul's alone
	perGlyph := func(style fyne.TextStyle) float64 { return inkOf(t, hangul, style) / 7 }

	a.Settings().SetTheme(theme.DefaultTheme())
	before := perGlyph(fyne.TextStyle{Bold: true}) / perGlyph(fyne.TextStyle{})
	latin := fyne.MeasureText("Linkdesk QR", 20, fyne.TextStyle{Bold: true})

	// Given the Korean theme, when a bold and a regular Korean label are drawn
	a.Settings().SetTheme(koreanTheme{Theme: theme.DefaultTheme(), bold: face})
	regular, bold := perGlyph(fyne.TextStyle{}), perGlyph(fyne.TextStyle{Bold: true})

	// Then the bold one carries measurably more ink per glyph.
	t.Logf("ink per glyph: regular %.1f, bold %.1f (%.2f×); fyne's own fallback: %.2f×", regular, bold, bold/regular, before)
	if bold < 1.2*regular {
		t.Errorf("bold Hangul has %.2f× the ink of regular Hangul, want at least 1.2×", bold/regular)
	}
	// And a space between Korean words is an ordinary word space (the
	// shaper draws it with the Korean face), not a missing glyph.
	size := theme.TextSize()
	for _, style := range []fyne.TextStyle{{}, {Bold: true}} {
		gap := fyne.MeasureText("인증 번호", size, style).Width - fyne.MeasureText("인증번호", size, style).Width
		if gap <= 0 || gap > 0.35*size {
			t.Errorf("bold %v: a space between Korean words is %.1f px at %.0f px text, want a word space (at most 0.35 em)", style.Bold, gap, size)
		}
	}
	// And Latin letters are still drawn by the theme's own face, as in English
	// (the line height follows the Korean face, whose space starts each line).
	if got := fyne.MeasureText("Linkdesk QR", 20, fyne.TextStyle{Bold: true}); got.Width != latin.Width {
		t.Errorf("bold Latin is %.1f px wide with the Korean faces, %.1f px without: it changed face", got.Width, latin.Width)
	}
}

// The code field's placeholder ("숫자 6자리") must not show a wide gap: its
// space is a normal word space, not a monospace cell.
func TestCodePlaceholderHasANormalSpace(t *testing.T) {
	test.NewTempApp(t)
	e := newCodeEntry(6, nil)
	size := theme.TextHeadingSize() // the field draws at heading size (bigText)
	gap := fyne.MeasureText("숫자 6자리", size, e.TextStyle).Width - fyne.MeasureText("숫자6자리", size, e.TextStyle).Width
	if gap > 0.35*size {
		t.Errorf("the placeholder's space is %.1f px at %.0f px text (%.2f em), want at most 0.35 em", gap, size, gap/size)
	}
}

// The cut face is a font file of its own that maps Hangul and the spaces,
// and leaves Latin to the theme's face.
func TestTheCutFaceMapsOnlyWhatTheThemeLacks(t *testing.T) {
	test.NewTempApp(t)
	face, err := findBoldHangul()
	if err != nil {
		t.Fatalf("no system bold Korean face (install fonts-noto-cjk): %v", err)
	}
	parsed, err := font.ParseTTF(bytes.NewReader(face.Content()))
	if err != nil {
		t.Fatalf("the cut face does not parse: %v", err)
	}
	for _, c := range []struct {
		r    rune
		want bool
	}{{'가', true}, {'힣', true}, {'·', false}, {' ', true}, {'A', false}, {'6', false}, {'‘', false}} {
		if _, ok := parsed.Cmap.Lookup(c.r); ok != c.want {
			t.Errorf("%q mapped: %v, want %v", c.r, ok, c.want)
		}
	}
}
