package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/linkdesk/linkdesk/app"
	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

func TestSignInWithTheCodeFromThePhoneReachesHome(t *testing.T) {
	h := newHarness(t, harnessOptions{})

	// Given the sign-in form, when the person types e-mail and password and presses Enter,
	s := h.signIn()
	test.Type(s.email, mockserver.DemoEmail)
	test.Type(s.password, mockserver.DemoPassword)
	h.act(func() { s.password.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) })

	// then the verify screen asks for the code, with the focus in the code field.
	h.waitScreen(kindVerify)
	v := h.verify()
	if h.win.Canvas().Focused() != v.code {
		t.Errorf("focus on the verify screen is %T, want the code field", h.win.Canvas().Focused())
	}

	// When the person types the phone's code with a space in the middle,
	code := h.phoneCode()
	h.act(func() { test.Type(v.code, code[:3]+" "+code[3:]) })

	// then it is sent by itself and the home screen shows the account.
	h.waitScreen(kindHome)
	home := h.home()
	for what, got := range map[string]string{
		"name": home.name.Text, "e-mail": home.email.Text, "device": home.device.Text, "server": home.server.Text,
	} {
		want := map[string]string{"name": mockserver.DemoName, "e-mail": mockserver.DemoEmail,
			"device": "TEST-PC (Linux)", "server": h.url}[what]
		if got != want {
			t.Errorf("home shows %s %q, want %q", what, got, want)
		}
	}
	if home.since.Text == "" || home.since.Text == "—" {
		t.Errorf("home shows no linked-since date")
	}
	if h.problemText() != "" {
		t.Errorf("home shows a problem: %q", h.problemText())
	}
}

func TestKeyboardOrderOfTheSignInForm(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	s := h.signIn()
	c := h.win.Canvas()

	// Given a first start, the focus is in the e-mail field,
	if c.Focused() != s.email {
		t.Fatalf("first focus is on %T, want the e-mail field", c.Focused())
	}
	// and Tab walks e-mail → password → keep signed in → Sign in.
	for i, want := range []fyne.Focusable{s.password, s.keep, s.submit} {
		test.FocusNext(c)
		if c.Focused() != want {
			t.Fatalf("Tab #%d lands on %T, want %T", i+1, c.Focused(), want)
		}
	}

	// When the person presses Enter in the e-mail field with both fields filled,
	c.Focus(s.email)
	test.Type(s.email, mockserver.DemoEmail)
	test.Type(s.password, mockserver.DemoPassword)
	s.email.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})

	// then the form is sent.
	h.waitScreen(kindVerify)
}

func TestEnterWithAnEmptyPasswordSaysSoAndMovesThere(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	s := h.signIn()

	// Given only the e-mail, when the person presses Enter,
	test.Type(s.email, mockserver.DemoEmail)
	h.act(func() { s.email.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) })

	// then the form says the password is missing and the focus is there.
	if got := h.problemText(); !strings.Contains(got, "Enter your password.") {
		t.Errorf("problem panel says %q, want it to ask for the password", got)
	}
	if h.win.Canvas().Focused() != s.password {
		t.Errorf("focus is on %T, want the password field", h.win.Canvas().Focused())
	}
	if h.signIn().email.Text != mockserver.DemoEmail {
		t.Errorf("the e-mail was not kept")
	}
}

func TestWrongPasswordShowsTriesLeftAndClearsThePassword(t *testing.T) {
	h := newHarness(t, harnessOptions{})

	// Given the demo account, when the person types a wrong password,
	h.typeSignIn(mockserver.DemoEmail, "not-the-password")

	// then the panel says so with the tries left, what to do, and offers no Retry,
	want := "Tries left before the account is locked: 4."
	if got := h.problemText(); !strings.Contains(got, want) || !strings.Contains(got, "Caps Lock") {
		t.Errorf("problem panel says %q, want %q and a hint about Caps Lock", got, want)
	}
	if h.u.problem.retry.Visible() {
		t.Errorf("a wrong password offers Retry; it should not")
	}
	// and the password is empty with the focus in it, the e-mail kept.
	s := h.signIn()
	if s.password.Text != "" || h.win.Canvas().Focused() != s.password {
		t.Errorf("after a wrong password: password %q, focus %T; want empty and focused", s.password.Text, h.win.Canvas().Focused())
	}
	if s.email.Text != mockserver.DemoEmail {
		t.Errorf("e-mail %q, want it kept", s.email.Text)
	}

	// When the right password follows, the panel goes away.
	h.typeSignIn(mockserver.DemoEmail, mockserver.DemoPassword)
	h.waitScreen(kindVerify)
	if got := h.problemText(); got != "" {
		t.Errorf("verify screen still shows %q", got)
	}
}

func TestLockedAccountSaysUntilWhen(t *testing.T) {
	h := newHarness(t, harnessOptions{})

	// Given five wrong passwords in a row,
	for i := 0; i < 5; i++ {
		h.typeSignIn(mockserver.DemoEmail, "wrong")
	}
	// when the person tries once more,
	h.typeSignIn(mockserver.DemoEmail, mockserver.DemoPassword)

	// then the panel says the account is locked until a local time.
	p := h.core.State().Problem
	if p == nil || p.Code != pairing.CodeAccountLocked {
		t.Fatalf("problem %+v, want account_locked", p)
	}
	until := p.RetryAt.Local().Format("15:04")
	if got := h.problemText(); !strings.Contains(got, "locked") || !strings.Contains(got, until) {
		t.Errorf("problem panel says %q, want it locked until %s", got, until)
	}
}

