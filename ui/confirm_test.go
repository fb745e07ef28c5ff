package ui

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/linkdesk/linkdesk/app"
	"github.com/linkdesk/linkdesk/pairing"
)

// scanned has the phone scan payload and waits until the window shows the
// number to pick; it returns the phone's three numbers.
func (h *harness) scanned(v *verifyScreen, payload string) []string {
	h.t.Helper()
	scan, err := h.phone.Scan(h.ctx, payload)
	if err != nil {
		h.t.Fatalf("the phone could not scan: %v", err)
	}
	h.waitFor("the number on screen", func() bool { return v.confirm.box.Visible() && v.confirm.number.Text != "" })
	return scan.CheckChoices
}

func TestScanNumberApproveWithTheKeyboardOnly(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	// Given the person typed e-mail and password and pressed Enter, and is
	// about to type the code,
	v := h.toVerify()
	if h.win.Canvas().Focused() != v.code {
		t.Fatalf("focus on %T, want the code field", h.win.Canvas().Focused())
	}
	// when the phone scans the QR code instead,
	choices := h.scanned(v, h.core.State().Login.QRPayload)

	// then the window turns to the QR tab, which now shows "Confirm on your
	// phone" and the number in large type, one of the phone's three, and no
	// QR code any more;
	if v.tabs.Selected() != v.qrTab || v.qrBox.Visible() {
		t.Fatalf("tab %q, QR code visible %v; want the QR tab showing the number", v.tabs.Selected().Text, v.qrBox.Visible())
	}
	shown := v.confirm.number.Text
	if shown != h.core.State().Login.Check || !slices.Contains(choices, shown) {
		t.Fatalf("the window shows %q; the core holds %q, the phone offers %v", shown, h.core.State().Login.Check, choices)
	}
	if v.confirm.title.Text != "Confirm on your phone" || v.confirm.notYou.Text != "Not you? Cancel" {
		t.Errorf("confirm view says %q / %q", v.confirm.title.Text, v.confirm.notYou.Text)
	}
	var pe *pairing.Error
	if text, err := h.readQR(h.win.Canvas().Capture()); err == nil {
		t.Errorf("a QR code is still readable in the window: %.20s…", text)
	} else if !errors.As(err, &pe) || pe.Code != "qr_not_found" {
		t.Errorf("the phone's camera failed otherwise: %v", err)
	}
	if size := v.confirm.number.MinSize().Height; size < 2*v.confirm.steps.MinSize().Height {
		t.Errorf("the number is %.0f high, no bigger than the text around it", size)
	}
	// and no key can land in the hidden code field.
	if h.win.Canvas().Focused() == v.code {
		t.Error("the hidden code field keeps the focus")
	}

	// When the person picks that number on the phone, they are in.
	h.act(func() {
		if err := h.phone.Approve(h.ctx, h.core.State().Login.ID, shown); err != nil {
			t.Fatal(err)
		}
	})
	h.waitScreen(kindHome)
}

func TestTheCodeStillWorksAfterAScan(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	v := h.toVerify()
	code := h.phoneCode()
	h.scanned(v, h.core.State().Login.QRPayload)
	// When the person goes back to the code tab and types the code, they are in.
	h.act(func() { v.tabs.Select(v.codeTab) })
	if h.win.Canvas().Focused() != v.code {
		t.Fatalf("focus on %T after choosing the code tab", h.win.Canvas().Focused())
	}
	h.act(func() { test.Type(v.code, code) })
	h.waitScreen(kindHome)
}

func TestNotYouCancelsAfterTheScan(t *testing.T) {
	for _, how := range []string{"button", "Esc"} {
		t.Run(how, func(t *testing.T) {
			h := newHarness(t, harnessOptions{})
			v := h.toVerify()
			h.scanned(v, h.core.State().Login.QRPayload)
			id, check := h.core.State().Login.ID, v.confirm.number.Text
			// When whoever sits at the computer did not start this and says so,
			h.act(func() {
				if how == "button" {
					test.Tap(v.confirm.notYou)
				} else {
					h.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
				}
			})
			// then the sign-in form is back and the phone can no longer approve.
			h.waitScreen(kindSignIn)
			h.waitFor("the server to drop the login", func() bool {
				err := h.phone.Approve(h.ctx, id, check)
				pe, ok := err.(*pairing.Error)
				return ok && pe.Code == pairing.CodeLoginNotFound
			})
		})
	}
}

func TestAWrongPickReturnsToTheStartWithTheReason(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	v := h.toVerify()
	choices := h.scanned(v, h.core.State().Login.QRPayload)
	wrong := slices.DeleteFunc(choices, func(n string) bool { return n == v.confirm.number.Text })[0]

	// When the phone picks a number the window does not show,
	h.act(func() {
		if err := h.phone.Approve(h.ctx, h.core.State().Login.ID, wrong); err == nil {
			t.Fatal("the wrong number was accepted")
		}
	})
	// then the sign-in form is back, saying why and what to do.
	h.waitScreen(kindSignIn)
	h.waitFor("the reason", func() bool { return strings.Contains(h.problemText(), "different number") })
	if got := h.problemText(); !strings.Contains(got, "pick the number this computer shows") {
		t.Errorf("problem panel says %q", got)
	}
	if h.core.State().Phase != app.PhaseSignedOut {
		t.Errorf("phase %v", h.core.State().Phase)
	}
}

func TestTheNumberInKorean(t *testing.T) {
	h := newHarness(t, harnessOptions{language: langKorean})
	v := h.toVerify()
	h.scanned(v, h.core.State().Login.QRPayload)
	if v.confirm.title.Text != "휴대폰에서 확인하세요" || v.confirm.notYou.Text != "본인이 아닌가요? 취소" ||
		!strings.Contains(v.confirm.steps.Text, "번호를 선택하세요") {
		t.Errorf("Korean confirm view: %q / %q / %q", v.confirm.title.Text, v.confirm.steps.Text, v.confirm.notYou.Text)
	}
}
