package pairing_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

func TestQRApprovalIsPushed(t *testing.T) {
	m := startMock(t)
	dev := desktop("ANNA-LAPTOP")
	d := m.waitingDesktop(pairing.Options{}, dev)
	ch := d.c.LoginEvents(t.Context(), d.pl.LoginID)
	// Given the desktop shows the current QR code (the stream replays it)
	ev := next(t, ch)
	if ev.Type != pairing.EventQR || ev.QR.Payload != d.pl.QR.Payload {
		t.Fatalf("first event = %+v, want the current QR", ev)
	}
	// When the phone scans it, sees this computer and approves
	scan, err := d.phone.Scan(t.Context(), ev.QR.Payload)
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	if scan.LoginID != d.pl.LoginID || scan.Device.Name != dev.Name || scan.Network != pairing.NetworkSame {
		t.Fatalf("phone shows %+v, want %s from %s on the same network", scan, d.pl.LoginID, dev.Name)
	}
	// Then the desktop is told the number to show, one of the phone's three;
	ev = next(t, ch)
	if ev.Type != pairing.EventScanned || !slices.Contains(scan.CheckChoices, ev.Check) {
		t.Fatalf("event = %+v, want scanned with one of %v", ev, scan.CheckChoices)
	}
	// and when the person picks that number, it is pushed a working token, and the stream ends.
	if err := d.phone.Approve(t.Context(), d.pl.LoginID, ev.Check); err != nil {
		t.Fatalf("Approve: %v", err)
	}
	ev = next(t, ch)
	if ev.Type != pairing.EventApproved || ev.Grant == nil {
		t.Fatalf("event = %+v, want approved", ev)
	}
	assertClosed(t, ch)
	s, err := d.c.Session(t.Context(), pairing.Credentials{Token: ev.Grant.Token, Fingerprint: dev.Fingerprint})
	if err != nil || s.ID != ev.Grant.Session.ID {
		t.Fatalf("Session with the pushed token: %+v, %v", s, err)
	}
}

func TestLoginStreamEndings(t *testing.T) {
	cases := []struct {
		name string
		when func(m *mock, d waiting)
		want string
	}{
		{"declined on the phone", func(m *mock, d waiting) {
			if err := d.phone.Decline(m.t.Context(), d.pl.LoginID); err != nil {
				m.t.Fatal(err)
			}
		}, pairing.EventDeclined},
		{"pending login lifetime over", func(m *mock, _ waiting) {
			m.Clock.Advance(10*time.Minute + time.Second)
		}, pairing.EventExpired},
		{"code typed on the desktop", func(m *mock, d waiting) {
			code, err := d.phone.CodeFor(m.t.Context(), d.pl.LoginID)
			if err != nil {
				m.t.Fatal(err)
			}
			if _, err := d.c.SubmitCode(m.t.Context(), d.pl.LoginID, code); err != nil {
				m.t.Fatal(err)
			}
		}, pairing.EventApproved},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := startMock(t)
			d := m.waitingDesktop(pairing.Options{}, desktop("PC"))
			ch := d.c.LoginEvents(t.Context(), d.pl.LoginID)
			if ev := next(t, ch); ev.Type != pairing.EventQR {
				t.Fatalf("first event = %+v", ev)
			}
			// When this happens while the desktop waits
			tc.when(m, d)
			// Then the stream says so and ends.
			if ev := next(t, ch); ev.Type != tc.want {
				t.Fatalf("event = %+v, want %s", ev, tc.want)
			}
			assertClosed(t, ch)
		})
	}
}

func TestLoginStreamAfterTheEnd(t *testing.T) {
	m := startMock(t)
	d := m.waitingDesktop(pairing.Options{}, desktop("PC"))
	if err := d.phone.Decline(t.Context(), d.pl.LoginID); err != nil {
		t.Fatal(err)
	}
	// When the desktop connects after the phone declined
	got := drain(t, d.c.LoginEvents(t.Context(), d.pl.LoginID), waitFor)
	// Then it learns at once.
	if len(got) != 1 || got[0].Type != pairing.EventDeclined {
		t.Fatalf("events = %+v, want declined", got)
	}
	// And a login the server never had is one error event.
	got = drain(t, d.c.LoginEvents(t.Context(), "lgn_doesnotexist"), waitFor)
	if len(got) != 1 || got[0].Type != pairing.EventError {
		t.Fatalf("events = %+v, want one error", got)
	}
	assertServerError(t, got[0].Err, pairing.CodeLoginNotFound, 404)
}

