package pairing_test

import (
	"slices"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
)

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
	m.CutConnections()
	select {
	case <-g.waiting:
	case <-time.After(waitFor):
		t.Fatal("the stream did not notice the dropped connection")
	}
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
