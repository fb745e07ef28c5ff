package mockserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

// strangers are callers who know a login ID (it is in the QR code on the
// screen) but not the fingerprint of the desktop that started the login.
var strangers = []struct {
	name    string
	headers []hdr
}{
	{"no header", nil},
	{"empty header", []hdr{deviceHdr("")}},
	{"another desktop", []hdr{ownerHdr(desk)}},
	{"a prefix of the fingerprint", []hdr{deviceHdr(laptop.Fingerprint[:32])}},
	{"the fingerprint and more", []hdr{deviceHdr(laptop.Fingerprint + "0")}},
	{"the fingerprint in upper case", []hdr{deviceHdr(strings.ToUpper(laptop.Fingerprint))}},
}

// loginCall is one desktop call on a pending login.
type loginCall struct {
	method, path string
	body         any
}

// loginCalls lists every desktop call on login id; code is sent where one is needed.
func loginCalls(id, code string) []loginCall {
	base := "/v1/logins/" + id
	return []loginCall{
		{"GET", base + "/events", nil},
		{"POST", base + "/code", pairing.CodeRequest{Code: code}},
		{"POST", base + "/code/renew", nil},
		{"POST", base + "/qr", nil},
		{"DELETE", base, nil},
	}
}

// refusedCall makes c with headers like harness.do, but a stream opened by
// mistake is read for at most a second, so a leak fails instead of hanging.
func (h *harness) refusedCall(c loginCall, headers ...hdr) *response {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var body io.Reader
	if c.body != nil {
		data, err := json.Marshal(c.body)
		if err != nil {
			h.t.Fatal(err)
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, c.method, h.URL+c.path, body)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, kv := range headers {
		req.Header.Set(kv[0], kv[1])
	}
	resp, err := h.HTTPClient().Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", c.method, c.path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil && ctx.Err() == nil {
		h.t.Fatalf("%s %s: reading body: %v", c.method, c.path, err)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: data}
}

// errorShape is an error body without its request_id, to compare answers.
func errorShape(t *testing.T, r *response) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("error body %s: %v", r.body, err)
	}
	delete(m, "request_id")
	return m
}

func TestLoginAnswersOnlyTheDesktopThatStartedIt(t *testing.T) {
	h := newHarness(t)
	pl := h.startLogin(laptop)
	phone := h.phone()
	code := h.codeOnPhone(phone, pl.LoginID)
	unknown := h.do("POST", "/v1/logins/lgn_nope/code", pairing.CodeRequest{Code: code}, ownerHdr(laptop))
	unknown.apiErr(t, http.StatusNotFound, pairing.CodeLoginNotFound)
	want := errorShape(t, unknown)

	// Given a stranger who knows the login ID and even read the code off the phone,
	for _, s := range strangers {
		for _, c := range loginCalls(pl.LoginID, code) {
			t.Run(s.name+" "+c.method+" "+strings.TrimPrefix(c.path, "/v1/logins/"+pl.LoginID), func(t *testing.T) {
				// When they call the login,
				r := h.refusedCall(c, s.headers...)
				// Then it answers exactly like a login that does not exist.
				r.apiErr(t, http.StatusNotFound, pairing.CodeLoginNotFound)
				if got := errorShape(t, r); !reflect.DeepEqual(got, want) {
					t.Errorf("answer %v differs from an unknown login's %v", got, want)
				}
			})
		}
	}
	for range 5 {
		h.do("POST", "/v1/logins/"+pl.LoginID+"/code", pairing.CodeRequest{Code: wrongCode(code)}, ownerHdr(desk)).
			apiErr(t, http.StatusNotFound, pairing.CodeLoginNotFound)
	}

	// And none of it touched the login: same code on the phone (no renewal,
	// no cancel), same QR (no rotation), no wrong try counted, not used up.
	if got := h.codeOnPhone(phone, pl.LoginID); got != code {
		t.Error("a stranger's renewal changed the code")
	}
	s := h.openStream("/v1/logins/"+pl.LoginID+"/events", ownerHdr(laptop))
	var qr pairing.QRInfo
	s.expect(t, pairing.EventQR, &qr)
	if qr != pl.QR {
		t.Error("a stranger's call rotated the QR code")
	}
	e := h.do("POST", "/v1/logins/"+pl.LoginID+"/code", pairing.CodeRequest{Code: wrongCode(code)}, ownerHdr(laptop)).
		apiErr(t, http.StatusBadRequest, pairing.CodeInvalidCode)
	if e.AttemptsLeft == nil || *e.AttemptsLeft != 4 {
		t.Errorf("attempts_left = %v after the desktop's first wrong code, want 4", e.AttemptsLeft)
	}
	var g pairing.Grant
	h.do("POST", "/v1/logins/"+pl.LoginID+"/code", pairing.CodeRequest{Code: code}, ownerHdr(laptop)).
		decode(t, http.StatusOK, &g)
	if g.Token == "" || g.Session.Device != laptop {
		t.Errorf("the desktop's right code gave %+v", g.Session)
	}
}