func TestQRRotationIsPushed(t *testing.T) {
	m := startMock(t)
	c := m.Client(pairing.Options{})
	pl := m.startLogin(c, desktop("PC"))
	ch := c.LoginEvents(t.Context(), pl.LoginID)
	first := next(t, ch)

	// When 30 s pass on the server's clock
	m.Clock.Advance(30 * time.Second)
	// Then a new payload for the same login is pushed, valid for another 30 s.
	ev := next(t, ch)
	if ev.Type != pairing.EventQR || ev.QR.Payload == first.QR.Payload {
		t.Fatalf("event = %+v, want a new QR", ev)
	}
	if q, err := pairing.ParseQR(ev.QR.Payload); err != nil || q.LoginID != pl.LoginID {
		t.Fatalf("pushed payload: %v", err)
	}
	if got := ev.QR.ExpiresAt.Sub(m.Clock.Now()); got <= 0 || got > 30*time.Second {
		t.Errorf("new payload lives %v", got)
	}

	// And a rotation the desktop asks for is pushed too.
	qr, err := c.RotateQR(t.Context(), pl.LoginID)
	if err != nil {
		t.Fatal(err)
	}
	if ev := next(t, ch); ev.Type != pairing.EventQR || ev.QR.Payload != qr.Payload {
		t.Fatalf("event = %+v, want the rotated payload", ev)
	}
}

func TestSessionRevocationIsPushed(t *testing.T) {
	for _, tc := range sessionEnders {
		t.Run(tc.title(), func(t *testing.T) {
			m := startMock(t)
			d := m.signedInDesktop(pairing.Options{}, desktop("PC"))
			c, cr := d.c, d.creds
			if tc.probe != nil {
				// The stream of a token the server does not know is refused at once.
				got := drain(t, c.SessionEvents(t.Context(), tc.probe(cr)), waitFor)
				if len(got) != 1 || got[0].Type != pairing.EventRevoked || got[0].Reason != tc.reason {
					t.Fatalf("events = %+v, want revoked %s", got, tc.reason)
				}
				return
			}
			// Given the home screen follows the session
			ch := c.SessionEvents(t.Context(), cr)
			m.WaitStreams(1)
			// When the session ends
			tc.end(m, d)
			// Then the desktop is told at once, with the reason, and the stream ends.
			ev := next(t, ch)
			if ev.Type != pairing.EventRevoked || ev.Reason != tc.reason {
				t.Fatalf("event = %+v, want revoked %s", ev, tc.reason)
			}
			assertClosed(t, ch)
			// And reconnecting later gives the same answer, through the 401.
			got := drain(t, c.SessionEvents(t.Context(), cr), waitFor)
			if len(got) != 1 || got[0].Type != pairing.EventRevoked || got[0].Reason != tc.reason {
				t.Fatalf("events on reconnect = %+v, want revoked %s", got, tc.reason)
			}
		})
	}
}

// gate is a Sleep that holds the first reconnect until released.
type gate struct {
	waiting chan struct{} // closed when the stream first waits to reconnect
	release chan struct{} // closed by the test to let it go on
	once    sync.Once
	mu      sync.Mutex
	delays  []time.Duration
}

func newGate() *gate { return &gate{waiting: make(chan struct{}), release: make(chan struct{})} }

