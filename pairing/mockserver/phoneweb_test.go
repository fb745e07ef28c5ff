package mockserver

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver/openapitest"
)

// phoneWeb is a mock server seen through its HTTP handler, with a signed-in phone.
type phoneWeb struct {
	srv     *Server
	handler http.Handler
	token   string // phone token of the demo account
}

func newPhoneWeb(t *testing.T) phoneWeb {
	t.Helper()
	srv := newTestServer(t)
	pw := phoneWeb{srv: srv, handler: openapitest.New(t, openAPISpec).Handler(srv.Handler())}
	body, err := json.Marshal(pairing.PhoneSignInRequest{Email: DemoEmail, Password: DemoPassword})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/phone/v1/signin", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	pw.handler.ServeHTTP(rec, req)
	var in pairing.PhoneSignIn
	if err := json.Unmarshal(rec.Body.Bytes(), &in); rec.Code != http.StatusOK || err != nil || in.PhoneToken == "" {
		t.Fatalf("phone sign-in: status %d, body %.200s", rec.Code, rec.Body)
	}
	pw.token = in.PhoneToken
	return pw
}

// scan has the demo phone scan payload.
func (pw phoneWeb) scan(t *testing.T, payload string) pairing.ScanResult {
	t.Helper()
	var sr pairing.ScanResult
	rec := pw.post(t, "/phone/v1/qr/scan", pairing.ScanRequest{Payload: payload})
	if err := json.Unmarshal(rec.Body.Bytes(), &sr); rec.Code != http.StatusOK || err != nil {
		t.Fatalf("scan: status %d, body %.200s", rec.Code, rec.Body)
	}
	return sr
}

// approve has the demo phone pick check, and returns the status.
func (pw phoneWeb) approve(t *testing.T, loginID, check string) int {
	t.Helper()
	return pw.post(t, "/phone/v1/logins/"+loginID+"/approve", pairing.ApproveRequest{Check: check}).Code
}

// post sends v as JSON with the demo phone's token.
func (pw phoneWeb) post(t *testing.T, path string, v any) *httptest.ResponseRecorder {
	t.Helper()
	body, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+pw.token)
	pw.handler.ServeHTTP(rec, req)
	return rec
}

func (pw phoneWeb) get(t *testing.T, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	pw.handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

func TestPhonePageIsServed(t *testing.T) {
	pw := newPhoneWeb(t)
	for _, path := range []string{"/phone", "/phone/"} {
		rec := pw.get(t, path)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: status %d, want 200", path, rec.Code)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("GET %s: Content-Type %q, want text/html; charset=utf-8", path, ct)
		}
		csp := rec.Header().Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "connect-src 'self'") {
			t.Errorf("GET %s: Content-Security-Policy %q does not keep the page self-contained", path, csp)
		}
		if !strings.Contains(rec.Body.String(), "Linked devices") {
			t.Errorf("GET %s: page lacks the device-link screen", path)
		}
	}
}

