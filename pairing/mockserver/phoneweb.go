package mockserver

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"image"
	_ "image/gif"  // registers GIF for image.Decode
	_ "image/jpeg" // registers JPEG for image.Decode
	_ "image/png"  // registers PNG for image.Decode
	"io"
	"io/fs"
	"mime"
	"net/http"
	"strings"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/linkdesk/linkdesk/pairing"
)

// Limits of the QR picture upload of the phone simulator.
const (
	// MaxQRImageBytes is the largest picture POST /phone/v1/qr/decode accepts.
	MaxQRImageBytes = 4 << 20
	// MaxQRImagePixels bounds width×height so a small file cannot claim a
	// huge canvas and exhaust memory while decoding (a 12 MP phone photo fits).
	MaxQRImagePixels = 16 << 20
	// qrFormSlack is what the multipart envelope may add around the picture.
	qrFormSlack = 64 << 10
	// qrDecodeSlots caps concurrent decodes; each one is CPU-bound.
	qrDecodeSlots = 2
)

// Error codes only the phone simulator's picture upload answers with.
const (
	codeImageTooLarge    = "image_too_large"
	codeUnsupportedImage = "unsupported_image"
	codeQRNotFound       = "qr_not_found"
)

// webFiles holds the phone simulator: index.html and its static assets.
//
//go:embed web
var webFiles embed.FS

// setPageSecurityHeaders keeps the simulator page self-contained: it loads
// nothing from elsewhere and cannot be framed.
func setPageSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "+
		"connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
}

// phoneWebRoutes registers the phone simulator page, its assets and the QR
// picture decoder on mux.
func (s *Server) phoneWebRoutes(mux *http.ServeMux) {
	static, err := fs.Sub(webFiles, "web/static")
	if err != nil {
		// The directory is embedded at build time; failing here is a build defect.
		panic(fmt.Sprintf("mockserver: embedded phone assets missing: %v", err))
	}
	mux.HandleFunc("GET /phone", servePhonePage)
	mux.HandleFunc("GET /phone/{$}", servePhonePage)
	mux.Handle("GET /phone/static/", http.StripPrefix("/phone/static/", staticAssets(static)))

	slots := make(chan struct{}, qrDecodeSlots) // bounds concurrent decodes of this server
	mux.HandleFunc("POST /phone/v1/qr/decode", s.asPhone(func(w http.ResponseWriter, r *http.Request, _ string) {
		s.handleQRDecode(w, r, slots)
	}))
}

// servePhonePage answers the single-page app.
func servePhonePage(w http.ResponseWriter, r *http.Request) {
	page, err := webFiles.ReadFile("web/index.html")
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, pairing.CodeInternal, "phone page missing from the build")
		return
	}
	h := w.Header()
	setPageSecurityHeaders(h)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	if _, err := w.Write(page); err != nil {
		return // the client went away; nothing left to tell it
	}
}

// staticAssets serves files of fsys but never a directory listing.
func staticAssets(fsys fs.FS) http.Handler {
	files := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "" || strings.HasSuffix(r.URL.Path, "/") {
			writeError(w, r, http.StatusNotFound, pairing.CodeNotFound, "no such file")
			return
		}
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
}

// qrDecodeResult is the answer of POST /phone/v1/qr/decode.
type qrDecodeResult struct {
	Payload string `json:"payload"`
}

// handleQRDecode answers POST /phone/v1/qr/decode: a signed-in phone uploads
// a picture (multipart field "image": PNG, JPEG or GIF, at most
// MaxQRImageBytes) and the server reads its QR code, as a phone camera would.
// The payload is answered, never logged: it holds the QR secret.
func (s *Server) handleQRDecode(w http.ResponseWriter, r *http.Request, slots chan struct{}) {
	data, err := readImageField(w, r)
	if err == nil {
		var img image.Image
		if img, err = decodePicture(data); err == nil {
			var text string
			if text, err = findQR(r.Context(), slots, img); err == nil {
				writeJSON(w, http.StatusOK, qrDecodeResult{Payload: text})
				return
			}
		}
	}
	s.fail(w, r, err) // an *apiError as it is; anything else is a logged 500
}

