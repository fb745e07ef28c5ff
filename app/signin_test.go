package app

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
	"github.com/zalando/go-keyring"
)

func TestSignInWithTheCodeKeepsTheTokenInTheKeychain(t *testing.T) {
	r := newRig(t)
	c := r.newCore()
	var mu sync.Mutex
	var phases []Phase
	c.Subscribe(func(s State) {
		mu.Lock()
		defer mu.Unlock()
		if len(phases) == 0 || phases[len(phases)-1] != s.Phase {
			phases = append(phases, s.Phase)
		}
	})
	ctx := context.Background()

	// Given the sign-in form (nothing stored)
	c.Restore(ctx)
	if st := c.State(); st.Phase != PhaseSignedOut || st.Problem != nil {
		t.Fatalf("restore with nothing stored: %v %+v", st.Phase, st.Problem)
	}

	// When the password is right, Then the desktop verifies with the code's length and lifetime
	c.SignIn(ctx, " "+mockserver.DemoEmail+" ", mockserver.DemoPassword, true)
	st := c.State()
	if st.Phase != PhaseVerifying || st.Login == nil || st.Method != MethodCode || st.Busy {
		t.Fatalf("after the password: %+v", st)
	}
	if st.Login.CodeLength != 6 || !st.Login.CodeExpiresAt.After(r.Clock.Now()) || st.Login.QRPayload == "" {
		t.Errorf("pending login lacks code/QR details: %+v", st.Login)
	}
	// And the phone shows this computer's name and platform next to the code
	ls := r.link()
	if len(ls.Pending) != 1 || ls.Pending[0].Device.Name != "ANNA-LAPTOP" || ls.Pending[0].Device.Platform != pairing.PlatformWindows {
		t.Fatalf("phone shows %+v", ls.Pending)
	}

	// When the code from the phone is typed with a space, as people do
	code := r.codeFor(c)
	c.SubmitCode(ctx, code[:3]+" "+code[3:])

	// Then the desktop is signed in, the token is in the keychain, the e-mail remembered
	st = waitFor(t, c, "signed in", time.Second, func(s State) bool { return s.Phase == PhaseSignedIn && !s.Busy })
	if st.Session == nil || st.Session.Email != mockserver.DemoEmail || st.Storage != StorageKeychain || st.Problem != nil {
		t.Fatalf("signed in state: %+v", st)
	}
	ss, ok := r.stored()
	if !ok || !strings.HasPrefix(ss.Token, pairing.TokenPrefix) || ss.SessionID != st.Session.ID || ss.DeviceID != r.device.ID || ss.Email != mockserver.DemoEmail {
		t.Fatalf("keychain item %+v (found %v)", ss.SessionID, ok)
	}
	if r.settings.LastEmail() != mockserver.DemoEmail || !r.settings.KeepSignedIn() {
		t.Errorf("settings: email %q keep %v", r.settings.LastEmail(), r.settings.KeepSignedIn())
	}
	// And the phone lists this desktop
	if ls := r.link(); len(ls.Devices) != 1 || ls.Devices[0].SessionID != st.Session.ID || len(ls.Pending) != 0 {
		t.Errorf("phone after sign-in: %+v", ls)
	}
	// And subscribers saw every step in order
	c.Close()
	mu.Lock()
	defer mu.Unlock()
	want := []Phase{PhaseStarting, PhaseSignedOut, PhaseSubmitting, PhaseVerifying, PhaseSignedIn}
	if !slices.Equal(phases, want) {
		t.Errorf("phases seen %v, want %v", phases, want)
	}
}

