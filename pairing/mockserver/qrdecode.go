package mockserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
)

// Limits of the QR picture upload of the phone simulator. A picture costs
// memory twice: its bytes while they are read and checked, and its pixels
// while they are decoded and searched for a QR code. Both are bounded, so
// however many uploads arrive at once the server holds at most
// qrUploadSlots × MaxQRImageBytes of bodies and qrDecodeSlots ×
// MaxQRDecodeBytes of pixels (about 16 + 2 × 20 MiB).
const (
	// MaxQRImageBytes is the largest picture POST /phone/v1/qr/decode accepts.
	MaxQRImageBytes = 4 << 20
	// MaxQRDecodeBytes bounds what decoding and reading one picture may
	// allocate, as estimated from its header before any pixel is decoded
	// (checkPicture): 2.6 megapixels of an RGBA PNG, 3 of a JPEG, 4.2 of a
	// GIF. The phone page scales larger photos down before it uploads them.
	MaxQRDecodeBytes = 20 << 20
	// qrFormSlack is what the multipart envelope may add around the picture.
	qrFormSlack = 64 << 10
	// qrUploadSlots caps the picture bodies held in memory at once; more
	// uploads wait (bounded by the request's own read and context limits).
	qrUploadSlots = 4
	// qrDecodeSlots caps concurrent decodes; each one is CPU-bound.
	qrDecodeSlots = 2
)

// Error codes only the phone simulator's picture upload answers with.
const (
	codeImageTooLarge    = "image_too_large"
	codeUnsupportedImage = "unsupported_image"
	codeQRNotFound       = "qr_not_found"
)

// qrReader holds the slots of one server's picture uploads and decodes.
type qrReader struct {
	uploads chan struct{}
	decodes chan struct{}
}

func newQRReader() *qrReader {
	return &qrReader{uploads: make(chan struct{}, qrUploadSlots), decodes: make(chan struct{}, qrDecodeSlots)}
}

// take waits for one of slots; the returned func gives it back. The
// request's context ends when its connection fails, a body read timing out
// included (the journal reads the body first), so that is the answer then.
func take(ctx context.Context, slots chan struct{}) (func(), error) {
	select {
	case slots <- struct{}{}: // a free slot wins over an ended context: reading the body says what happened
		return func() { <-slots }, nil
	default:
	}
	select {
	case slots <- struct{}{}:
		return func() { <-slots }, nil
	case <-ctx.Done():
		return nil, errBodyTimeout()
	}
}

// qrDecodeResult is the answer of POST /phone/v1/qr/decode.
type qrDecodeResult struct {
	Payload string `json:"payload"`
}

// handleQRDecode answers POST /phone/v1/qr/decode: a signed-in phone uploads
// a picture (multipart field "image": PNG, JPEG or GIF, at most
// MaxQRImageBytes) and the server reads its QR code, as a phone camera would.
// The payload is answered, never logged: it holds the QR secret.
func (s *Server) handleQRDecode(w http.ResponseWriter, r *http.Request, q *qrReader) {
	text, err := q.read(w, r)
	if err != nil {
		s.fail(w, r, err) // an *apiError as it is; anything else is a logged 500
		return
	}
	writeJSON(w, http.StatusOK, qrDecodeResult{Payload: text})
}

// read takes an upload slot, reads and checks the picture, then decodes it
// and searches it for a QR code inside a decode slot.
func (q *qrReader) read(w http.ResponseWriter, r *http.Request) (string, error) {
	if err := checkMultipart(r); err != nil {
		return "", err
	}
	release, err := take(r.Context(), q.uploads)
	if err != nil {
		return "", err
	}
	defer release()
	data, err := readImageField(w, r)
	if err != nil {
		return "", err
	}
	if _, err := checkPicture(data); err != nil {
		return "", err
	}
	releaseDecode, err := take(r.Context(), q.decodes)
	if err != nil {
		return "", err
	}
	defer releaseDecode()
	return readPicture(data)
}

// checkMultipart refuses a body that is not multipart/form-data before any of it is read.
func checkMultipart(r *http.Request) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return badRequest("send the picture as multipart/form-data in the field \"image\"")
	}
	return nil
}

// readImageField returns the bytes of the multipart field "image", refusing
// bodies that lack the field or exceed the limit.
func readImageField(w http.ResponseWriter, r *http.Request) ([]byte, error) {
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
	if isTimeout(err) {
		return errBodyTimeout()
	}
	return badRequest("malformed multipart body")
}

// tooLarge refuses a picture over MaxQRImageBytes.
func tooLarge() error {
	return newAPIError(http.StatusRequestEntityTooLarge, codeImageTooLarge,
		fmt.Sprintf("the picture is larger than %d MiB", MaxQRImageBytes>>20))
}
