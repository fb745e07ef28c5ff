package pairing_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
)

// What a hostile server (or a network in the middle) could hand the desktop
// to show or to swallow: QR payloads that are not this login's Linkdesk
// link, and response headers without end.

// qrFor is a well-formed payload naming loginID, with a secret made of fill.
func qrFor(loginID string, fill byte) string {
	return pairing.QRPayload{LoginID: loginID, Secret: bytes.Repeat([]byte{fill}, pairing.QRSecretBytes)}.String()
}

// foreignQRs are payloads that must never reach the screen of login "lg1".
var foreignQRs = []struct{ name, payload string }{
	{"a web address", "https://evil.example/login?next=linkdesk"},
	{"another login's link", qrFor("lg2", 7)},
	{"a link of an unknown version", "linkdesk://link?v=2&l=lg1&s=" + strings.Repeat("A", 22)},
	{"empty", ""},
}

// assertNotQuoted fails if err's text quotes the payload or its parts.
func assertNotQuoted(t *testing.T, err error, payload string) {
	t.Helper()
	for _, part := range []string{"evil.example", payload} {
		if payload != "" && strings.Contains(err.Error(), part) {
			t.Errorf("error %q quotes the payload", err)
		}
	}
}

func jsonBody(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestForeignQRPayloadFailsTheCall(t *testing.T) {
	now := time.Now().UTC()
	for _, tc := range foreignQRs {
		qr := pairing.QRInfo{Payload: tc.payload, ExpiresAt: now.Add(30 * time.Second)}
		t.Run(tc.name, func(t *testing.T) {
			// Given a server whose sign-in and rotation answers carry this payload for login lg1,
			base := brokenServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				switch r.URL.Path {
				case "/v1/logins":
					w.WriteHeader(http.StatusCreated)
					_, _ = io.WriteString(w, jsonBody(t, pairing.PendingLogin{LoginID: "lg1", ExpiresAt: now.Add(10 * time.Minute),
						Code: pairing.CodeInfo{Length: 6, ExpiresAt: now.Add(3 * time.Minute)}, QR: qr})) // the client may hang up
				case "/v1/logins/lg1/qr":
					_, _ = io.WriteString(w, jsonBody(t, pairing.QRRotation{QR: qr})) // the client may hang up
				default:
					t.Errorf("request reached %s", r.URL.Path)
				}
			})
			c := newClient(t, base, pairing.Options{})
			// when the desktop signs in, or asks for a fresh QR code,
			pl, startErr := c.StartLogin(context.Background(), pairing.LoginRequest{Email: "a@b.test", Password: secretPassword})
			rot, rotErr := c.RotateQR(context.Background(), "lg1")
			// then neither call hands the payload over: each is a bad response.
			if pl != nil || rot != nil {
				t.Fatalf("StartLogin gave %+v and RotateQR %+v; want no answer to show", pl, rot)
			}
			for _, err := range []error{startErr, rotErr} {
				assertCode(t, err, pairing.CodeBadResponse)
				assertNotQuoted(t, err, tc.payload)
			}
		})
	}
}

func TestOwnQRPayloadIsAccepted(t *testing.T) {
	// Given a server that answers with payloads naming login lg1,
	now := time.Now().UTC()
	first, second := qrFor("lg1", 1), qrFor("lg1", 2)
	base := brokenServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/v1/logins" {
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, jsonBody(t, pairing.PendingLogin{LoginID: "lg1", ExpiresAt: now.Add(10 * time.Minute),
				Code: pairing.CodeInfo{Length: 6}, QR: pairing.QRInfo{Payload: first}})) // the client may hang up
			return
		}
		_, _ = io.WriteString(w, jsonBody(t, pairing.QRRotation{QR: pairing.QRInfo{Payload: second}})) // the client may hang up
	})
	c := newClient(t, base, pairing.Options{})
	// when the desktop signs in and rotates,
	pl, err := c.StartLogin(context.Background(), pairing.LoginRequest{Email: "a@b.test", Password: secretPassword})
	if err != nil {
		t.Fatal(err)
	}
	rot, err := c.RotateQR(context.Background(), "lg1")
	if err != nil {
		t.Fatal(err)
	}
	// then it gets both payloads to show.
	if pl.QR.Payload != first || rot.Payload != second {
		t.Errorf("payloads %q, %q; want the server's", pl.QR.Payload, rot.Payload)
	}
}

