package app

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

// The desktop's side of a scan: it shows the number the phone must pick,
// stops showing a QR code, and ends with the reason when the phone says no.

func TestAScanShowsTheNumberWhateverTheTabAndTheCodeStillWorks(t *testing.T) {
	r := newRig(t)
	c := r.newCore()
	ctx := context.Background()
	c.SignIn(ctx, mockserver.DemoEmail, mockserver.DemoPassword, true)
	if m := c.State().Method; m != MethodCode {
		t.Fatalf("method %v at the start, want the code", m)
	}
	// When the phone scans while the person is on the code tab,
	scan, st := r.scanned(c)
	// then the desktop turns to the QR tab, now showing one of the phone's numbers;
	if st.Method != MethodQR || !slices.Contains(scan.CheckChoices, st.Login.Check) {
		t.Fatalf("method %v check %q, want the QR tab and one of %v", st.Method, st.Login.Check, scan.CheckChoices)
	}
	// and the code typed from the phone still signs in.
	c.SubmitCode(ctx, r.codeFor(c))
	waitFor(t, c, "signed in by code", time.Second, func(s State) bool { return s.Phase == PhaseSignedIn && !s.Busy })
}

func TestAScannedQRCodeIsNotRenewed(t *testing.T) {
	r := newRig(t)
	c := r.newCore()
	c.SignIn(context.Background(), mockserver.DemoEmail, mockserver.DemoPassword, true)
	_, st := r.scanned(c)
	payload := st.Login.QRPayload
	// When the payload's time runs out and the person switches tabs back and forth,
	r.Clock.Advance(time.Minute)
	c.UseMethod(MethodCode)
	c.UseMethod(MethodQR)
	waitBackground(c)
	// then the desktop asks for no new QR code and keeps showing the number.
	for _, e := range r.Journal() {
		if e.Method == "POST" && strings.HasSuffix(e.Path, "/qr") {
			t.Errorf("the desktop asked for a new QR code after the scan: %s %d", e.Path, e.Status)
		}
	}
	if st := c.State(); !st.Login.Scanned || st.Login.QRPayload != payload || st.Login.Check == "" {
		t.Errorf("after the scan the login view is %+v", st.Login)
	}
}

func TestAWrongPickOnThePhoneEndsTheSignInWithItsReason(t *testing.T) {
	r := newRig(t)
	c := r.newCore()
	ctx := context.Background()
	c.SignIn(ctx, mockserver.DemoEmail, mockserver.DemoPassword, true)
	scan, st := r.scanned(c)
	wrong := slices.DeleteFunc(slices.Clone(scan.CheckChoices), func(n string) bool { return n == st.Login.Check })[0]

	// When the person picks another number on the phone,
	err := r.phone.Approve(ctx, scan.LoginID, wrong)
	if pe, ok := err.(*pairing.Error); !ok || pe.Code != pairing.CodeWrongCheck {
		t.Fatalf("the phone's wrong pick answered %v", err)
	}
	// then the desktop is back at the start, saying why,
	st = waitFor(t, c, "back at the form", time.Second, func(s State) bool { return s.Phase == PhaseSignedOut })
	if st.Problem == nil || st.Problem.Code != pairing.CodeWrongCheck || st.Problem.Key != "error.wrong_check" ||
		st.Problem.Retryable || st.Login != nil {
		t.Fatalf("after a wrong pick: problem %+v login %+v", st.Problem, st.Login)
	}
	if got := shown(st.Problem); !strings.Contains(got, "different number") || !strings.Contains(got, "change it") {
		t.Errorf("the person reads %q", got)
	}
	// and the support report counts it among what was tried.
	if report := c.SupportReport(nil, english); !strings.Contains(report, "wrong numbers picked on the phone: 1") {
		t.Errorf("report does not count the wrong pick:\n%s", report)
	}
}

func TestDeclineAfterTheScanIsADecline(t *testing.T) {
	r := newRig(t)
	c := r.newCore()
	c.SignIn(context.Background(), mockserver.DemoEmail, mockserver.DemoPassword, true)
	scan, _ := r.scanned(c)
	if err := r.phone.Decline(context.Background(), scan.LoginID); err != nil {
		t.Fatal(err)
	}
	st := waitFor(t, c, "back at the form", time.Second, func(s State) bool { return s.Phase == PhaseSignedOut })
	if st.Problem == nil || st.Problem.Code != pairing.CodeLoginDeclined {
		t.Fatalf("after a decline: %+v", st.Problem)
	}
}

func TestNotYouCancelsTheScannedLoginOnTheServer(t *testing.T) {
	r := newRig(t)
	c := r.newCore()
	c.SignIn(context.Background(), mockserver.DemoEmail, mockserver.DemoPassword, true)
	scan, st := r.scanned(c)
	// When the person on the computer did not start this and cancels,
	c.Cancel()
	waitBackground(c)
	// then the phone can no longer approve, even with the right number.
	err := r.phone.Approve(context.Background(), scan.LoginID, st.Login.Check)
	if pe, ok := err.(*pairing.Error); !ok || pe.Code != pairing.CodeLoginNotFound {
		t.Fatalf("approve after cancel answered %v, want login_not_found", err)
	}
}