func TestSignInWithTheQRCode(t *testing.T) {
	r := newRig(t)
	c := r.verifyingCore()
	ctx := context.Background()

	// Given the QR tab
	c.UseMethod(MethodQR)
	st := c.State()
	if st.Method != MethodQR {
		t.Fatal("method not switched")
	}
	// When the QR rotates on the server clock, Then the desktop shows the new payload
	first := st.Login.QRPayload
	r.Clock.Advance(31 * time.Second)
	st = waitFor(t, c, "showing a rotated QR", time.Second, func(s State) bool {
		return s.Login != nil && s.Login.QRPayload != first
	})
	if _, err := pairing.ParseQR(st.Login.QRPayload); err != nil {
		t.Fatalf("rotated payload does not parse: %v", err)
	}
	// When the phone scans the current QR code,
	scan, st := r.scanned(c)
	if scan.LoginID != st.Login.ID || scan.Device.Name != "ANNA-LAPTOP" {
		t.Errorf("phone confirms %+v", scan)
	}
	// Then the desktop shows one of the phone's three numbers;
	if !slices.Contains(scan.CheckChoices, st.Login.Check) {
		t.Fatalf("desktop shows %q, the phone offers %v", st.Login.Check, scan.CheckChoices)
	}
	// and when the person picks it on the phone,
	if err := r.phone.Approve(ctx, scan.LoginID, st.Login.Check); err != nil {
		t.Fatal(err)
	}
	// Then the approval is pushed and the desktop signs in without polling
	st = waitFor(t, c, "signed in by QR", time.Second, func(s State) bool { return s.Phase == PhaseSignedIn && !s.Busy })
	if st.Storage != StorageKeychain {
		t.Errorf("storage %v", st.Storage)
	}
	if _, ok := r.stored(); !ok {
		t.Error("token not in the keychain")
	}
}

func TestSwitchingToAnExpiredQRFetchesAFreshOne(t *testing.T) {
	r := newRig(t)
	c := r.newCore(func(o *Options) {
		// The desktop's clock runs ahead, so the QR it holds has already expired.
		o.Now = func() time.Time { return r.Clock.Now().Add(time.Minute) }
	})
	r.startSignIn(c, true)
	first := c.State().Login.QRPayload
	c.UseMethod(MethodQR)
	waitFor(t, c, "showing a fresh QR", time.Second, func(s State) bool { return s.Login != nil && s.Login.QRPayload != first })
}

func TestKeepSignedInOffKeepsTheTokenInMemoryOnly(t *testing.T) {
	r := newRig(t)
	c := r.newCore()
	st := r.signIn(c, false)
	if st.Storage != StorageMemoryByChoice {
		t.Errorf("storage %v, want memory by choice", st.Storage)
	}
	if r.kr.len() != 0 {
		t.Error("the keychain holds an item although keep signed in was off")
	}
	if r.settings.KeepSignedIn() {
		t.Error("the choice was not remembered")
	}
	// The next start has nothing to restore.
	c.Close()
	next := r.newCore()
	next.Restore(context.Background())
	if st := next.State(); st.Phase != PhaseSignedOut || st.Problem != nil || st.KeepSignedIn || st.Email != mockserver.DemoEmail {
		t.Errorf("next start: %+v", st)
	}
}

func TestKeychainTroubleAtSignIn(t *testing.T) {
	for _, tc := range []struct {
		name      string
		breakIt   func(r *rig)
		code      string
		retryable bool
	}{
		{"unavailable", func(r *rig) { r.kr.setErr(ErrUnavailable) }, CodeKeychainUnavailable, false},
		{"locked", func(r *rig) { r.kr.setErr(ErrLocked) }, CodeKeychainLocked, true},
		{"slow", func(r *rig) { r.kr.hang = make(chan struct{}) }, CodeKeychainTimeout, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Given a keychain in trouble
			r := newRig(t)
			r.store = NewSessionStore(SessionStoreOptions{Keyring: r.kr, Timeout: 50 * time.Millisecond})
			tc.breakIt(r)
			c := r.newCore()

			// When signing in with keep-signed-in
			st := r.signIn(c, true)

			// Then the person is signed in for this run, and told why it will not last
			if st.Storage != StorageMemoryNoKeychain || st.Problem == nil || st.Problem.Code != tc.code || st.Problem.Retryable != tc.retryable {
				t.Fatalf("storage %v problem %+v", st.Storage, st.Problem)
			}
			if !tc.retryable {
				return
			}
			// When the keychain recovers and the person retries, Then the token is kept after all
			if r.kr.hang != nil {
				close(r.kr.hang)
			}
			r.kr.setErr(nil)
			r.kr.mu.Lock() // the late save's undo may be reading it
			r.kr.hang = nil
			r.kr.mu.Unlock()
			c.Retry(context.Background())
			st = c.State()
			if st.Storage != StorageKeychain || st.Problem != nil {
				t.Fatalf("after retry: storage %v problem %+v", st.Storage, st.Problem)
			}
			if _, ok := r.stored(); !ok {
				t.Error("token not in the keychain after retry")
			}
		})
	}
}