func TestPhonePageAssetsExistWithTheirTypes(t *testing.T) {
	pw := newPhoneWeb(t)
	page := pw.get(t, "/phone").Body.String()
	refs := regexp.MustCompile(`(?:src|href)="(/phone/static/[^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(refs) == 0 {
		t.Fatal("the page references no static assets")
	}
	wantType := map[string]string{".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
	for _, m := range refs {
		rec := pw.get(t, m[1])
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: status %d, want 200", m[1], rec.Code)
			continue
		}
		ext := m[1][strings.LastIndex(m[1], "."):]
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, wantType[ext]) || wantType[ext] == "" {
			t.Errorf("GET %s: Content-Type %q, want %q", m[1], ct, wantType[ext])
		}
	}
	// Modules imported by other modules are served too.
	for _, name := range []string{"app.js", "api.js", "view.js", "link.js", "scan.js", "dialog.js", "i18n.js"} {
		if rec := pw.get(t, "/phone/static/"+name); rec.Code != http.StatusOK {
			t.Errorf("GET /phone/static/%s: status %d, want 200", name, rec.Code)
		}
	}
	for _, path := range []string{"/phone/static/", "/phone/static/missing.js"} {
		if rec := pw.get(t, path); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404 (no listing, no guessing)", path, rec.Code)
		}
	}
}

// i18nKeys returns the keys of one language block of i18n.js.
func i18nKeys(t *testing.T, src, lang string) []string {
	t.Helper()
	start := strings.Index(src, "\n  "+lang+": {")
	if start < 0 {
		t.Fatalf("i18n.js has no %q block", lang)
	}
	block := src[start:]
	if end := strings.Index(block, "\n  }"); end >= 0 {
		block = block[:end]
	}
	var keys []string
	for _, m := range regexp.MustCompile(`(?m)^\s+"([a-zA-Z_.]+)":`).FindAllStringSubmatch(block, -1) {
		keys = append(keys, m[1])
	}
	slices.Sort(keys)
	return keys
}

func TestPhonePageSpeaksEnglishAndKorean(t *testing.T) {
	pw := newPhoneWeb(t)
	src := pw.get(t, "/phone/static/i18n.js").Body.String()
	// Given the strings a person reads on the main screens
	for _, want := range []string{
		"Linked devices", "기기 연결 관리",
		"Is this you?", "본인이 맞나요?",
		"Approve", "승인", "Decline", "거절",
		"Change password", "비밀번호 변경",
		"Request ID", "요청 ID",
	} {
		if !strings.Contains(src, want) {
			t.Errorf("i18n.js lacks %q", want)
		}
	}
	// Then both languages have exactly the same keys
	en, ko := i18nKeys(t, src, "en"), i18nKeys(t, src, "ko")
	if len(en) < 50 {
		t.Fatalf("only %d English keys found; parser out of step with i18n.js?", len(en))
	}
	if !slices.Equal(en, ko) {
		t.Errorf("English and Korean keys differ:\n en only: %v\n ko only: %v", pwMinus(en, ko), pwMinus(ko, en))
	}
	// And every key the page uses is translated
	page := pw.get(t, "/phone").Body.String()
	for _, m := range regexp.MustCompile(`data-i18n="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		if _, ok := slices.BinarySearch(en, m[1]); !ok {
			t.Errorf("index.html uses untranslated key %q", m[1])
		}
	}
	// The visible switch offers both languages.
	for _, want := range []string{`data-lang="en"`, `data-lang="ko"`, "한국어"} {
		if !strings.Contains(page, want) {
			t.Errorf("index.html lacks the language switch part %q", want)
		}
	}
}

func pwMinus(a, b []string) []string {
	var out []string
	for _, k := range a {
		if !slices.Contains(b, k) {
			out = append(out, k)
		}
	}
	return out
}

// upload posts data as the multipart field named field, signed in as the phone.
func (pw phoneWeb) upload(t *testing.T, field string, data []byte) *httptest.ResponseRecorder {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile(field, "qr.png")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/phone/v1/qr/decode", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if pw.token != "" {
		req.Header.Set("Authorization", "Bearer "+pw.token)
	}
	rec := httptest.NewRecorder()
	pw.handler.ServeHTTP(rec, req)
	return rec
}

func pwPayload(t *testing.T) string {
	t.Helper()
	secret := make([]byte, pairing.QRSecretBytes)
	if _, err := rand.Read(secret); err != nil {
		t.Fatal(err)
	}
	return pairing.QRPayload{LoginID: "lg_8f3a2c9d1e", Secret: secret}.String()
}

func pwQRImage(t *testing.T, payload string, size int) image.Image {
	t.Helper()
	q, err := qrcode.New(payload, qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	return q.Image(size)
}

func pwEncode(t *testing.T, img image.Image, enc func(io.Writer, image.Image) error) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := enc(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestQRDecodeReadsARealPayload(t *testing.T) {
	pw := newPhoneWeb(t)
	payload := pwPayload(t)
	pngQR, err := qrcode.Encode(payload, qrcode.Medium, 256)
	if err != nil {
		t.Fatal(err)
	}
	code := pwQRImage(t, payload, 240)
	// The plain reader takes a wrong trio of finder patterns for about 1 % of
	// payloads; this one, drawn at 240 px, is one of them.
	const misread = "linkdesk://link?v=1&l=lg_8f3a2c9d1e&s=JKcLxY8fIR1JBmFJ9gjRSQ"
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"PNG from go-qrcode", pngQR, payload},
		{"JPEG", pwEncode(t, code, func(w io.Writer, m image.Image) error { return jpeg.Encode(w, m, &jpeg.Options{Quality: 80}) }), payload},
		{"GIF", pwEncode(t, code, func(w io.Writer, m image.Image) error { return gif.Encode(w, m, nil) }), payload},
		{"light code on a dark screen", pwEncode(t, pwInverted(code), png.Encode), payload},
		{"small code on a large grey photo", pwEncode(t, pwOnCanvas(code, 1600, 1200), png.Encode), payload},
		{"a payload the plain reader misreads", pwEncode(t, pwOnCanvas(pwQRImage(t, misread, 240), 800, 600), png.Encode), misread},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// When the phone uploads a picture of the desktop's QR code
			rec := pw.upload(t, "image", tt.data)
			// Then the server answers the exact payload
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d, body %s", rec.Code, rec.Body)
			}
			var got qrDecodeResult
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("answer is not JSON: %v", err)
			}
			if got.Payload != tt.want {
				t.Errorf("decoded %q, want %q", got.Payload, tt.want)
			}
			if _, err := pairing.ParseQR(got.Payload); err != nil {
				t.Errorf("decoded payload does not parse: %v", err)
			}
		})
	}
}

