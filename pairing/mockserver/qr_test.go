package mockserver_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

func TestQRScanApprovePushesTheToken(t *testing.T) {
	h := newHarness(t)
	now := h.Clock.Now()
	pl := h.startLogin(laptop)
	s := h.openStream("/v1/logins/"+pl.LoginID+"/events", ownerHdr(laptop))
	var first pairing.QRInfo
	s.expect(t, pairing.EventQR, &first)
	if first != pl.QR {
		t.Errorf("the stream starts with %+v, want the current QR %+v", first, pl.QR)
	}
	phone := h.phone()

	// Given the phone scanned the QR code, it shows who is asking, from
	// which network, and three numbers to pick from;
	sr := h.scan(phone, pl.QR.Payload)
	if sr.LoginID != pl.LoginID || sr.Device != (pairing.Device{ID: laptop.ID, Name: laptop.Name, Platform: laptop.Platform}) ||
		sr.IP != "127.0.0.1" || sr.Network != pairing.NetworkSame || !sr.CreatedAt.Equal(now) {
		t.Errorf("scan = %+v", sr)
	}
	// the desktop is told the number to show at once, one of the three.
	var sn pairing.ScanNotice
	s.expect(t, pairing.EventScanned, &sn)
	if !slices.Contains(sr.CheckChoices, sn.Check) {
		t.Errorf("the desktop shows %q, the phone offers %v", sn.Check, sr.CheckChoices)
	}
	if p := h.link(phone).Pending; len(p) != 1 || !p[0].Scanned {
		t.Errorf("the link screen does not mark the login scanned: %+v", p)
	}

	// When the person picks that number, the desktop gets its token pushed at once.
	var ld pairing.LinkedDevice
	h.approve(phone, pl.LoginID, sn.Check).decode(t, http.StatusOK, &ld)
	var g pairing.Grant
	s.expect(t, pairing.EventApproved, &g)
	s.ended(t)
	if g.Session.ID != ld.SessionID || ld.Name != laptop.Name {
		t.Errorf("approve answered %+v for session %s", ld, g.Session.ID)
	}
	var si pairing.SessionInfo
	h.do("GET", "/v1/session", nil, sessionHdrs(g)...).decode(t, http.StatusOK, &si)
	if si.Session.Device != laptop || si.Session.Account.Email != mockserver.DemoEmail {
		t.Errorf("session %+v", si.Session)
	}
	// And a stream opened after the approval still hears it (a dropped connection).
	late := h.openStream("/v1/logins/"+pl.LoginID+"/events", ownerHdr(laptop))
	var again pairing.Grant
	late.expect(t, pairing.EventApproved, &again)
	if again != g {
		t.Error("replayed grant differs")
	}
}

func TestQRRotatesEvery30Seconds(t *testing.T) {
	h := newHarness(t)
	pl := h.startLogin(laptop)
	s := h.openStream("/v1/logins/"+pl.LoginID+"/events", ownerHdr(laptop))
	s.expect(t, pairing.EventQR, nil)
	phone := h.phone()

	h.Clock.Advance(29 * time.Second)
	h.Clock.Advance(time.Second)

	var next pairing.QRInfo
	s.expect(t, pairing.EventQR, &next)
	if next.Payload == pl.QR.Payload {
		t.Fatal("the QR payload did not change")
	}
	if want := h.Clock.Now().Add(30 * time.Second); !next.ExpiresAt.Equal(want) {
		t.Errorf("new QR expires %v, want %v", next.ExpiresAt, want)
	}
	// The stale payload is refused; the current one is accepted.
	h.do("POST", "/phone/v1/qr/scan", pairing.ScanRequest{Payload: pl.QR.Payload}, bearer(phone)).
		apiErr(t, http.StatusBadRequest, pairing.CodeInvalidQR)
	h.do("POST", "/phone/v1/qr/scan", pairing.ScanRequest{Payload: next.Payload}, bearer(phone)).decode(t, http.StatusOK, nil)
}

func TestQRRotatesOnRequest(t *testing.T) {
	h := newHarness(t)
	pl := h.startLogin(laptop)
	s := h.openStream("/v1/logins/"+pl.LoginID+"/events", ownerHdr(laptop))
	s.expect(t, pairing.EventQR, nil)

	var rot pairing.QRRotation
	h.do("POST", "/v1/logins/"+pl.LoginID+"/qr", nil, ownerHdr(laptop)).decode(t, http.StatusOK, &rot)

	var pushed pairing.QRInfo
	s.expect(t, pairing.EventQR, &pushed)
	if rot.QR.Payload == pl.QR.Payload || pushed != rot.QR {
		t.Errorf("rotation answered %+v, pushed %+v", rot.QR, pushed)
	}
}

