package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/linkdesk/linkdesk/app"
	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

func TestSignOutEndsTheSessionOnTheServer(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	home := h.toHome()

	// When the person taps Sign out,
	h.act(func() { test.Tap(home.signOut) })

	// then the sign-in form is back, e-mail kept, and the phone lists no desktop.
	h.waitScreen(kindSignIn)
	if got := h.signIn().email.Text; got != mockserver.DemoEmail {
		t.Errorf("e-mail %q after sign-out, want it remembered", got)
	}
	h.waitFor("the phone to drop the desktop", func() bool {
		link, err := h.phone.Link(h.ctx)
		return err == nil && len(link.Devices) == 0
	})
}

func TestSessionEndedOnThePhoneIsExplained(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(h *harness)
		want string
	}{
		{"signed out from the phone", func(h *harness) {
			link, err := h.phone.Link(h.ctx)
			if err != nil || len(link.Devices) != 1 {
				h.t.Fatalf("phone lists %v (err %v)", link, err)
			}
			if err := h.phone.RevokeDevice(h.ctx, link.Devices[0].SessionID); err != nil {
				h.t.Fatal(err)
			}
		}, "signed out from the phone"},
		{"password changed", func(h *harness) {
			if err := h.phone.ChangePassword(h.ctx, mockserver.DemoPassword, "a-new-password-42"); err != nil {
				h.t.Fatal(err)
			}
		}, "password was changed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, harnessOptions{})
			h.toHome()

			// When the session ends from the phone,
			tc.end(h)

			// then the desktop is back at sign-in saying why, with no Retry.
			h.waitScreen(kindSignIn)
			h.settle()
			if got := h.problemText(); !strings.Contains(got, tc.want) {
				t.Errorf("problem panel says %q, want %q", got, tc.want)
			}
			if h.u.problem.retry.Visible() {
				t.Errorf("an ended session offers Retry")
			}
		})
	}
}

func TestSignedInElsewhereIsExplained(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.toHome()

	// When another desktop signs in to the same account (one desktop per account),
	other, err := pairing.NewClient(h.url, pairing.Options{})
	if err != nil {
		t.Fatal(err)
	}
	pending, err := other.StartLogin(h.ctx, pairing.LoginRequest{Email: mockserver.DemoEmail, Password: mockserver.DemoPassword,
		Device: pairing.Device{ID: "other", Name: "OTHER-PC", Platform: pairing.PlatformWindows, Fingerprint: strings.Repeat("cd", 32)}})
	if err != nil {
		t.Fatal(err)
	}
	code, err := h.phone.CodeFor(h.ctx, pending.LoginID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.SubmitCode(h.ctx, pending.LoginID, code); err != nil {
		t.Fatal(err)
	}

	// then this one is back at sign-in, saying it was signed in elsewhere.
	h.waitScreen(kindSignIn)
	h.settle()
	if got := h.problemText(); !strings.Contains(got, "signed in on another computer") {
		t.Errorf("problem panel says %q", got)
	}
	if h.core.State().Ended != pairing.CodeSignedInElsewhere {
		t.Errorf("ended %q", h.core.State().Ended)
	}
}

func TestTrayMenuFollowsTheSession(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	tray := h.u.tray

	// Signed out, the tray's Sign out is off; Open and Quit are there.
	if !tray.signOut.Disabled {
		t.Errorf("tray Sign out is enabled while signed out")
	}
	if tray.open.Label != "Open Linkdesk" || tray.quit.Label != "Quit Linkdesk" || !tray.quit.IsQuit {
		t.Errorf("tray items %q, %q (quit %v)", tray.open.Label, tray.quit.Label, tray.quit.IsQuit)
	}
	// Signed in, it is on, and it signs out.
	h.toHome()
	if h.u.tray.signOut.Disabled {
		t.Fatalf("tray Sign out is disabled while signed in")
	}
	h.act(h.u.tray.signOut.Action)
	h.waitScreen(kindSignIn)
	if s := h.core.State(); s.Phase != app.PhaseSignedOut {
		t.Errorf("phase %v after tray sign-out", s.Phase)
	}
}

func TestDemoBannerShowsTheAccountAndFillsTheForm(t *testing.T) {
	demo := &Demo{PhoneURL: "http://127.0.0.1:1/phone", Email: mockserver.DemoEmail, Password: mockserver.DemoPassword}
	h := newHarness(t, harnessOptions{demo: demo})
	b := h.u.banner

	// The banner names the demo account and the phone simulator,
	text := strings.Join(labelsIn(b.demo), " ")
	if !strings.Contains(text, mockserver.DemoEmail) || !strings.Contains(text, mockserver.DemoPassword) {
		t.Errorf("demo banner says %q", text)
	}
	// and "Fill in demo account" types it into the form.
	test.Tap(b.fill)
	s := h.signIn()
	if s.email.Text != mockserver.DemoEmail || s.password.Text != mockserver.DemoPassword {
		t.Errorf("form after fill-in: %q / %q", s.email.Text, s.password.Text)
	}
	// The fill-in button is gone once the person is past the form.
	h.toVerify()
	if b.fill.Visible() {
		t.Errorf("fill-in button still shown on the verify screen")
	}
}
