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
	h.replaysGrant(pl, g)
}

func TestQRRotatesEvery30Seconds(t *testing.T) {
	h := newHarness(t)
	pl, s := h.followedLogin()
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
	pl, s := h.followedLogin()

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

// The rules that make a relayed QR code hard to use: the desktop knows the
// scan, the QR code stops there, the phone must pick the number the
// computer shows, and it is told when the computer is on another network.

// wrongChoice is one of the phone's numbers that is not check.
func wrongChoice(t *testing.T, choices []string, check string) string {
	t.Helper()
	for _, c := range choices {
		if c != check {
			return c
		}
	}
	t.Fatalf("no wrong number among %v", choices)
	return ""
}

func TestAScanStopsTheQRCodeAndTellsTheDesktopTheNumber(t *testing.T) {
	h := newHarness(t)
	pl, s := h.followedLogin()
	phone := h.phone()

	// When the phone scans the QR code,
	sr := h.scan(phone, pl.QR.Payload)

	// then the desktop hears the check number at once, and the phone offers
	// it among three distinct two-digit numbers.
	var sn pairing.ScanNotice
	s.expect(t, pairing.EventScanned, &sn)
	if !pairing.ValidCheck(sn.Check) || sn.Check[0] == '0' {
		t.Errorf("check %q, want two digits 10–99", sn.Check)
	}
	if len(sr.CheckChoices) != 3 || !slices.Contains(sr.CheckChoices, sn.Check) {
		t.Fatalf("choices %v, want three with %s among them", sr.CheckChoices, sn.Check)
	}
	seen := map[string]bool{}
	for _, c := range sr.CheckChoices {
		if !pairing.ValidCheck(c) || seen[c] {
			t.Errorf("choices %v: not three distinct two-digit numbers", sr.CheckChoices)
		}
		seen[c] = true
	}

	// When a rotation falls due (twice over), the QR code does not change:
	h.Clock.Advance(31 * time.Second)
	h.Clock.Advance(31 * time.Second)
	l := h.testerLogins("")[0]
	if l.QR != pl.QR || !l.Scanned || l.Check != sn.Check {
		t.Errorf("after the scan the tester sees %+v; want the scanned payload unchanged and check %s", l, sn.Check)
	}
	// a desktop asking for a new one is refused,
	h.do("POST", "/v1/logins/"+pl.LoginID+"/qr", nil, ownerHdr(laptop)).apiErr(t, http.StatusConflict, pairing.CodeAlreadyScanned)
	// a desktop that reconnects hears the number again, not a QR code,
	again := h.openStream("/v1/logins/"+pl.LoginID+"/events", ownerHdr(laptop))
	if ev := again.next(t); ev.name != pairing.EventScanned || ev.data != `{"check":"`+sn.Check+`"}` {
		t.Fatalf("a reconnected stream starts with %s %s, want the number %s", ev.name, ev.data, sn.Check)
	}
	// and the first stream heard no QR code after the number: the next event is the approval.
	h.approve(phone, pl.LoginID, sn.Check).decode(t, http.StatusOK, nil)
	if ev := s.next(t); ev.name != pairing.EventApproved {
		t.Fatalf("after the scan the stream said %q (%s), want only approved", ev.name, ev.data)
	}
}

func TestASecondScanIsRefused(t *testing.T) {
	h := newHarness(t)
	pl := h.startLogin(laptop)
	phone, other := h.phone(), h.phone() // two phones signed in to the account
	sr := h.scan(phone, pl.QR.Payload)
	check := h.checkOf(pl.LoginID)

	// When the same payload is scanned again, by this phone or another one,
	for _, p := range []string{phone, other} {
		h.do("POST", "/phone/v1/qr/scan", pairing.ScanRequest{Payload: pl.QR.Payload}, bearer(p)).
			apiErr(t, http.StatusConflict, pairing.CodeAlreadyScanned)
	}
	// then only the phone that scanned first may approve, even with the right number,
	h.approve(other, pl.LoginID, check).apiErr(t, http.StatusConflict, pairing.CodeAlreadyScanned)
	// and the refusals changed nothing: the number is the same and the first phone approves.
	if got := h.checkOf(pl.LoginID); got != check || !slices.Contains(sr.CheckChoices, got) {
		t.Errorf("check became %q after refused scans, want %q", got, check)
	}
	h.approve(phone, pl.LoginID, check).decode(t, http.StatusOK, nil)
}

func TestAWrongPickEndsTheLogin(t *testing.T) {
	h := newHarness(t)
	pl := h.startLogin(laptop)
	s := h.openStream("/v1/logins/"+pl.LoginID+"/events", ownerHdr(laptop))
	phone := h.phone()
	code := h.codeOnPhone(phone, pl.LoginID)
	sr := h.scan(phone, pl.QR.Payload)
	var sn pairing.ScanNotice
	s.expect(t, pairing.EventScanned, &sn)

	// Malformed numbers are refused without ending anything,
	for _, bad := range []any{pairing.ApproveRequest{Check: "4"}, pairing.ApproveRequest{Check: "４２"}, `{}`, ``} {
		h.do("POST", "/phone/v1/logins/"+pl.LoginID+"/approve", bad, bearer(phone)).
			apiErr(t, http.StatusBadRequest, pairing.CodeBadRequest)
	}
	// but when the person picks another of the three numbers,
	wrong := wrongChoice(t, sr.CheckChoices, sn.Check)
	h.approve(phone, pl.LoginID, wrong).apiErr(t, http.StatusBadRequest, pairing.CodeWrongCheck)

	// the desktop hears "declined" with the reason, and its stream ends;
	var d pairing.Decline
	s.expect(t, pairing.EventDeclined, &d)
	if d.Reason != pairing.DeclinedWrongCheck {
		t.Errorf("declined reason %q, want %q", d.Reason, pairing.DeclinedWrongCheck)
	}
	s.ended(t)
	// the login is over for everyone: the right number, the code, a new scan;
	h.approve(phone, pl.LoginID, sn.Check).apiErr(t, http.StatusConflict, pairing.CodeLoginDeclined)
	h.do("POST", "/v1/logins/"+pl.LoginID+"/code", pairing.CodeRequest{Code: code}, ownerHdr(laptop)).
		apiErr(t, http.StatusConflict, pairing.CodeLoginDeclined)
	h.do("POST", "/phone/v1/qr/scan", pairing.ScanRequest{Payload: pl.QR.Payload}, bearer(phone)).
		apiErr(t, http.StatusConflict, pairing.CodeLoginDeclined)
	if p := h.link(phone).Pending; len(p) != 0 {
		t.Errorf("the phone still lists %+v", p)
	}
	// and a desktop that reconnects hears the same reason.
	late := h.openStream("/v1/logins/"+pl.LoginID+"/events", ownerHdr(laptop))
	late.expect(t, pairing.EventDeclined, &d)
	if d.Reason != pairing.DeclinedWrongCheck {
		t.Errorf("replayed reason %q", d.Reason)
	}
}

func TestTheNetworkCheck(t *testing.T) {
	cases := []struct {
		name, desktop, phone, want string
	}{
		{"both on this machine", "", "", pairing.NetworkSame},
		{"desktop elsewhere, phone here", "203.0.113.7", "", pairing.NetworkDifferent},
		{"same /24", "198.51.100.20", "198.51.100.211", pairing.NetworkSame},
		{"next /24", "198.51.100.20", "198.51.101.20", pairing.NetworkDifferent},
		{"same IPv6 /56", "2001:db8:aa:bb00::1", "2001:db8:aa:bbff:1::9", pairing.NetworkSame},
		{"next IPv6 /56", "2001:db8:aa:bb00::1", "2001:db8:aa:cc00::1", pairing.NetworkDifferent},
		{"IPv4 against IPv6", "198.51.100.20", "2001:db8::1", pairing.NetworkDifferent},
		{"IPv4-mapped IPv6 is IPv4", "::ffff:198.51.100.20", "198.51.100.99", pairing.NetworkSame},
	}
	h := newHarness(t)
	phone := h.phone()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var desktopHdr, phoneHdr []hdr
			if tc.desktop != "" {
				desktopHdr = []hdr{{mockserver.ClientIPHeader, tc.desktop}}
			}
			if tc.phone != "" {
				phoneHdr = []hdr{{mockserver.ClientIPHeader, tc.phone}}
			}
			// Given a desktop that signs in from tc.desktop,
			var pl pairing.PendingLogin
			h.do("POST", "/v1/logins", loginBody(mockserver.DemoEmail, mockserver.DemoPassword, laptop), desktopHdr...).
				decode(t, http.StatusCreated, &pl)
			// when the phone at tc.phone opens its link screen and scans,
			var ls pairing.LinkScreen
			h.do("GET", "/phone/v1/link", nil, append(phoneHdr, bearer(phone))...).decode(t, http.StatusOK, &ls)
			ls.Pending = slices.DeleteFunc(ls.Pending, func(p pairing.PendingRequest) bool { return p.LoginID != pl.LoginID })
			var sr pairing.ScanResult
			h.do("POST", "/phone/v1/qr/scan", pairing.ScanRequest{Payload: pl.QR.Payload}, append(phoneHdr, bearer(phone))...).
				decode(t, http.StatusOK, &sr)
			// then both say tc.want, and show the desktop's address.
			wantIP := tc.desktop
			if wantIP == "" {
				wantIP = "127.0.0.1"
			}
			if len(ls.Pending) != 1 || ls.Pending[0].Network != tc.want || ls.Pending[0].IP != canonicalIP(wantIP) {
				t.Errorf("link screen %+v, want network %s from %s", ls.Pending, tc.want, wantIP)
			}
			if sr.Network != tc.want || sr.IP != canonicalIP(wantIP) {
				t.Errorf("scan says %s from %s, want %s from %s", sr.Network, sr.IP, tc.want, wantIP)
			}
		})
	}
}