// readImageField returns the bytes of the multipart field "image", refusing
// bodies that are not multipart, lack the field or exceed the limit.
func readImageField(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return nil, badRequest("send the picture as multipart/form-data in the field \"image\"")
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxQRImageBytes+qrFormSlack)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, badRequest("malformed multipart body")
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, badRequest("the field \"image\" is missing")
		}
		if err != nil {
			return nil, bodyError(err)
		}
		if part.FormName() != "image" {
			if _, err := io.Copy(io.Discard, part); err != nil {
				return nil, bodyError(err)
			}
			continue
		}
		data, err := io.ReadAll(io.LimitReader(part, MaxQRImageBytes+1))
		if err != nil {
			return nil, bodyError(err)
		}
		if len(data) > MaxQRImageBytes {
			return nil, tooLarge()
		}
		if len(data) == 0 {
			return nil, badRequest("the picture is empty")
		}
		return data, nil
	}
}

// bodyError classifies a failure while reading the request body.
func bodyError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge()
	}
	return badRequest("malformed multipart body")
}

// tooLarge refuses a picture over MaxQRImageBytes.
func tooLarge() error {
	return newAPIError(http.StatusRequestEntityTooLarge, codeImageTooLarge,
		fmt.Sprintf("the picture is larger than %d MiB", MaxQRImageBytes>>20))
}

// decodePicture checks that data is a PNG, JPEG or GIF of a sane size and decodes it.
func decodePicture(data []byte) (image.Image, error) {
	switch http.DetectContentType(data) {
	case "image/png", "image/jpeg", "image/gif":
	default:
		return nil, newAPIError(http.StatusUnsupportedMediaType, codeUnsupportedImage,
			"the file is not a PNG, JPEG or GIF picture")
	}
	unreadable := newAPIError(http.StatusBadRequest, codeUnsupportedImage, "the picture is damaged or cannot be read")
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, unreadable
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > MaxQRImagePixels/cfg.Height {
		return nil, newAPIError(http.StatusRequestEntityTooLarge, codeImageTooLarge,
			fmt.Sprintf("the picture has more than %d megapixels", MaxQRImagePixels>>20))
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, unreadable
	}
	return img, nil
}

// findQR waits for one of slots and reads the QR code in img.
func findQR(ctx context.Context, slots chan struct{}, img image.Image) (string, error) {
	select {
	case slots <- struct{}{}:
		defer func() { <-slots }()
	case <-ctx.Done():
		return "", fmt.Errorf("waiting for a decode slot: %w", ctx.Err())
	}
	if text, ok := readQR(img); ok {
		return text, nil
	}
	return "", newAPIError(http.StatusUnprocessableEntity, codeQRNotFound,
		"no QR code found in the picture; take it straight on, sharp and with the whole code visible")
}

// readQR tries the plain reader, then TryHarder, then TryHarder on the
// inverted picture (a light code on a dark screen).
func readQR(img image.Image) (string, bool) {
	src := gozxing.NewLuminanceSourceFromImage(img)
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
		if text, ok := decodeOnce(a.src, a.hints); ok {
			return text, true
		}
	}
	return "", false
}

// decodeOnce runs one reader pass. The reader is third-party code fed with
// untrusted pixels, so a panic inside it counts as "not found".
func decodeOnce(src gozxing.LuminanceSource, hints map[gozxing.DecodeHintType]any) (text string, ok bool) {
	defer func() {
		if recover() != nil {
			text, ok = "", false
		}
	}()
	bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(src))
	if err != nil {
		return "", false
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, hints)
	if err != nil {
		return "", false
	}
	return res.GetText(), true
}
