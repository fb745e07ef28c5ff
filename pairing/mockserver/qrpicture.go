package mockserver

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	_ "image/gif"  // registers GIF for image.Decode
	_ "image/jpeg" // registers JPEG for image.Decode
	_ "image/png"  // registers PNG for image.Decode
	"net/http"

	"github.com/makiuchi-d/gozxing"
	multiqr "github.com/makiuchi-d/gozxing/multi/qrcode"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// readerBytesPerPixel is what the QR reader adds to a decoded picture: our
// luminance plane, the inverted one of the last try and the binarizer's bitmaps.
const readerBytesPerPixel = 4

// pictureInfo is what a picture's header says, before any pixel is decoded.
type pictureInfo struct {
	format        string
	width, height int
	cost          int64 // bytes decoding and reading it may allocate (decodeCost)
}

// checkPicture reads only the header of data: the format must be PNG, JPEG or
// GIF, the size sane, and the cost of decoding it at most MaxQRDecodeBytes.
func checkPicture(data []byte) (pictureInfo, error) {
	switch http.DetectContentType(data) {
	case "image/png", "image/jpeg", "image/gif":
	default:
		return pictureInfo{}, newAPIError(http.StatusUnsupportedMediaType, codeUnsupportedImage,
			"the file is not a PNG, JPEG or GIF picture")
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return pictureInfo{}, errUnreadable()
	}
	perPixel := decodedBytesPerPixel(format, cfg.ColorModel, data) + readerBytesPerPixel
	info := pictureInfo{format: format, width: cfg.Width, height: cfg.Height}
	if int64(cfg.Width) > MaxQRDecodeBytes/int64(cfg.Height)/perPixel { // no overflow whatever the header claims
		return info, newAPIError(http.StatusRequestEntityTooLarge, codeImageTooLarge, fmt.Sprintf(
			"the picture has %d×%d pixels; a %s picture may have at most %.1f megapixels: send a smaller one",
			cfg.Width, cfg.Height, format, float64(MaxQRDecodeBytes/perPixel)/1e6))
	}
	info.cost = int64(cfg.Width) * int64(cfg.Height) * perPixel
	return info, nil
}

func errUnreadable() *apiError {
	return newAPIError(http.StatusBadRequest, codeUnsupportedImage, "the picture is damaged or cannot be read")
}

// decodedBytesPerPixel is what the standard decoders allocate per pixel for
// a picture of this format and color model, rounded up.
func decodedBytesPerPixel(format string, model color.Model, data []byte) int64 {
	var per int64
	switch model {
	case color.GrayModel, color.AlphaModel:
		per = 1
	case color.Gray16Model, color.Alpha16Model:
		per = 2
	case color.RGBA64Model, color.NRGBA64Model:
		per = 8
	case color.YCbCrModel:
		per = 3 // 4:4:4 at most
	case color.CMYKModel:
		per = 8 // decoded as YCbCr plus a black plane, then converted
	default: // RGBA, NRGBA and palettes
		per = 4
		if _, ok := model.(color.Palette); ok {
			per = 1
		}
	}
	switch {
	case format == "png" && pngInterlaced(data):
		per *= 2 // every pass is an image of its own before the whole
	case format == "jpeg" && jpegProgressive(data):
		per += 16 // a 16-bit coefficient per pixel, four components at most, kept until the end
	}
	return per
}

// pngInterlaced reads the interlace byte of a PNG header.
func pngInterlaced(data []byte) bool {
	const interlaceAt = 8 + 8 + 12 // signature, chunk length and type, then 12 bytes of IHDR
	return len(data) > interlaceAt && data[interlaceAt] != 0
}

// jpegProgressive walks a JPEG's markers to its frame header and reports
// whether it is progressive (SOF2, SOF6, SOF10, SOF14), whose decoder keeps
// every coefficient until the last scan.
func jpegProgressive(data []byte) bool {
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xff {
			return false
		}
		marker := data[i+1]
		switch {
		case marker == 0xff: // fill byte
			i++
			continue
		case marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc:
			return marker&0x3 == 0x2 // SOF2, SOF6, SOF10, SOF14
		case marker == 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker == 0x01:
			i += 2 // no length
			continue
		}
		i += 2 + (int(data[i+2])<<8 | int(data[i+3]))
	}
	return false
}