func TestQRRotationStopsWhenTheLoginEnds(t *testing.T) {
	h := newHarness(t)
	pl := h.startLogin(laptop)
	h.Clock.Advance(9*time.Minute + 50*time.Second)
	s := h.openStream("/v1/logins/"+pl.LoginID+"/events", ownerHdr(laptop))
	var q pairing.QRInfo
	s.expect(t, pairing.EventQR, &q)
	if !q.ExpiresAt.Equal(pl.ExpiresAt) {
		t.Errorf("the last QR expires %v, after the login %v", q.ExpiresAt, pl.ExpiresAt)
	}
	h.Clock.Advance(10 * time.Second)
	if ev := s.next(t); ev.name != pairing.EventExpired {
		t.Fatalf("got %q after the end, want only expired", ev.name)
	}
	s.ended(t)
}

func TestScanRefusals(t *testing.T) {
	h := newHarness(t)
	pl := h.startLogin(laptop)
	phone := h.phone()
	if err := h.AddAccount("anna@linkdesk.test", "anna-password", "Anna"); err != nil {
		t.Fatal(err)
	}
	var other pairing.PhoneSignIn
	h.do("POST", "/phone/v1/signin", pairing.PhoneSignInRequest{Email: "anna@linkdesk.test", Password: "anna-password"}).
		decode(t, http.StatusOK, &other)
	p, err := pairing.ParseQR(pl.QR.Payload)
	if err != nil {
		t.Fatal(err)
	}
	forged := pairing.QRPayload{LoginID: p.LoginID, Secret: make([]byte, pairing.QRSecretBytes)}.String()

	cases := []struct {
		name    string
		token   string
		payload string
		status  int
		code    string
	}{
		{"not a Linkdesk link", phone, "https://example.test/", http.StatusBadRequest, pairing.CodeInvalidQR},
		{"unknown version", phone, "linkdesk://link?v=9&l=x&s=AAAAAAAAAAAAAAAAAAAAAA", http.StatusBadRequest, pairing.CodeInvalidQR},
		{"forged secret", phone, forged, http.StatusBadRequest, pairing.CodeInvalidQR},
		{"unknown login", phone, pairing.QRPayload{LoginID: "lgn_x", Secret: p.Secret}.String(), http.StatusNotFound, pairing.CodeLoginNotFound},
		{"another account's login", other.PhoneToken, pl.QR.Payload, http.StatusNotFound, pairing.CodeLoginNotFound},
		{"phone not signed in", "ldp_nope", pl.QR.Payload, http.StatusUnauthorized, pairing.CodeUnauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h.do("POST", "/phone/v1/qr/scan", pairing.ScanRequest{Payload: tc.payload}, bearer(tc.token)).apiErr(t, tc.status, tc.code)
		})
	}
	// Nothing of the above counts as a scan.
	if h.link(phone).Pending[0].Scanned {
		t.Error("a refused scan marked the login scanned")
	}
}

func TestApproveNeedsAScanOfThisAccount(t *testing.T) {
	h := newHarness(t)
	pl := h.startLogin(laptop)
	phone := h.phone()
	h.approve(phone, pl.LoginID, "42").apiErr(t, http.StatusConflict, pairing.CodeBadRequest)
	h.approve(phone, "lgn_unknown", "42").apiErr(t, http.StatusNotFound, pairing.CodeLoginNotFound)
	h.approve("ldp_wrong", pl.LoginID, "42").apiErr(t, http.StatusUnauthorized, pairing.CodeUnauthorized)
	// After expiry neither approve nor decline work.
	h.scan(phone, pl.QR.Payload)
	check := h.checkOf(pl.LoginID)
	h.Clock.Advance(10 * time.Minute)
	h.approve(phone, pl.LoginID, check).apiErr(t, http.StatusGone, pairing.CodeLoginExpired)
	h.do("POST", "/phone/v1/logins/"+pl.LoginID+"/decline", nil, bearer(phone)).apiErr(t, http.StatusGone, pairing.CodeLoginExpired)
}

func TestHeartbeatsKeepStreamsAlive(t *testing.T) {
	h := newHarness(t, func(c *mockserver.Config) { c.Heartbeat = 20 * time.Millisecond })
	pl := h.startLogin(laptop)
	s := h.openStream("/v1/logins/"+pl.LoginID+"/events", ownerHdr(laptop))
	for range 2 {
		select {
		case <-s.beats:
		case <-time.After(waitFor):
			t.Fatal("no heartbeat comment")
		}
	}
}