func pwInverted(img image.Image) image.Image {
	b := img.Bounds()
	out := image.NewGray(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			g := color.GrayModel.Convert(img.At(x, y)).(color.Gray)
			out.SetGray(x, y, color.Gray{Y: 255 - g.Y})
		}
	}
	return out
}

func pwOnCanvas(img image.Image, w, h int) image.Image {
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(out, out.Bounds(), image.NewUniform(color.RGBA{R: 140, G: 130, B: 120, A: 255}), image.Point{}, draw.Src)
	at := image.Pt(w/3, h/4)
	draw.Draw(out, img.Bounds().Add(at), img, img.Bounds().Min, draw.Src)
	return out
}

// pwPNGClaiming returns a valid 1×1 PNG whose header claims w×h pixels.
func pwPNGClaiming(t *testing.T, w, h uint32) []byte {
	t.Helper()
	data := pwEncode(t, image.NewGray(image.Rect(0, 0, 1, 1)), png.Encode)
	ihdr := data[8+8 : 8+8+13] // after the signature, length and "IHDR"
	binary.BigEndian.PutUint32(ihdr[0:4], w)
	binary.BigEndian.PutUint32(ihdr[4:8], h)
	binary.BigEndian.PutUint32(data[8+8+13:], crc32.ChecksumIEEE(data[8+4:8+8+13]))
	return data
}

// Pictures are checked by their header before any pixel is decoded: one too
// large to read within the memory of one decode is refused, saying how
// large a picture may be, and pictures that fit are still read.
func TestQRDecodeRefusesTooManyPixelsBeforeDecoding(t *testing.T) {
	pw := newPhoneWeb(t)
	rec := pw.upload(t, "image", pwPNGClaiming(t, 4096, 4096))
	pwAssertError(t, rec, http.StatusRequestEntityTooLarge, codeImageTooLarge)
	if !regexp.MustCompile(`at most [0-9.]+ megapixels`).MatchString(rec.Body.String()) {
		t.Errorf("the refusal does not say how large a picture may be: %s", rec.Body)
	}
	// A screenshot-sized QR code in every accepted format is read.
	payload := pwPayload(t)
	for name, data := range map[string][]byte{
		"PNG 1200×1200":  pwEncode(t, pwQRImage(t, payload, 1200), png.Encode),
		"JPEG 1200×1200": pwEncode(t, pwQRImage(t, payload, 1200), func(w io.Writer, m image.Image) error { return jpeg.Encode(w, m, nil) }),
		"GIF 1200×1200":  pwEncode(t, pwQRImage(t, payload, 1200), func(w io.Writer, m image.Image) error { return gif.Encode(w, m, nil) }),
	} {
		rec := pw.upload(t, "image", data)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), payload) {
			t.Errorf("%s: %d %.200s", name, rec.Code, rec.Body)
		}
	}
}