func TestForeignQREventEndsTheStreamRecoverably(t *testing.T) {
	own, later := qrFor("lg1", 1), qrFor("lg1", 2)
	for _, tc := range foreignQRs {
		if tc.payload == "" {
			continue // a qr event without payload: TestLoginStreamMalformedEvents
		}
		t.Run(tc.name, func(t *testing.T) {
			// Given a server that pushes login lg1's QR code, then a foreign
			// payload, and on the next connect lg1's next QR code,
			base, n := countingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
				sseHeader(w)
				if n == 1 {
					_, _ = fmt.Fprintf(w, "event: qr\ndata: %s\n\n", jsonBody(t, pairing.QRInfo{Payload: own}))
					_, _ = fmt.Fprintf(w, "event: qr\ndata: %s\n\n", jsonBody(t, pairing.QRInfo{Payload: tc.payload}))
				} else {
					_, _ = fmt.Fprintf(w, "event: qr\ndata: %s\n\n", jsonBody(t, pairing.QRInfo{Payload: later}))
				}
				w.(http.Flusher).Flush()
				<-r.Context().Done()
			})
			c := newClient(t, base, pairing.Options{Sleep: (&sleepLog{}).sleep})
			// when the desktop follows the login,
			got := drain(t, c.LoginEvents(t.Context(), "lg1"), 5*time.Second)
			// then it gets its own QR code and then an error, never the foreign payload,
			if len(got) != 2 || got[0].Type != pairing.EventQR || got[0].QR.Payload != own || got[1].Type != pairing.EventError {
				t.Fatalf("events = %+v, want lg1's QR code then an error", got)
			}
			assertCode(t, got[1].Err, pairing.CodeBadResponse)
			assertNotQuoted(t, got[1].Err, tc.payload)
			// and following the login again picks up the next good QR code.
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			ev := next(t, c.LoginEvents(ctx, "lg1"))
			if ev.Type != pairing.EventQR || ev.QR.Payload != later || n.Load() != 2 {
				t.Fatalf("after following again: %+v (connects %d), want lg1's next QR code", ev, n.Load())
			}
		})
	}
}

func TestHugeResponseHeadersAreRefused(t *testing.T) {
	cases := []struct {
		name    string
		padding int
		wantErr bool
	}{
		{"a few KiB of headers pass", 8 << 10, false},
		{"a MiB of headers is refused", 1 << 20, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Given a server that pads its answer's headers,
			base := brokenServer(t, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("X-Padding", strings.Repeat("a", tc.padding))
				w.WriteHeader(http.StatusNoContent)
			})
			c := newClient(t, base, pairing.Options{})
			// when the desktop signs out,
			err := c.SignOut(context.Background(), pairing.Credentials{Token: secretToken, Fingerprint: "fp"})
			// then a normal answer passes, and one with more than 64 KiB
			// of headers fails without being read into memory.
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if err != nil {
				assertCode(t, err, pairing.CodeNetwork)
				assertNoSecret(t, err)
			}
		})
	}
}

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
	d := m.waitingDesktop(pairing.Options{}, desktop("ANNA-LAPTOP"))
	ch := d.c.LoginEvents(t.Context(), d.pl.LoginID)
	if ev := next(t, ch); ev.Type != pairing.EventQR {
		t.Fatalf("first event = %+v, want the QR code", ev)
	}

	// Given someone photographed the QR code (so knows the login ID) and
	// even read the code off the phone, on a client that did not start it,
	scan, err := pairing.ParseQR(d.pl.QR.Payload)
	if err != nil {
		t.Fatal(err)
	}
	code, err := d.phone.CodeFor(t.Context(), d.pl.LoginID)
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
	phoneScan, err := d.phone.Scan(t.Context(), d.pl.QR.Payload) // still the current payload: not rotated
	if err != nil {
		t.Fatalf("Scan of the unrotated QR: %v", err)
	}
	shown := next(t, ch)
	if shown.Type != pairing.EventScanned {
		t.Fatalf("event = %+v, want scanned", shown)
	}
	if err := d.phone.Approve(t.Context(), phoneScan.LoginID, shown.Check); err != nil {
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
