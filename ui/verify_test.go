package ui

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"regexp"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/linkdesk/linkdesk/app"
)

// codeRequests counts the codes the server was sent.
func (h *harness) codeRequests() int {
	n := 0
	for _, r := range h.srv.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/code") {
			n++
		}
	}
	return n
}

func TestTheCodeIsSentOnceOnItsLastDigit(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	v := h.toVerify()
	code := h.phoneCode()

	// When the person types five digits, nothing is sent yet;
	test.Type(v.code, code[:5])
	h.drain()
	if n := h.codeRequests(); n != 0 {
		t.Fatalf("%d code requests after five digits, want 0", n)
	}
	// when the sixth follows, the code is sent once and the person is in.
	h.act(func() { test.Type(v.code, code[5:]) })
	h.waitScreen(kindHome)
	if n := h.codeRequests(); n != 1 {
		t.Errorf("%d code requests, want 1", n)
	}
}

func TestAWrongCodeSaysTriesLeftAndStartsTheFieldAgain(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	v := h.toVerify()
	code := h.phoneCode()
	wrong := string('0'+(code[0]-'0'+1)%10) + code[1:]

	// When the person types a wrong code,
	h.act(func() { test.Type(v.code, wrong) })

	// then the panel says so with the tries left, and the field is empty and focused.
	if got := h.problemText(); !strings.Contains(got, "That code is not right. Tries left: 4.") {
		t.Errorf("problem panel says %q", got)
	}
	if v.code.Text != "" || h.win.Canvas().Focused() != v.code {
		t.Errorf("code field %q, focus %T; want empty and focused", v.code.Text, h.win.Canvas().Focused())
	}

	// When the right code follows, the person is in.
	h.act(func() { test.Type(v.code, code) })
	h.waitScreen(kindHome)
}

func TestTimeLeftCountsDownAndSaysWhenTheCodeExpired(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	v := h.toVerify()

	// Given a fresh code (3 minutes on the mock server),
	if got := v.codeLeft.Text; got != "The code expires in 3:00." {
		t.Errorf("time left %q, want 3:00", got)
	}
	// when 100 seconds pass, the label counts down,
	h.srv.Clock.Advance(100 * time.Second)
	h.waitFor("the countdown", func() bool { return v.codeLeft.Text == "The code expires in 1:20." })

	// and when the code's time is up, it says so and points at the button.
	h.srv.Clock.Advance(81 * time.Second)
	h.waitFor("the expiry", func() bool { return strings.Contains(v.codeLeft.Text, "has expired") })

	// When the person gets a new code, the count starts again.
	h.act(func() { test.Tap(v.renew) })
	h.waitFor("the new code", func() bool { return v.codeLeft.Text == "The code expires in 3:00." })
}

func TestEscCancelsThePendingLoginOnTheServer(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	v := h.toVerify()

	// When the person presses Esc in the code field,
	h.act(func() { v.code.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape}) })

	// then the sign-in form is back and the phone no longer lists the request.
	h.waitScreen(kindSignIn)
	h.waitFor("the phone to drop the request", func() bool {
		link, err := h.phone.Link(h.ctx)
		return err == nil && len(link.Pending) == 0
	})
}

func TestEscWithoutFocusCancelsToo(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.toVerify()

	// Given nothing focused (the QR tab), when the person presses Esc,
	h.win.Canvas().Unfocus()
	h.act(func() { h.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape}) })

	// then the sign-in form is back.
	h.waitScreen(kindSignIn)
}

func TestDeclinedOnThePhoneSaysSo(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.toVerify()
	id := h.core.State().Login.ID

	// When the person declines the request on the phone,
	h.act(func() {
		if err := h.phone.Decline(h.ctx, id); err != nil {
			t.Fatal(err)
		}
	})

	// then the desktop says it was declined on the phone.
	h.waitFor("the declined message", func() bool { return strings.Contains(h.problemText(), "declined on the phone") })
}