func TestQRDecodeRefusesBadUploadsCleanly(t *testing.T) {
	pw := newPhoneWeb(t)
	blank := pwEncode(t, image.NewGray(image.Rect(0, 0, 200, 200)), png.Encode)
	pngQR, err := qrcode.Encode(pwPayload(t), qrcode.Medium, 256)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		field    string
		data     []byte
		wantCode int
		wantErr  string
	}{
		{"empty file", "image", nil, http.StatusBadRequest, pairing.CodeBadRequest},
		{"wrong field name", "file", pngQR, http.StatusBadRequest, pairing.CodeBadRequest},
		{"random bytes", "image", []byte("\x00\x01\x02garbage\xff\xfe"), http.StatusUnsupportedMediaType, codeUnsupportedImage},
		{"a text file", "image", []byte("linkdesk://link?v=1&l=x&s=y"), http.StatusUnsupportedMediaType, codeUnsupportedImage},
		{"a PDF", "image", []byte("%PDF-1.7\n1 0 obj\n"), http.StatusUnsupportedMediaType, codeUnsupportedImage},
		{"truncated PNG", "image", pngQR[:len(pngQR)/2], http.StatusBadRequest, codeUnsupportedImage},
		{"PNG signature then garbage", "image", append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0xAB}, 64)...), http.StatusBadRequest, codeUnsupportedImage},
		{"picture without a QR code", "image", blank, http.StatusUnprocessableEntity, codeQRNotFound},
		{"one byte over 4 MiB", "image", append(append([]byte{}, pngQR...), make([]byte, MaxQRImageBytes+1-len(pngQR))...), http.StatusRequestEntityTooLarge, codeImageTooLarge},
		{"5 MiB in another field", "other", make([]byte, 5<<20), http.StatusRequestEntityTooLarge, codeImageTooLarge},
		{"tiny file claiming 20000×20000 pixels", "image", pwPNGClaiming(t, 20000, 20000), http.StatusRequestEntityTooLarge, codeImageTooLarge},
		{"tiny file claiming 4096×4096 pixels", "image", pwPNGClaiming(t, 4096, 4096), http.StatusRequestEntityTooLarge, codeImageTooLarge},
		{"a real 4096×4096 picture of 70 KB", "image", pwEncode(t, image.NewGray(image.Rect(0, 0, 4096, 4096)), png.Encode), http.StatusRequestEntityTooLarge, codeImageTooLarge},
		{"tiny file claiming zero width", "image", pwPNGClaiming(t, 0, 10), http.StatusBadRequest, codeUnsupportedImage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := pw.upload(t, tt.field, tt.data)
			pwAssertError(t, rec, tt.wantCode, tt.wantErr)
		})
	}
}

func TestQRDecodeNeedsASignedInPhone(t *testing.T) {
	pw := newPhoneWeb(t)
	pngQR, err := qrcode.Encode(pwPayload(t), qrcode.Medium, 256)
	if err != nil {
		t.Fatal(err)
	}
	for name, token := range map[string]string{"no token": "", "unknown token": "ldp_not-a-real-token"} {
		t.Run(name, func(t *testing.T) {
			// Given a picture of a real QR code, uploaded without a valid phone token
			anon := pw
			anon.token = token
			rec := anon.upload(t, "image", pngQR)
			// Then nothing is decoded
			pwAssertError(t, rec, http.StatusUnauthorized, pairing.CodeUnauthorized)
			if strings.Contains(rec.Body.String(), "linkdesk://") {
				t.Error("the refusal leaks the payload")
			}
		})
	}
}

func TestQRDecodeRefusesNonMultipartBodies(t *testing.T) {
	pw := newPhoneWeb(t)
	tests := []struct {
		name, contentType, body string
	}{
		{"JSON", "application/json", `{"image":"aGVsbG8="}`},
		{"no content type", "", "hello"},
		{"multipart without boundary", "multipart/form-data", "--x\r\n"},
		{"multipart with a broken body", "multipart/form-data; boundary=abc", "--abc\r\nContent-Disposition: form-data; name=\"image\"\r\n\r\nnot ended"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/phone/v1/qr/decode", strings.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			req.Header.Set("Authorization", "Bearer "+pw.token)
			rec := httptest.NewRecorder()
			pw.handler.ServeHTTP(rec, req)
			pwAssertError(t, rec, http.StatusBadRequest, pairing.CodeBadRequest)
		})
	}
}

func pwAssertError(t *testing.T, rec *httptest.ResponseRecorder, status int, code string) {
	t.Helper()
	if rec.Code != status {
		t.Errorf("status %d, want %d (body %.200s)", rec.Code, status, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want JSON", ct)
	}
	var body pairing.ErrorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("error body is not JSON: %v", err)
	}
	if body.Error.Code != code {
		t.Errorf("error code %q, want %q", body.Error.Code, code)
	}
	if body.Error.Message == "" {
		t.Error("error without a message")
	}
	if id := rec.Header().Get(pairing.HeaderRequestID); body.RequestID == "" || body.RequestID != id {
		t.Errorf("request_id %q, X-Request-ID %q: want the same, non-empty", body.RequestID, id)
	}
}

