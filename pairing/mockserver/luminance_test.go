package mockserver

import (
	"image"
	"image/color"
	"image/draw"
	"testing"

	"github.com/makiuchi-d/gozxing"
)

// onlyAt is a picture with the methods of image.Image and no others.
type onlyAt struct{ image.Image }

// luminance reads every pixel kind the decoders make as gozxing's own image
// source does (transparent parts over white); YCbCr takes its Y as it is,
// which for grey pixels differs from the RGB route by rounding only.
func TestLuminanceIsGozxingsForEveryPixelKind(t *testing.T) {
	r := image.Rect(3, 5, 19, 21) // not at the origin: offsets count
	shade := func(x, y int) color.NRGBA64 {
		return color.NRGBA64{R: uint16(x * 3001), G: uint16(y * 2999), B: uint16((x + y) * 1501), A: uint16(0xffff - (x*y)%7*9000)}
	}
	fill := func(m draw.Image) image.Image {
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				m.Set(x, y, shade(x, y))
			}
		}
		return m
	}
	palette := color.Palette{color.White, color.Black, color.NRGBA{R: 200, G: 10, B: 90, A: 128}, color.Transparent}
	ycc := image.NewYCbCr(r, image.YCbCrSubsampleRatio420)
	for i := range ycc.Y {
		ycc.Y[i] = uint8(i * 7)
	}
	for i := range ycc.Cb { // grey, as a photo of a black and white code is
		ycc.Cb[i], ycc.Cr[i] = 128, 128
	}
	kinds := []struct {
		name      string
		img       image.Image
		tolerance int
	}{
		{"Gray", fill(image.NewGray(r)), 0},
		{"Gray16", fill(image.NewGray16(r)), 0},
		{"NRGBA", fill(image.NewNRGBA(r)), 0},
		{"RGBA", fill(image.NewRGBA(r)), 0},
		{"NRGBA64", fill(image.NewNRGBA64(r)), 0},
		{"RGBA64", fill(image.NewRGBA64(r)), 0},
		{"CMYK", fill(image.NewCMYK(r)), 0},
		{"Paletted", fill(image.NewPaletted(r, palette)), 0},
		{"Alpha", fill(image.NewAlpha(r)), 0},
		{"a kind with At alone", onlyAt{fill(image.NewNRGBA(r))}, 0},
		{"YCbCr", ycc, 2},
	}
	for _, k := range kinds {
		w, h, got := luminance(k.img)
		want := gozxing.NewLuminanceSourceFromImage(k.img).GetMatrix()
		if w != r.Dx() || h != r.Dy() || len(got) != len(want) {
			t.Fatalf("%s: %d×%d, %d bytes; want %d×%d, %d", k.name, w, h, len(got), r.Dx(), r.Dy(), len(want))
		}
		for i := range want {
			if d := int(got[i]) - int(want[i]); d > k.tolerance || -d > k.tolerance {
				t.Errorf("%s: pixel %d is %d, gozxing reads %d", k.name, i, got[i], want[i])
				break
			}
		}
	}
}