func TestTooBigForTheKeychain(t *testing.T) {
	// Given an OS keychain that refuses the item as too big (Windows and
	// macOS limits; the store's own 1 KiB check is tested with the store)
	r := newRig(t)
	r.kr.setErr(keyring.ErrSetDataTooBig)
	c := r.newCore()
	// When signing in, Then the token stays in memory and the person is told
	st := r.signIn(c, true)
	if st.Storage != StorageMemoryNoKeychain || st.Problem == nil || st.Problem.Code != CodeKeychainTooBig || st.Problem.Retryable {
		t.Fatalf("storage %v problem %+v", st.Storage, st.Problem)
	}
}

func TestSignInChecksBeforeSending(t *testing.T) {
	r := newRig(t)
	c := r.newCore()
	c.Restore(context.Background())
	before := len(r.Journal())
	for _, tc := range []struct{ email, password, code string }{
		{"", "pw", CodeEmailRequired},
		{"  ", "pw", CodeEmailRequired},
		{mockserver.DemoEmail, "", CodePasswordRequired},
	} {
		c.SignIn(context.Background(), tc.email, tc.password, true)
		if st := c.State(); st.Phase != PhaseSignedOut || st.Problem == nil || st.Problem.Code != tc.code {
			t.Errorf("%q/%q: %v %+v", tc.email, tc.password, st.Phase, st.Problem)
		}
	}
	if after := len(r.Journal()); after != before {
		t.Errorf("%d requests reached the server", after-before)
	}
}

func TestOnlyOneStoredAccount(t *testing.T) {
	// Given the demo account stored in the keychain
	r := newRig(t)
	c := r.newCore()
	r.signIn(c, true)
	c.SignOut(context.Background())
	r.signIn(c, true)
	if r.kr.len() != 1 {
		t.Fatalf("%d keychain items", r.kr.len())
	}
	c.Close()
	// When another account signs in on this desktop
	if err := r.AddAccount("bob@example.com", "bob-password", "Bob"); err != nil {
		t.Fatal(err)
	}
	bobPhone := r.Phone("bob@example.com", "bob-password")
	c2 := r.newCore()
	c2.Restore(context.Background())
	c2.SignOut(context.Background())
	ctx := context.Background()
	c2.SignIn(ctx, "bob@example.com", "bob-password", true)
	code, err := bobPhone.CodeFor(ctx, c2.State().Login.ID)
	if err != nil {
		t.Fatal(err)
	}
	c2.SubmitCode(ctx, code)
	waitFor(t, c2, "bob signed in", time.Second, func(s State) bool { return s.Phase == PhaseSignedIn && !s.Busy })
	// Then only Bob's item remains, which the next start restores
	if r.kr.len() != 1 {
		t.Fatalf("%d keychain items, want only Bob's", r.kr.len())
	}
	if _, ok := r.kr.get(KeychainService, KeychainUser(r.client.BaseURL(), "bob@example.com")); !ok {
		t.Fatal("Bob's item is missing")
	}
}

// The desktop's side of a scan: it shows the number the phone must pick,
// stops showing a QR code, and ends with the reason when the phone says no.

func TestAScanShowsTheNumberWhateverTheTabAndTheCodeStillWorks(t *testing.T) {
	r := newRig(t)
	c := r.verifyingCore()
	ctx := context.Background()
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
	c := r.verifyingCore()
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
	c := r.verifyingCore()
	ctx := context.Background()
	scan, st := r.scanned(c)
	wrong := slices.DeleteFunc(slices.Clone(scan.CheckChoices), func(n string) bool { return n == st.Login.Check })[0]

	// When the person picks another number on the phone,
	err := r.phone.Approve(ctx, scan.LoginID, wrong)
	if pe, ok := err.(*pairing.Error); !ok || pe.Code != pairing.CodeWrongCheck {
		t.Fatalf("the phone's wrong pick answered %v", err)
	}
	// then the desktop is back at the start, saying why,
	st = r.loginEnded(c, pairing.CodeWrongCheck)
	if st.Problem.Key != "error.wrong_check" || st.Problem.Retryable || st.Login != nil {
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
	c := r.verifyingCore()
	scan, _ := r.scanned(c)
	if err := r.phone.Decline(context.Background(), scan.LoginID); err != nil {
		t.Fatal(err)
	}
	r.loginEnded(c, pairing.CodeLoginDeclined)
}

func TestNotYouCancelsTheScannedLoginOnTheServer(t *testing.T) {
	r := newRig(t)
	c := r.verifyingCore()
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