// FuzzQRPicture feeds arbitrary bytes to the picture decoder: it may refuse
// them but must never panic or hang.
func FuzzQRPicture(f *testing.F) {
	pngQR, err := qrcode.Encode("linkdesk://link?v=1&l=lg_1&s=AAAAAAAAAAAAAAAAAAAAAA", qrcode.Low, 64)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(pngQR)
	f.Add([]byte("GIF89a"))
	f.Add([]byte("\xff\xd8\xff\xe0garbage"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := checkPicture(data); err != nil {
			return
		}
		_, _ = readPicture(data) // may refuse; must not panic or hang
	})
}

// The page shows every error in the person's language, chosen by the error
// code; the server's English message is only the detail under it.
func TestPhonePageTranslatesEveryErrorCodeTheServerSends(t *testing.T) {
	pw := newPhoneWeb(t)
	src := pw.get(t, "/phone/static/i18n.js").Body.String()
	en := i18nKeys(t, src, "en")
	// Every code a phone, tester or page call can answer with (pairing/errors.go,
	// this package's picture and tester codes), and the page's own.
	codes := []string{
		pairing.CodeBadRequest, pairing.CodeInvalidCredentials, pairing.CodeAccountLocked, pairing.CodeTooManyRequests,
		pairing.CodeMaintenance, pairing.CodeInvalidCode, pairing.CodeLoginNotFound, pairing.CodeLoginExpired,
		pairing.CodeCodeExpired, pairing.CodeLoginDeclined, pairing.CodeNotFound, pairing.CodeUnauthorized,
		pairing.CodeForbidden, pairing.CodeInternal, pairing.CodeInvalidToken, pairing.CodeInvalidQR,
		pairing.CodeAlreadyScanned, pairing.CodeWrongCheck, codeImageTooLarge, codeUnsupportedImage, codeQRNotFound, codeConflict,
		pairing.CodeNetwork, pairing.CodeBadResponse, "unknown",
	}
	for _, code := range codes {
		if _, ok := slices.BinarySearch(en, "err."+code); !ok {
			t.Errorf("i18n.js has no err.%s: a Korean reader would see the server's English message", code)
		}
	}
	// An unknown code still gets a translated title, never the English message alone.
	view := pw.get(t, "/phone/static/view.js").Body.String()
	if strings.Contains(view, "api.message || api.code") || !strings.Contains(view, `"err.unknown"`) {
		t.Error("view.js shows the server's message as the title of an unknown error")
	}
}

// The phone page's safety words are where the person decides: the network
// warning before the numbers (and Decline the default then), the numbers as
// the way to approve, and the code card's "never tell" on every request.
func TestPhonePageWarnsBeforeTheNumbersAndOnTheCodeCard(t *testing.T) {
	pw := newPhoneWeb(t)
	i18n := pw.get(t, "/phone/static/i18n.js").Body.String()
	for _, want := range []string{
		`"network.differentTitle": "This computer is not on the same network as your phone."`,
		`"network.differentText": "If someone sent you this code, decline."`,
		`"check.title": "Pick the number shown on your computer"`,
		`"link.codeNever": "Never tell this code to anyone`,
		`"network.differentTitle": "이 PC는 휴대폰과 같은 네트워크에 있지 않습니다."`,
		`"check.title": "PC에 표시된 번호를 선택하세요"`,
		`"link.codeNever": "이 인증번호는 누구에게도 알려 주지 마세요.`,
	} {
		if !strings.Contains(i18n, want) {
			t.Errorf("i18n.js lacks %s", want)
		}
	}
	page := pw.get(t, "/phone").Body.String()
	warning, numbers := strings.Index(page, `id="confirm-network"`), strings.Index(page, `id="check-choices"`)
	if warning < 0 || numbers < 0 || warning > numbers {
		t.Error("index.html does not put the network warning before the numbers")
	}
	if strings.Contains(page, `id="confirm-approve"`) {
		t.Error("index.html still approves with one tap, without a number")
	}
	scan := pw.get(t, "/phone/static/scan.js").Body.String()
	for _, want := range []string{`network === "different") document.getElementById("confirm-decline").focus()`,
		`(different ? "decline" : "decline-quiet")`, `this.app.api.approve(id, check)`} {
		if !strings.Contains(scan, want) {
			t.Errorf("scan.js lacks %s", want)
		}
	}
	link := pw.get(t, "/phone/static/link.js").Body.String()
	if !strings.Contains(link, `el("p", { class: "code-never" }, lang.t("link.codeNever"))`) {
		t.Error("link.js does not put the never-tell line on the code card")
	}
}
