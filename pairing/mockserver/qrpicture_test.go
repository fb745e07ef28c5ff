package mockserver

import (
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"runtime"
	"strings"
	"testing"
)

// The cost checkPicture estimates from a header is what bounds the server's
// memory, so it must cover what decoding and reading really allocate.
func TestDecodeCostCoversWhatReadingAPictureAllocates(t *testing.T) {
	payload := pwPayload(t)
	qr := pwQRImage(t, payload, 900) // paletted black and white
	rgba := image.NewNRGBA(qr.Bounds())
	gray16 := image.NewGray16(qr.Bounds())
	for y := range qr.Bounds().Dy() {
		for x := range qr.Bounds().Dx() {
			c := qr.At(x, y)
			rgba.Set(x, y, color.NRGBAModel.Convert(c))
			gray16.Set(x, y, color.Gray16Model.Convert(c))
		}
	}
	jpegOf := func(w io.Writer, m image.Image) error { return jpeg.Encode(w, m, &jpeg.Options{Quality: 90}) }
	gifOf := func(w io.Writer, m image.Image) error { return gif.Encode(w, m, nil) }
	for name, data := range map[string][]byte{
		"PNG paletted": pwEncode(t, qr, png.Encode),
		"PNG NRGBA":    pwEncode(t, rgba, png.Encode),
		"PNG Gray16":   pwEncode(t, gray16, png.Encode),
		"JPEG":         pwEncode(t, rgba, jpegOf),
		"GIF":          pwEncode(t, qr, gifOf),
		"PNG Gray16 without a QR code (every try runs)": pwEncode(t, image.NewGray16(qr.Bounds()), png.Encode),
	} {
		info, err := checkPicture(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		text, err := readPicture(data)
		runtime.ReadMemStats(&after)
		if want := payload; strings.Contains(name, "without") {
			if err == nil {
				t.Fatalf("%s: read %q", name, text)
			}
		} else if err != nil || text != want {
			t.Fatalf("%s: read %q, %v", name, text, err)
		}
		allocated := int64(after.TotalAlloc - before.TotalAlloc)
		t.Logf("%s %d×%d: estimated %.1f MiB, allocated %.1f MiB", name, info.width, info.height,
			float64(info.cost)/(1<<20), float64(allocated)/(1<<20))
		if allocated > info.cost {
			t.Errorf("%s: reading allocated %d bytes, more than the %d estimated", name, allocated, info.cost)
		}
	}
}

func TestJPEGProgressiveIsRecognised(t *testing.T) {
	baseline := pwEncode(t, image.NewGray(image.Rect(0, 0, 16, 16)), func(w io.Writer, m image.Image) error { return jpeg.Encode(w, m, nil) })
	if jpegProgressive(baseline) {
		t.Error("a baseline JPEG reads as progressive")
	}
	// The same file with its frame header marked SOF2.
	progressive := append([]byte(nil), baseline...)
	for i := 2; i+1 < len(progressive); i++ {
		if progressive[i] == 0xff && progressive[i+1] == 0xc0 {
			progressive[i+1] = 0xc2
			break
		}
	}
	if !jpegProgressive(progressive) {
		t.Error("a progressive JPEG reads as baseline")
	}
	for _, junk := range [][]byte{nil, {0xff, 0xd8}, {0xff, 0xd8, 0xff, 0xe0, 0xff, 0xff}, {0xff, 0xd8, 0x00}} {
		jpegProgressive(junk) // must not panic
	}
}
