package mockserver_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

const day = 24 * time.Hour

func TestSessionAnswersAndSlides(t *testing.T) {
	h := newHarness(t)
	g := h.signIn(laptop)
	h.Clock.Advance(29 * day)
	var si pairing.SessionInfo
	h.do("GET", "/v1/session", nil, sessionHdrs(g)...).decode(t, http.StatusOK, &si)
	now := h.Clock.Now()
	if !si.Session.LastSeenAt.Equal(now) || !si.Session.ExpiresAt.Equal(now.Add(30*day)) {
		t.Errorf("last_seen_at %v expires_at %v, want %v and +30 days", si.Session.LastSeenAt, si.Session.ExpiresAt, now)
	}
	if si.Session.Account != (pairing.Account{Email: mockserver.DemoEmail, Name: mockserver.DemoName}) {
		t.Errorf("account %+v", si.Session.Account)
	}
}

func TestSessionCallRefusals(t *testing.T) {
	h := newHarness(t)
	g := h.signIn(laptop)
	cases := []struct {
		name    string
		headers []hdr
		status  int
		code    string
	}{
		{"no token", []hdr{deviceHdr(laptop.Fingerprint)}, http.StatusUnauthorized, pairing.CodeInvalidToken},
		{"not bearer", []hdr{{"Authorization", "Basic " + g.Token}, deviceHdr(laptop.Fingerprint)}, http.StatusUnauthorized, pairing.CodeInvalidToken},
		{"unknown token", []hdr{bearer("ldk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), deviceHdr(laptop.Fingerprint)}, http.StatusUnauthorized, pairing.CodeInvalidToken},
		{"no device header", []hdr{bearer(g.Token)}, http.StatusBadRequest, pairing.CodeBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, m := range []string{"GET", "DELETE"} {
				resp := h.do(m, "/v1/session", nil, tc.headers...)
				resp.apiErr(t, tc.status, tc.code)
				if tc.status == http.StatusUnauthorized && resp.header.Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
			}
			h.do("GET", "/v1/session/events", nil, tc.headers...).apiErr(t, tc.status, tc.code)
		})
	}
	// None of those ended the session.
	h.do("GET", "/v1/session", nil, sessionHdrs(g)...).decode(t, http.StatusOK, nil)
}

// TestEverySessionEndReachesTheStream: each way a session ends arrives at
// once on /v1/session/events as "revoked" with its reason, and the session
// keeps answering that reason afterwards.
func TestEverySessionEndReachesTheStream(t *testing.T) {
	cases := []struct {
		reason string
		end    func(h *harness, g pairing.Grant)
	}{
		{pairing.CodeSessionRevoked, func(h *harness, g pairing.Grant) {
			h.do("DELETE", "/phone/v1/devices/"+g.Session.ID, nil, bearer(h.phone())).decode(h.t, http.StatusNoContent, nil)
		}},
		{pairing.CodeSignedInElsewhere, func(h *harness, _ pairing.Grant) { h.signIn(desk) }},
		{pairing.CodePasswordChanged, func(h *harness, _ pairing.Grant) {
			h.do("POST", "/phone/v1/password", pairing.PasswordChange{Old: mockserver.DemoPassword, New: "a-new-password"},
				bearer(h.phone())).decode(h.t, http.StatusNoContent, nil)
		}},
		{pairing.CodeDeviceChanged, func(h *harness, g pairing.Grant) {
			h.do("GET", "/v1/session", nil, bearer(g.Token), deviceHdr("someone-else")).
				apiErr(h.t, http.StatusUnauthorized, pairing.CodeDeviceChanged)
		}},
		{pairing.CodeSessionExpired, func(h *harness, _ pairing.Grant) { h.Clock.Advance(30 * day) }},
	}
	for _, tc := range cases {
		t.Run(tc.reason, func(t *testing.T) {
			h := newHarness(t)
			g := h.signIn(laptop)
			s := h.openStream("/v1/session/events", sessionHdrs(g)...)

			tc.end(h, g)

			var end pairing.SessionEnd
			s.expect(t, pairing.EventRevoked, &end)
			if end.Reason != tc.reason {
				t.Errorf("reason = %q, want %q", end.Reason, tc.reason)
			}
			s.ended(t)
			h.do("GET", "/v1/session", nil, sessionHdrs(g)...).apiErr(t, http.StatusUnauthorized, tc.reason)
			h.do("GET", "/v1/session/events", nil, sessionHdrs(g)...).apiErr(t, http.StatusUnauthorized, tc.reason)
			// The reason is remembered for 30 days after the end, then the token is simply unknown.
			h.Clock.Advance(30*day - time.Minute)
			h.do("GET", "/v1/session", nil, sessionHdrs(g)...).apiErr(t, http.StatusUnauthorized, tc.reason)
			h.Clock.Advance(2 * time.Minute)
			h.do("GET", "/v1/session", nil, sessionHdrs(g)...).apiErr(t, http.StatusUnauthorized, pairing.CodeInvalidToken)
		})
	}
}

func TestSignOut(t *testing.T) {
	h := newHarness(t)
	g := h.signIn(laptop)
	s := h.openStream("/v1/session/events", sessionHdrs(g)...)
	h.do("DELETE", "/v1/session", nil, sessionHdrs(g)...).decode(t, http.StatusNoContent, nil)
	var end pairing.SessionEnd
	s.expect(t, pairing.EventRevoked, &end)
	h.do("GET", "/v1/session", nil, sessionHdrs(g)...).apiErr(t, http.StatusUnauthorized, pairing.CodeInvalidToken)
	if len(h.link(h.phone()).Devices) != 0 {
		t.Error("the phone still lists the signed-out desktop")
	}
}

func TestDeviceChangeEndsTheSessionForGood(t *testing.T) {
	h := newHarness(t)
	g := h.signIn(laptop)
	h.do("GET", "/v1/session", nil, bearer(g.Token), deviceHdr(desk.Fingerprint)).
		apiErr(t, http.StatusUnauthorized, pairing.CodeDeviceChanged)
	// Even the right fingerprint cannot revive it: the token may have been copied.
	h.do("GET", "/v1/session", nil, sessionHdrs(g)...).apiErr(t, http.StatusUnauthorized, pairing.CodeDeviceChanged)
}

func TestSessionAbsoluteLifetimeIs90Days(t *testing.T) {
	h := newHarness(t)
	g := h.signIn(laptop)
	// Used every 20 days it never idles out, but ends at 90 days in any case.
	for range 4 {
		h.Clock.Advance(20 * day)
		h.do("GET", "/v1/session", nil, sessionHdrs(g)...).decode(t, http.StatusOK, nil)
	}
	h.Clock.Advance(10*day - time.Second)
	var si pairing.SessionInfo
	h.do("GET", "/v1/session", nil, sessionHdrs(g)...).decode(t, http.StatusOK, &si)
	if !si.Session.ExpiresAt.Equal(si.Session.CreatedAt.Add(90 * day)) {
		t.Errorf("expires_at %v, want created + 90 days", si.Session.ExpiresAt)
	}
	h.Clock.Advance(time.Second)
	h.do("GET", "/v1/session", nil, sessionHdrs(g)...).apiErr(t, http.StatusUnauthorized, pairing.CodeSessionExpired)
}

func TestDesktopLimit(t *testing.T) {
	cases := []struct {
		name     string
		max      int
		desktops int
		survive  int // newest desktops still signed in
	}{
		{"one desktop (default)", 1, 3, 1},
		{"four desktops (WhatsApp)", 4, 6, 4},
		{"five desktops (Signal)", 5, 5, 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(c *mockserver.Config) { c.MaxDesktops = tc.max })
			var grants []pairing.Grant
			for i := range tc.desktops {
				dev := laptop
				dev.ID = dev.ID + string(rune('a'+i))
				h.Clock.Advance(time.Minute)
				grants = append(grants, h.signIn(dev))
			}
			for i, g := range grants {
				resp := h.do("GET", "/v1/session", nil, sessionHdrs(g)...)
				if i < tc.desktops-tc.survive {
					resp.apiErr(t, http.StatusUnauthorized, pairing.CodeSignedInElsewhere)
				} else {
					resp.decode(t, http.StatusOK, nil)
				}
			}
			if n := len(h.link(h.phone()).Devices); n != tc.survive {
				t.Errorf("the phone lists %d desktops, want %d", n, tc.survive)
			}
		})
	}
}

func TestStreamOpenedOnAnEndedSessionIsRefused(t *testing.T) {
	h := newHarness(t)
	g := h.signIn(laptop)
	h.signIn(desk)
	h.do("GET", "/v1/session/events", nil, sessionHdrs(g)...).apiErr(t, http.StatusUnauthorized, pairing.CodeSignedInElsewhere)
}