// canonicalIP is how the server writes an address it was given.
func canonicalIP(s string) string {
	if s == "::ffff:198.51.100.20" {
		return "198.51.100.20"
	}
	return s
}

func TestTheAddressHeaderFromThisMachine(t *testing.T) {
	h := newHarness(t)
	// A desktop played on another network is seen there by the journal too;
	var pl pairing.PendingLogin
	h.do("POST", "/v1/logins", loginBody(mockserver.DemoEmail, mockserver.DemoPassword, laptop),
		hdr{mockserver.ClientIPHeader, "2001:DB8::7"}).decode(t, http.StatusCreated, &pl)
	var seen *mockserver.JournalEntry
	for _, e := range h.Requests() {
		if e.Path == "/v1/logins" {
			seen = &e
		}
	}
	if seen == nil || seen.RemoteIP != "2001:db8::7" || seen.Headers[mockserver.ClientIPHeader] != "2001:DB8::7" {
		t.Errorf("journal entry %+v, want remote_ip 2001:db8::7 and the header as sent", seen)
	}
	// an address that is not one is refused with a clear error, and changes nothing;
	for _, bad := range []string{"", "example.test", "203.0.113.7:80", "203.0.113.7, 198.51.100.1", "fe80::1%eth0"} {
		e := h.do("POST", "/v1/logins", loginBody(mockserver.DemoEmail, mockserver.DemoPassword, desk),
			hdr{mockserver.ClientIPHeader, bad}).apiErr(t, http.StatusBadRequest, pairing.CodeBadRequest)
		if e.Message != mockserver.ClientIPHeader+" must be one IPv4 or IPv6 address, such as 203.0.113.7" {
			t.Errorf("header %q: message %q", bad, e.Message)
		}
	}
	if n := len(h.testerLogins("")); n != 1 {
		t.Errorf("%d pending logins after the refused ones, want 1", n)
	}
	// and the tester controls still answer: the header does not decide who may use them.
	h.do("GET", "/mock/v1/logins", nil, hdr{mockserver.ClientIPHeader, "203.0.113.7"}).decode(t, http.StatusOK, nil)
}
