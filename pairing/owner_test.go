package pairing_test

import (
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/pairing"
)

// assertNotFoundEvent checks that a login stream ends with one EventError
// login_not_found and nothing else: no QR payload, no grant.
func assertNotFoundEvent(t *testing.T, ch <-chan pairing.LoginEvent) {
	t.Helper()
	ev := next(t, ch)
	if ev.Type != pairing.EventError || ev.Grant != nil || ev.QR != nil {
		t.Fatalf("event = %+v, want only an error", ev)
	}
	assertServerError(t, ev.Err, pairing.CodeLoginNotFound, 404)
	assertClosed(t, ch)
}

func TestOnlyTheClientThatStartedALoginMayUseIt(t *testing.T) {
	m := startMock(t)
	desk := m.Client(pairing.Options{})
	p := m.phone()
	dev := desktop("ANNA-LAPTOP")
	pl := m.startLogin(desk, dev)
	ch := desk.LoginEvents(t.Context(), pl.LoginID)
	if ev := next(t, ch); ev.Type != pairing.EventQR {
		t.Fatalf("first event = %+v, want the QR code", ev)
	}

	// Given someone photographed the QR code (so knows the login ID) and
	// even read the code off the phone, on a client that did not start it,
	scan, err := pairing.ParseQR(pl.QR.Payload)
	if err != nil {
		t.Fatal(err)
	}
	code, err := p.CodeFor(t.Context(), pl.LoginID)
	if err != nil {
		t.Fatal(err)
	}
	stranger := m.Client(pairing.Options{})

	// When they try every login call, each answers login_not_found.
	_, err = stranger.SubmitCode(t.Context(), scan.LoginID, code)
	assertServerError(t, err, pairing.CodeLoginNotFound, 404)
	_, err = stranger.RenewCode(t.Context(), scan.LoginID)
	assertServerError(t, err, pairing.CodeLoginNotFound, 404)
	_, err = stranger.RotateQR(t.Context(), scan.LoginID)
	assertServerError(t, err, pairing.CodeLoginNotFound, 404)
	assertServerError(t, stranger.CancelLogin(t.Context(), scan.LoginID), pairing.CodeLoginNotFound, 404)
	assertNotFoundEvent(t, stranger.LoginEvents(t.Context(), scan.LoginID))

	// Then the desktop's login is untouched, and the approval reaches it alone.
	phoneScan, err := p.Scan(t.Context(), pl.QR.Payload) // still the current payload: not rotated
	if err != nil {
		t.Fatalf("Scan of the unrotated QR: %v", err)
	}
	shown := next(t, ch)
	if shown.Type != pairing.EventScanned {
		t.Fatalf("event = %+v, want scanned", shown)
	}
	if err := p.Approve(t.Context(), phoneScan.LoginID, shown.Check); err != nil {
		t.Fatalf("Approve: %v", err)
	}
	ev := next(t, ch)
	if ev.Type != pairing.EventApproved || ev.Grant == nil {
		t.Fatalf("event = %+v, want approved", ev)
	}
	assertClosed(t, ch)

	// And the stranger cannot pick the token up from the replay either.
	assertNotFoundEvent(t, stranger.LoginEvents(t.Context(), scan.LoginID))
	_, err = stranger.SubmitCode(t.Context(), scan.LoginID, code)
	assertServerError(t, err, pairing.CodeLoginNotFound, 404)
}

func TestLoginCallsCarryTheDeviceFingerprint(t *testing.T) {
	m := startMock(t)
	c := m.Client(pairing.Options{})
	dev := desktop("PC")
	pl := m.startLogin(c, dev)
	// Given the desktop uses every call on its pending login,
	ch := c.LoginEvents(t.Context(), pl.LoginID)
	if ev := next(t, ch); ev.Type != pairing.EventQR {
		t.Fatalf("first event = %+v, want the QR code", ev)
	}
	if _, err := c.RenewCode(t.Context(), pl.LoginID); err != nil {
		t.Fatalf("RenewCode: %v", err)
	}
	qr, err := c.RotateQR(t.Context(), pl.LoginID)
	if err != nil {
		t.Fatalf("RotateQR: %v", err)
	}
	if ev := next(t, ch); ev.Type != pairing.EventQR || ev.QR.Payload != qr.Payload {
		t.Fatalf("event = %+v, want the rotated QR code", ev)
	}
	if _, err := c.SubmitCode(t.Context(), pl.LoginID, "000000"); err == nil {
		t.Fatal("a made-up code was accepted")
	}
	if err := c.CancelLogin(t.Context(), pl.LoginID); err != nil {
		t.Fatalf("CancelLogin: %v", err)
	}
	// The server closes the cancelled login's stream; reconnecting, it hears
	// the login is gone.
	assertNotFoundEvent(t, ch)

	// Then the server saw this computer's fingerprint on each of them.
	prefix := "/v1/logins/" + pl.LoginID
	seen := make(map[string]bool)
	for _, e := range m.Requests() {
		if !strings.HasPrefix(e.Path, prefix) {
			continue
		}
		call := e.Method + " " + strings.TrimPrefix(e.Path, prefix)
		if got := e.Headers[pairing.HeaderDevice]; got != dev.Fingerprint {
			t.Errorf("%s sent %s %q, want the fingerprint", call, pairing.HeaderDevice, got)
		}
		seen[call] = true
	}
	for _, want := range []string{"GET /events", "POST /code/renew", "POST /qr", "POST /code", "DELETE "} {
		if !seen[want] {
			t.Errorf("no %q call in the journal (%v)", want, seen)
		}
	}
}