func TestApprovedTokenReachesOnlyTheDesktopThatStartedIt(t *testing.T) {
	cases := []struct {
		name    string
		approve func(h *harness, phone string, pl pairing.PendingLogin)
	}{
		{"code typed on the desktop", func(h *harness, phone string, pl pairing.PendingLogin) {
			code := h.codeOnPhone(phone, pl.LoginID)
			h.do("POST", "/v1/logins/"+pl.LoginID+"/code", pairing.CodeRequest{Code: code}, ownerHdr(laptop)).
				decode(h.t, http.StatusOK, nil)
		}},
		{"QR code approved on the phone", func(h *harness, phone string, pl pairing.PendingLogin) {
			h.scan(phone, pl.QR.Payload)
			h.approve(phone, pl.LoginID, h.checkOf(pl.LoginID)).decode(h.t, http.StatusOK, nil)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			pl := h.startLogin(laptop)
			phone := h.phone()
			s := h.openStream("/v1/logins/"+pl.LoginID+"/events", ownerHdr(laptop))

			// Given the login was approved and its desktop got the token,
			tc.approve(h, phone, pl)
			var g pairing.Grant
			s.expect(t, pairing.EventApproved, &g)
			if g.Token == "" {
				t.Fatal("approved without a token")
			}

			// When strangers ask for the login while its grant is kept for replay,
			for _, st := range strangers {
				for _, c := range loginCalls(pl.LoginID, "000000") {
					r := h.refusedCall(c, st.headers...)
					// Then they never get the token, only login_not_found.
					if strings.Contains(string(r.body), g.Token) || strings.Contains(string(r.body), pairing.TokenPrefix) {
						t.Errorf("%s %s (%s) leaked the token", c.method, c.path, st.name)
					}
					r.apiErr(t, http.StatusNotFound, pairing.CodeLoginNotFound)
				}
			}
			// While the desktop itself still hears the approval on reconnecting.
			h.replaysGrant(pl, g)
		})
	}
}

func TestDateHeaderFollowsTheMockClock(t *testing.T) {
	// The login must outlive the 90 minutes below, or the timer may purge it before its stream opens.
	h := newHarness(t, func(c *mockserver.Config) { c.LoginLifetime = 3 * time.Hour })
	// Given the server clock moved a day ahead of the real one,
	h.Clock.Advance(24 * time.Hour)
	for _, step := range []time.Duration{0, 90 * time.Minute} {
		h.Clock.Advance(step)
		pl := h.startLogin(laptop) // (a login lives 10 minutes)
		want := h.Clock.Now().Format(http.TimeFormat)
		// When anything is answered (JSON, an error, an event stream),
		answers := map[string]http.Header{
			"health":       h.do("GET", "/mock/v1/health", nil).header,
			"error":        h.do("GET", "/v1/nope", nil).header,
			"event stream": h.openStream("/v1/logins/"+pl.LoginID+"/events", ownerHdr(laptop)).resp.Header,
		}
		// Then its Date is the server clock's, which the phone page uses to
		// correct its countdowns.
		for name, hd := range answers {
			if got := hd.Get("Date"); got != want {
				t.Errorf("after +%v: %s answered Date %q, want %q", 24*time.Hour+step, name, got, want)
			}
		}
	}
	if d, err := http.ParseTime(h.do("GET", "/mock/v1/health", nil).header.Get("Date")); err != nil || time.Until(d) < 23*time.Hour {
		t.Errorf("Date %v (%v) is not the advanced clock", d, err)
	}
}