func TestMaintenanceOffersRetryThatWorksAfterwards(t *testing.T) {
	h := newHarness(t, harnessOptions{})

	// Given the server in maintenance, when the person signs in,
	h.srv.SetMaintenance(true)
	h.typeSignIn(mockserver.DemoEmail, mockserver.DemoPassword)

	// then the panel names the maintenance and offers Retry.
	if got := h.problemText(); !strings.Contains(got, "down for maintenance") {
		t.Errorf("problem panel says %q, want maintenance", got)
	}
	if !h.u.problem.retry.Visible() {
		t.Fatalf("no Retry button for maintenance")
	}

	// When maintenance ends and the person taps Retry, the sign-in goes through.
	h.srv.SetMaintenance(false)
	h.act(func() { test.Tap(h.u.problem.retry) })
	h.waitScreen(kindVerify)
}

func TestServerUnreachableSaysSo(t *testing.T) {
	h := newHarness(t, harnessOptions{noPhone: true})

	// Given a server that has gone away, when the person signs in,
	h.srv.Stop()
	h.typeSignIn(mockserver.DemoEmail, mockserver.DemoPassword)

	// then the panel says it could not reach the server and offers Retry.
	if got := h.problemText(); !strings.Contains(got, "could not reach the server at "+h.url) {
		t.Errorf("problem panel says %q, want server unreachable", got)
	}
	if !h.u.problem.retry.Visible() {
		t.Errorf("no Retry button when the server is unreachable")
	}
}

func TestCopyDetailsPutsTheSupportReportOnTheClipboard(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.typeSignIn(mockserver.DemoEmail, "wrong-password-123")

	// When the person taps "Copy details for support",
	test.Tap(h.u.problem.copy)

	// then the clipboard holds the core's report of this problem, without the password,
	got := h.app.Clipboard().Content()
	p := h.core.State().Problem
	if got == "" || got != h.core.SupportReport(p, translations{}) {
		t.Errorf("clipboard %q, want the support report of the problem", got)
	}
	if shown := h.u.problem.message.Text; !strings.Contains(got, shown) {
		t.Errorf("support report does not quote the message shown, %q:\n%s", shown, got)
	}
	if !strings.Contains(got, pairing.CodeInvalidCredentials) {
		t.Errorf("support report does not name the error code:\n%s", got)
	}
	if strings.Contains(got, "wrong-password-123") {
		t.Errorf("support report contains the password")
	}
	// and the button says it worked.
	if h.u.problem.copy.Text != "Details copied" {
		t.Errorf("copy button says %q after copying", h.u.problem.copy.Text)
	}
}

func TestKeepSignedInOffSaysTheTokenLivesInMemory(t *testing.T) {
	h := newHarness(t, harnessOptions{})

	// Given "Keep me signed in" unchecked, when the person signs in,
	test.Tap(h.signIn().keep)
	h.toHome()

	// then home tells them they will be signed out when Linkdesk closes.
	if s := h.core.State(); s.Storage != app.StorageMemoryByChoice {
		t.Fatalf("storage %v, want memory by choice", s.Storage)
	}
	if !h.u.banner.memory.Visible() || !strings.Contains(h.u.banner.memoText.Text, "signed out when Linkdesk closes") {
		t.Errorf("memory notice %q (visible %v)", h.u.banner.memoText.Text, h.u.banner.memory.Visible())
	}
}

func TestARememberedEmailIsSelectedSoTypingReplacesIt(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.toHome()
	h.act(func() { test.Tap(h.home().signOut) })
	h.waitScreen(kindSignIn)

	// Given the remembered e-mail, the focus is in the e-mail field with it selected;
	s := h.signIn()
	if h.win.Canvas().Focused() != s.email || s.email.SelectedText() != mockserver.DemoEmail {
		t.Fatalf("focus %T, selection %q; want the remembered e-mail selected", h.win.Canvas().Focused(), s.email.SelectedText())
	}
	// typing replaces it.
	test.Type(s.email, "other@linkdesk.test")
	if s.email.Text != "other@linkdesk.test" {
		t.Errorf("e-mail field holds %q", s.email.Text)
	}
}

func TestASlowSignInCanBeCancelled(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	// Given a server that takes its time (real seconds, released by the cancel),
	if _, err := h.srv.AddFault(mockserver.Fault{Method: "POST", Path: "/v1/logins", Delay: 5 * time.Second}); err != nil {
		t.Fatal(err)
	}
	s := h.signIn()
	test.Type(s.email, mockserver.DemoEmail)
	test.Type(s.password, mockserver.DemoPassword)
	s.password.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})

	// while it waits, the button says so and a Cancel button is there;
	h.waitFor("the busy form", func() bool { return s.cancel.Visible() })
	if s.submit.Text != "Signing in…" || !s.submit.Disabled() || !s.email.Disabled() {
		t.Errorf("busy form: button %q (disabled %v), e-mail disabled %v", s.submit.Text, s.submit.Disabled(), s.email.Disabled())
	}
	// when the person cancels, the form is back at once, as it was.
	start := time.Now()
	test.Tap(s.cancel)
	h.waitFor("the idle form", func() bool { return !s.cancel.Visible() && !s.submit.Disabled() })
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("cancelling took %v", d)
	}
	if s.submit.Text != "Sign in" || s.email.Text != mockserver.DemoEmail {
		t.Errorf("after cancel: button %q, e-mail %q", s.submit.Text, s.email.Text)
	}
}