// decodeQR reads the QR code in what the window shows right now.
func (h *harness) decodeQR(img image.Image) string {
	h.t.Helper()
	text, err := h.readQR(img)
	if err != nil {
		h.t.Fatalf("no QR code readable in the window: %v", err)
	}
	return text
}

// readQR is what the phone's camera pointed at img reads, if anything: the
// picture goes to the server's QR reader, as the phone page sends a photo.
func (h *harness) readQR(img image.Image) (string, error) {
	var picture bytes.Buffer
	if err := png.Encode(&picture, img); err != nil {
		h.t.Fatal(err)
	}
	return h.phone.ReadQR(h.ctx, picture.Bytes())
}

func TestTheQRCodeOnScreenIsTheCurrentPayloadAndRotates(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	v := h.toVerify()

	// When the person opens the QR tab,
	h.act(func() { v.tabs.Select(v.qrTab) })
	if m := h.core.State().Method; m != app.MethodQR {
		t.Fatalf("core method %v after choosing the QR tab", m)
	}

	// then the window shows a QR code holding the current payload, with a countdown.
	first := h.core.State().Login.QRPayload
	if got := h.decodeQR(h.win.Canvas().Capture()); got != first {
		t.Fatalf("the QR code on screen holds another payload than the current one")
	}
	if ok, _ := regexp.MatchString(`^For your safety, the QR code changes in 0:[0-3][0-9]\.$`, v.qr.countdown.Text); !ok {
		t.Errorf("QR countdown %q", v.qr.countdown.Text)
	}

	// When 31 seconds pass, the server rotates the payload and the window follows.
	h.srv.Clock.Advance(31 * time.Second)
	h.waitFor("a new payload", func() bool { return v.qr.payload != first && v.qr.payload == h.core.State().Login.QRPayload })
	second := h.decodeQR(h.win.Canvas().Capture())
	if second == first || second != h.core.State().Login.QRPayload {
		t.Fatalf("after rotation the QR code on screen is not the new payload")
	}

	// When the phone scans what is on screen and the person picks the number
	// the window then shows, the person is in.
	scan, err := h.phone.Scan(h.ctx, second)
	if err != nil {
		t.Fatalf("the phone could not use the QR code on screen: %v", err)
	}
	h.waitFor("the number", func() bool { return v.confirm.box.Visible() })
	h.act(func() {
		if err := h.phone.Approve(h.ctx, scan.LoginID, v.confirm.number.Text); err != nil {
			t.Fatal(err)
		}
	})
	h.waitScreen(kindHome)
}

// darkTheme is the default theme forced to its dark variant.
type darkTheme struct{ fyne.Theme }

func (d darkTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return d.Theme.Color(n, theme.VariantDark)
}

func TestTheQRCodeIsDarkOnLightInTheDarkTheme(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.app.Settings().SetTheme(darkTheme{theme.DefaultTheme()})
	v := h.toVerify()
	h.act(func() { v.tabs.Select(v.qrTab) })

	// In the window, the window is dark but the code's quiet zone is light
	// and its top-left finder pattern dark (4 quiet modules of 8 pixels in).
	shot := h.win.Canvas().Capture()
	pos := h.app.Driver().AbsolutePositionForObject(v.qr.image)
	lum := func(x, y float32) uint32 {
		r, g, b, _ := shot.At(int(x), int(y)).RGBA()
		return (r + g + b) / 3
	}
	if lum(2, 2) > 0x4000 {
		t.Fatalf("the window is not dark; the test means nothing")
	}
	size := v.qr.image.Size()

	scale := size.Width / float32(v.qr.image.Image.Bounds().Dx())
	// sample mid-quiet-zone (module 2) and the finder's dark centre (module 7.5)
	if got := lum(pos.X+16*scale, pos.Y+16*scale); got < 0xe000 {
		t.Errorf("quiet zone luminance %#x, want light", got)
	}
	if got := lum(pos.X+60*scale, pos.Y+60*scale); got > 0x2000 {
		t.Errorf("finder pattern luminance %#x, want dark", got)
	}
	if h.decodeQR(shot) != h.core.State().Login.QRPayload {
		t.Errorf("the QR code is not readable in the dark theme")
	}
}