func (g *gate) sleep(ctx context.Context, d time.Duration) error {
	g.mu.Lock()
	g.delays = append(g.delays, d)
	g.mu.Unlock()
	g.once.Do(func() { close(g.waiting) })
	select {
	case <-g.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// breakConnections cuts every connection (a Wi-Fi hiccup) and waits until
// the stream noticed and holds at g before reconnecting.
func (m *mock) breakConnections(g *gate) {
	m.t.Helper()
	m.CutConnections()
	select {
	case <-g.waiting:
	case <-time.After(waitFor):
		m.t.Fatal("the stream did not notice the dropped connection")
	}
}

func TestReconnectDoesNotLoseApproval(t *testing.T) {
	m := startMock(t)
	g := newGate()
	c := m.Client(pairing.Options{Sleep: g.sleep})
	pl := m.startLogin(c, desktop("PC"))
	ch := c.LoginEvents(t.Context(), pl.LoginID)
	qr := next(t, ch)

	// Given the stream's connection breaks (Wi-Fi hiccup)
	m.breakConnections(g)
	// When the phone scans and approves while the desktop is disconnected
	p := m.phone()
	if _, err := p.Scan(t.Context(), qr.QR.Payload); err != nil {
		t.Fatalf("Scan: %v", err)
	}
	if err := p.Approve(t.Context(), pl.LoginID, m.Check(pl.LoginID)); err != nil {
		t.Fatalf("Approve: %v", err)
	}
	close(g.release)
	// Then the reconnected stream still delivers the approval, and nothing else.
	ev := next(t, ch)
	if ev.Type != pairing.EventApproved || ev.Grant == nil || ev.Grant.Token == "" {
		t.Fatalf("event = %+v, want approved", ev)
	}
	assertClosed(t, ch)
}

func TestReconnectAfterDroppedConnects(t *testing.T) {
	m := startMock(t)
	var sl sleepLog
	c := m.Client(pairing.Options{Sleep: sl.sleep})
	pl := m.startLogin(c, desktop("PC"))
	// Given the server drops the next four attempts to open the stream
	// (net/http itself retries a GET once on a reused connection, so the
	// client sees three or four of them)
	m.Fault(mockserver.Fault{Method: "GET", Path: "/v1/logins/*/events", Drop: true, Count: 4})
	// When the desktop follows the login
	ch := c.LoginEvents(t.Context(), pl.LoginID)
	// Then it keeps trying, waiting longer each time, until the stream works.
	if ev := next(t, ch); ev.Type != pairing.EventQR || ev.QR.Payload != pl.QR.Payload {
		t.Fatalf("event = %+v, want the current QR", ev)
	}
	d := sl.get()
	if len(d) < 3 {
		t.Fatalf("waits = %v, want at least three", d)
	}
	for i := 1; i < len(d); i++ {
		if d[i] < d[i-1] {
			t.Fatalf("waits = %v, want them growing", d)
		}
	}
}

func TestStreamHonoursServerRetryAt(t *testing.T) {
	m := startMock(t)
	var sl sleepLog
	d := m.signedInDesktop(pairing.Options{Sleep: sl.sleep}, desktop("PC"))
	// Given the server refuses the next stream with "come back in 20 s"
	retryAt := time.Now().Add(20 * time.Second).UTC().Format(time.RFC3339)
	m.Fault(mockserver.Fault{Method: "GET", Path: "/v1/session/events", Status: 429, Count: 1,
		Body: fmt.Sprintf(`{"error":{"code":"too_many_requests","message":"slow down","retry_at":%q}}`, retryAt)})
	// When the home screen follows the session
	ch := d.c.SessionEvents(t.Context(), d.creds)
	m.WaitStreams(1)
	// Then it waited as asked before reconnecting, and the stream works.
	if d := sl.get(); len(d) != 1 || d[0] < 18*time.Second || d[0] > 21*time.Second {
		t.Fatalf("waits = %v, want one of about 20s", d)
	}
	if err := d.phone.RevokeDevice(t.Context(), d.grant.Session.ID); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, ch); ev.Type != pairing.EventRevoked || ev.Reason != pairing.CodeSessionRevoked {
		t.Fatalf("event = %+v", ev)
	}
}

func TestIdleStreamIsReconnected(t *testing.T) {
	// Given a server whose heartbeats are far apart, and a desktop that
	// gives a silent stream 300 ms
	m := startMock(t, func(cfg *mockserver.Config) { cfg.Heartbeat = time.Hour })
	c := m.Client(pairing.Options{StreamIdleTimeout: 300 * time.Millisecond})
	pl := m.startLogin(c, desktop("PC"))
	ch := c.LoginEvents(t.Context(), pl.LoginID)
	first := next(t, ch)
	m.WaitStreams(1)

	// When the stream stays silent
	m.WaitStreams(1) // the desktop gave up on the silent stream and connected again

	// Then the replayed QR is not shown twice, and what happens next still arrives.
	m.Clock.Advance(30 * time.Second)
	ev := next(t, ch)
	if ev.Type != pairing.EventQR || ev.QR.Payload == first.QR.Payload {
		t.Fatalf("event = %+v, want the next QR only", ev)
	}
}

func TestHeartbeatsKeepTheStream(t *testing.T) {
	// Given heartbeats every 50 ms and an idle limit of 400 ms
	m := startMock(t, func(cfg *mockserver.Config) { cfg.Heartbeat = 50 * time.Millisecond })
	c := m.Client(pairing.Options{StreamIdleTimeout: 400 * time.Millisecond})
	pl := m.startLogin(c, desktop("PC"))
	ch := c.LoginEvents(t.Context(), pl.LoginID)
	next(t, ch)
	m.WaitStreams(1)
	// When nothing else happens for twice the idle limit
	select {
	case path := <-m.Opened():
		t.Fatalf("stream %s reconnected although heartbeats arrived", path)
	case ev := <-ch:
		t.Fatalf("unexpected event %+v", ev)
	case <-time.After(800 * time.Millisecond):
	}
	// Then the same connection still carries events.
	m.Clock.Advance(30 * time.Second)
	if ev := next(t, ch); ev.Type != pairing.EventQR {
		t.Fatalf("event = %+v", ev)
	}
}

func TestFaultsOnPlainCalls(t *testing.T) {
	// POST is used because net/http silently retries a dropped GET once.
	const rotate = "/v1/logins/*/qr"
	cases := []struct {
		name  string
		fault mockserver.Fault
		code  string
	}{
		{"drop", mockserver.Fault{Path: rotate, Drop: true}, pairing.CodeNetwork},
		{"slow beyond the request timeout", mockserver.Fault{Path: rotate, Delay: 2 * time.Second}, pairing.CodeTimeout},
		{"not JSON", mockserver.Fault{Path: rotate, Body: "<html>proxy</html>"}, pairing.CodeBadResponse},
		{"injected 503", mockserver.Fault{Path: rotate, Status: 503}, pairing.CodeMaintenance},
		{"injected 500", mockserver.Fault{Path: rotate, Status: 500}, pairing.CodeInternal},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := startMock(t)
			c := m.Client(pairing.Options{RequestTimeout: 300 * time.Millisecond})
			pl := m.startLogin(c, desktop("PC"))
			// Given the server misbehaves once
			m.Fault(tc.fault)
			// When the desktop asks for a new QR code
			_, err := c.RotateQR(t.Context(), pl.LoginID)
			// Then the error is of the right kind and temporary, and the next call works.
			assertCode(t, err, tc.code)
			if !pairing.Temporary(err) {
				t.Errorf("Temporary(%v) = false", err)
			}
			if _, err := c.RotateQR(t.Context(), pl.LoginID); err != nil {
				t.Fatalf("second call: %v", err)
			}
		})
	}
}