// readPicture decodes a picture checkPicture accepted and reads its QR code.
func readPicture(data []byte) (string, error) {
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return "", errUnreadable()
	}
	w, h, lum := luminance(img) // img is dead from here on: the GC may take it during the search
	src, err := gozxing.NewPlanarYUVLuminanceSource(lum, w, h, 0, 0, w, h, false)
	if err != nil {
		return "", errUnreadable()
	}
	if text, ok := readQR(src); ok {
		return text, nil
	}
	return "", newAPIError(http.StatusUnprocessableEntity, codeQRNotFound,
		"no QR code found in the picture; take it straight on, sharp and with the whole code visible")
}

// luminance is img's brightness, one byte a pixel, computed as gozxing's own
// image source does (transparent parts count as white), without boxing a
// color per pixel (which would allocate as much again as the picture).
func luminance(img image.Image) (int, int, []byte) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := make([]byte, 0, w*h)
	switch m := img.(type) {
	case *image.Gray:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			i := m.PixOffset(b.Min.X, y)
			out = append(out, m.Pix[i:i+w]...)
		}
	case *image.YCbCr: // Y is the luminance
		for y := b.Min.Y; y < b.Max.Y; y++ {
			i := m.YOffset(b.Min.X, y)
			out = append(out, m.Y[i:i+w]...)
		}
	case *image.Paletted:
		lut := make([]byte, len(m.Palette))
		for i, c := range m.Palette {
			lut[i] = luma(c.RGBA())
		}
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				if idx := int(m.ColorIndexAt(x, y)); idx < len(lut) {
					out = append(out, lut[idx])
				} else {
					out = append(out, 0)
				}
			}
		}
	case image.RGBA64Image: // every other kind of the standard library (NRGBA, RGBA, Gray16, CMYK…)
		out = appendLuma(out, b, m.RGBA64At)
	default: // no decoder of checkPicture's formats makes another type; At boxes a color per pixel
		out = appendLuma(out, b, img.At)
	}
	return w, h, out
}

// appendLuma appends the luma of every pixel of r, read by at: a typed
// accessor (RGBA64At) returns a color without boxing it.
func appendLuma[C color.Color](out []byte, r image.Rectangle, at func(x, y int) C) []byte {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			out = append(out, luma(at(x, y).RGBA()))
		}
	}
	return out
}

// luma is gozxing's brightness of a premultiplied 16-bit color over white.
func luma(r, g, b, a uint32) byte {
	lum := (r + 2*g + b) * 255 / (4 * 0xffff)
	return byte((lum*a + (0xffff-a)*255) / 0xffff)
}

// readQR tries the plain reader, then TryHarder, then TryHarder on the
// inverted picture (a light code on a dark screen), then the reader that
// weighs every trio of finder patterns: the plain one settles on a wrong trio
// for about 1 % of Linkdesk's payloads, even in a clean screenshot.
func readQR(src gozxing.LuminanceSource) (string, bool) {
	harder := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}
	attempts := []struct {
		src   gozxing.LuminanceSource
		hints map[gozxing.DecodeHintType]any
	}{
		{src, nil},
		{src, harder},
		{src.Invert(), harder},
	}
	for _, a := range attempts {
		if text, ok := decodeOnce(a.src, a.hints, false); ok {
			return text, true
		}
	}
	return decodeOnce(src, harder, true)
}

// decodeOnce runs one reader pass, with the multiple-code reader when
// multi is set (its first code is the answer). The reader is third-party
// code fed with untrusted pixels, so a panic inside it counts as "not found".
func decodeOnce(src gozxing.LuminanceSource, hints map[gozxing.DecodeHintType]any, multi bool) (text string, ok bool) {
	defer func() {
		if recover() != nil {
			text, ok = "", false
		}
	}()
	bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(src))
	if err != nil {
		return "", false
	}
	if multi {
		res, err := multiqr.NewQRCodeMultiReader().DecodeMultiple(bmp, hints)
		if err != nil || len(res) == 0 {
			return "", false
		}
		return res[0].GetText(), true
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, hints)
	if err != nil {
		return "", false
	}
	return res.GetText(), true
}