func TestCodeFieldTakesDigitsOnly(t *testing.T) {
	for _, tc := range []struct {
		name, typed, want string
	}{
		{"plain", "482913", "482913"},
		{"space", "482 913", "482913"},
		{"dash", "482-913", "482913"},
		{"full-width", "４８２９１３", "482913"},
		{"letters dropped", "48a2b913", "482913"},
		{"no seventh digit", "4829137", "482913"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			test.NewTempApp(t)
			// Given an empty code field, when the person types, then only digits stay.
			e := newCodeEntry(6, nil)
			test.Type(e, tc.typed)
			if e.Text != tc.want {
				t.Errorf("typed %q, field holds %q, want %q", tc.typed, e.Text, tc.want)
			}
		})
	}
}

func TestCodeFieldPaste(t *testing.T) {
	for _, tc := range []struct {
		name, before, pasted, want string
	}{
		{"whole code replaces", "12", " 482 913 ", "482913"},
		{"full-width with dash", "", "４８２－９１３", "482913"},
		{"part is inserted", "48", "29", "4829"},
		{"not a code is ignored", "48", "hello", "48"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := test.NewTempApp(t)
			e := newCodeEntry(6, nil)
			test.Type(e, tc.before)
			a.Clipboard().SetContent(tc.pasted)
			e.TypedShortcut(&fyne.ShortcutPaste{Clipboard: a.Clipboard()})
			if e.Text != tc.want {
				t.Errorf("pasting %q into %q gives %q, want %q", tc.pasted, tc.before, e.Text, tc.want)
			}
		})
	}
}

func TestHelpSaysWhyACodeMayNotCome(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	v := h.toVerify()
	if v.help.Items[0].Title != "Didn't get a code?" {
		t.Errorf("help title %q", v.help.Items[0].Title)
	}
	text := strings.Join(labelsIn(v.help.Items[0].Detail), "\n")
	for _, want := range []string{"24 hours", "Wi-Fi", "Update", "Spam", "QR code"} {
		if !strings.Contains(text, want) {
			t.Errorf("help does not mention %q:\n%s", want, text)
		}
	}
}

func TestKeysSwitchBetweenCodeAndQR(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	v := h.toVerify()
	if h.win.Canvas().Focused() != v.code {
		t.Fatal("the code field does not have the focus on arrival")
	}
	window := h.win.Canvas().(fyne.Shortcutable)

	// When Ctrl+Tab is pressed in the code field, then the QR tab opens.
	h.act(func() { v.code.TypedShortcut(nextTab) })
	if v.tabs.Selected() != v.qrTab || h.core.State().Method != app.MethodQR {
		t.Fatalf("after Ctrl+Tab: tab %q, method %v", v.tabs.Selected().Text, h.core.State().Method)
	}
	// And Ctrl+Shift+Tab goes back, with the focus in the code field.
	h.act(func() { window.TypedShortcut(prevTab) })
	if v.tabs.Selected() != v.codeTab || h.win.Canvas().Focused() != v.code {
		t.Fatalf("after Ctrl+Shift+Tab: tab %q, focus %T", v.tabs.Selected().Text, h.win.Canvas().Focused())
	}
	// And Alt+2 / Alt+1 choose each tab directly.
	h.act(func() { v.code.TypedShortcut(qrTab) })
	if v.tabs.Selected() != v.qrTab {
		t.Fatalf("after Alt+2: tab %q", v.tabs.Selected().Text)
	}
	h.act(func() { window.TypedShortcut(codeTab) })
	if v.tabs.Selected() != v.codeTab || h.win.Canvas().Focused() != v.code {
		t.Fatalf("after Alt+1: tab %q, focus %T", v.tabs.Selected().Text, h.win.Canvas().Focused())
	}
	// And the screen tells the keys.
	if !strings.Contains(strings.Join(labelsIn(v.box.(*fyne.Container)), " "), "Ctrl+Tab") {
		t.Error("the verify screen does not show the keys that switch tabs")
	}
}