func TestStreamThatKeepsEndingGivesUp(t *testing.T) {
	m := startMock(t)
	var sl sleepLog
	c := m.Client(pairing.Options{Sleep: sl.sleep, StreamMaxFailures: 4})
	pl := m.startLogin(c, desktop("PC"))
	// Given a server (or proxy) that ends every event stream right after a comment
	m.Fault(mockserver.Fault{Method: "GET", Path: "/v1/logins/*/events", Body: ": hello\n\n", Count: -1})
	// When the desktop follows the login
	got := drain(t, c.LoginEvents(t.Context(), pl.LoginID), waitFor)
	// Then it backs off and finally reports a temporary stream failure.
	if len(got) != 1 || got[0].Type != pairing.EventError {
		t.Fatalf("events = %+v, want one error", got)
	}
	assertCode(t, got[0].Err, pairing.CodeStreamEnded)
	if !pairing.Temporary(got[0].Err) {
		t.Error("a stream that keeps ending is worth trying later")
	}
	if d := sl.get(); len(d) != 3 || d[2] < d[0] {
		t.Errorf("waits = %v, want three growing ones", d)
	}
}

func TestAWrongPickIsDeclinedWithItsReason(t *testing.T) {
	m := startMock(t)
	c := m.Client(pairing.Options{})
	p := m.phone()
	pl := m.startLogin(c, desktop("PC"))
	ch := c.LoginEvents(t.Context(), pl.LoginID)
	next(t, ch) // the QR code
	scan, err := p.Scan(t.Context(), pl.QR.Payload)
	if err != nil {
		t.Fatal(err)
	}
	shown := next(t, ch)
	wrong := slices.DeleteFunc(slices.Clone(scan.CheckChoices), func(c string) bool { return c == shown.Check })[0]

	// When the phone picks a number the desktop does not show,
	err = p.Approve(t.Context(), pl.LoginID, wrong)

	// then the phone is told, and the desktop hears "declined" with the reason.
	assertServerError(t, err, pairing.CodeWrongCheck, 400)
	ev := next(t, ch)
	if ev.Type != pairing.EventDeclined || ev.Reason != pairing.DeclinedWrongCheck {
		t.Fatalf("event = %+v, want declined %s", ev, pairing.DeclinedWrongCheck)
	}
	assertClosed(t, ch)
}

func TestASecondScanIsAlreadyScanned(t *testing.T) {
	m := startMock(t)
	c := m.Client(pairing.Options{})
	p, other := m.phone(), m.phone()
	pl := m.startLogin(c, desktop("PC"))
	if _, err := p.Scan(t.Context(), pl.QR.Payload); err != nil {
		t.Fatal(err)
	}
	_, err := other.Scan(t.Context(), pl.QR.Payload)
	assertServerError(t, err, pairing.CodeAlreadyScanned, 409)
	// and the desktop cannot bring a fresh QR code up for another phone.
	_, err = c.RotateQR(t.Context(), pl.LoginID)
	assertServerError(t, err, pairing.CodeAlreadyScanned, 409)
}

func TestScannedIsDeliveredOnceAcrossReconnects(t *testing.T) {
	m := startMock(t)
	g := newGate()
	c := m.Client(pairing.Options{Sleep: g.sleep})
	p := m.phone()
	pl := m.startLogin(c, desktop("PC"))
	ch := c.LoginEvents(t.Context(), pl.LoginID)
	next(t, ch)
	if _, err := p.Scan(t.Context(), pl.QR.Payload); err != nil {
		t.Fatal(err)
	}
	shown := next(t, ch)
	// Given the connection breaks after the number was shown,
	m.breakConnections(g)
	close(g.release)
	m.WaitStreams(2)
	// when the server replays "scanned" on reconnecting, the desktop is not told twice:
	// the next event is the approval.
	if _, err := p.Link(t.Context()); err != nil { // a GET, retried past the phone's cut keep-alive connection
		t.Fatal(err)
	}
	if err := p.Approve(t.Context(), pl.LoginID, shown.Check); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, ch); ev.Type != pairing.EventApproved {
		t.Fatalf("event = %+v, want approved", ev)
	}
}

func TestScannedAndDeclinedEventData(t *testing.T) {
	cases := []struct {
		name   string
		stream string
		want   []pairing.LoginEvent
	}{
		{"a check number, replayed",
			"event: scanned\ndata: {\"check\":\"42\"}\n\nevent: scanned\ndata: {\"check\":\"42\"}\n\nevent: expired\ndata: {}\n\n",
			[]pairing.LoginEvent{{Type: pairing.EventScanned, Check: "42"}, {Type: pairing.EventExpired}}},
		{"a check that is not two digits", "event: scanned\ndata: {\"check\":\"4\"}\n\n",
			[]pairing.LoginEvent{{Type: pairing.EventError}}},
		{"no check", "event: scanned\ndata: {}\n\n", []pairing.LoginEvent{{Type: pairing.EventError}}},
		{"declined with a reason", "event: declined\ndata: {\"reason\":\"wrong_check\"}\n\n",
			[]pairing.LoginEvent{{Type: pairing.EventDeclined, Reason: pairing.DeclinedWrongCheck}}},
		{"declined by an older server", "event: declined\ndata: {}\n\n", []pairing.LoginEvent{{Type: pairing.EventDeclined}}},
		{"declined with an unprintable reason", "event: declined\ndata: {\"reason\":\"<b>\\u0007\"}\n\n",
			[]pairing.LoginEvent{{Type: pairing.EventDeclined}}},
		{"declined with broken data", "event: declined\ndata: {\"reason\n\n", []pairing.LoginEvent{{Type: pairing.EventDeclined}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := loginEventsOf(t, tc.stream)
			if len(got) != len(tc.want) {
				t.Fatalf("events %+v, want %+v", got, tc.want)
			}
			for i, ev := range got {
				w := tc.want[i]
				if ev.Type != w.Type || ev.Check != w.Check || ev.Reason != w.Reason {
					t.Errorf("event %d = %+v, want %+v", i, ev, w)
				}
				if ev.Type == pairing.EventError {
					assertCode(t, ev.Err, pairing.CodeBadResponse)
				}
			}
		})
	}
}
