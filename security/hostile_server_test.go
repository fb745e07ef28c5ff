package security

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/app"
	"github.com/linkdesk/linkdesk/pairing"
)

// A malicious network (a captive portal, a proxy the person was told to
// trust) or a compromised server answers the desktop with hostile data. The
// client's own tests cover oversized, non-JSON, invalid UTF-8 and
// wrongly-typed answers and redirects (pairing TestBadResponses), control
// characters in messages (TestErrorBodyAndHeaders), overlong SSE lines and
// events (TestSSEParser, TestStreamOverlongLineIsAFailure) and stalled bodies
// (TestStalledBodyTimesOut). This file adds answers built to exhaust memory
// or to smuggle something through the desktop.

// gzipBomb is size bytes of zeros, gzip-compressed.
func gzipBomb(t *testing.T, size int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 1<<20)
	for range size / len(chunk) {
		if _, err := zw.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestHostileAnswersAreRefusedCheaply(t *testing.T) {
	const depth = 100_000
	nested := strings.Repeat("[", depth) + strings.Repeat("]", depth)
	bomb := gzipBomb(t, 16<<20) // 16 MiB of zeros in about 16 KiB
	cases := []struct {
		name     string
		maxAlloc uint64 // allocations allowed while the call runs, both sides: the server is in this process too
		handler  http.HandlerFunc
	}{
		{"JSON nested 100,000 deep", 16 << 20, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`{"login_id":` + nested + `}`)) // the client may hang up early
		}},
		{"error body nested 100,000 deep", 16 << 20, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":{"code":` + nested + `}}`)) // the client may hang up early
		}},
		{"gzip bomb, 16 MiB of zeros", 16 << 20, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Encoding", "gzip")
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write(bomb) // the client may hang up early
		}},
		// The client stops reading headers at 64 KiB (its MaxResponseHeaderBytes);
		// the server here builds and writes 11 MB itself, hence the larger allowance.
		{"11 MB header", 128 << 20, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("X-Padding", strings.Repeat("a", 11<<20))
			w.WriteHeader(http.StatusCreated)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Given a server that answers the sign-in with it,
			hs := httptest.NewServer(tc.handler)
			defer hs.Close()
			c, err := pairing.NewClient(hs.URL, pairing.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			// when the desktop signs in,
			_, err = c.StartLogin(context.Background(), pairing.LoginRequest{Email: "a@b.test", Password: "pw-secret-1", Device: device(1)})
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			// then it gets a plain protocol error, soon, without holding the
			// answer in memory (the client reads at most 1 MiB of a body).
			if code := errCode(err); code != pairing.CodeBadResponse && code != pairing.CodeNetwork {
				t.Fatalf("err = %v, want bad_response or network_error", err)
			}
			allocated := after.TotalAlloc - before.TotalAlloc
			if allocated > tc.maxAlloc {
				t.Errorf("reading the answer allocated %d MiB", allocated>>20)
			}
			if took > 5*time.Second {
				t.Errorf("took %s", took)
			}
			t.Logf("%s: %v after %s, %d KiB allocated", tc.name, errCode(err), took.Round(time.Millisecond), allocated>>10)
		})
	}
}

// hostileFlow is a server that plays a sign-in and approves it at once with
// a grant of its choosing, recording every request's headers.
type hostileFlow struct {
	grant   string // the "approved" event's data
	qr      string // the QR payload it hands out
	mu      sync.Mutex
	headers []http.Header
}

func (h *hostileFlow) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.headers = append(h.headers, r.Header.Clone())
	h.mu.Unlock()
	now := time.Now().UTC()
	switch {
	case r.Method == "POST" && r.URL.Path == "/v1/logins":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(pairing.PendingLogin{LoginID: "lgn_hostile", ExpiresAt: now.Add(10 * time.Minute),
			Code: pairing.CodeInfo{Length: 6, ExpiresAt: now.Add(3 * time.Minute)},
			QR:   pairing.QRInfo{Payload: h.qr, ExpiresAt: now.Add(30 * time.Second)}}) // the client may hang up
	case r.URL.Path == "/v1/logins/lgn_hostile/events":
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		_, _ = fmt.Fprintf(w, "event: approved\ndata: %s\n\n", h.grant) // the client may hang up
	default:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":{"code":"invalid_token","message":"no"}}`)) // the client may hang up
	}
}

func grantJSON(t *testing.T, token string) string {
	t.Helper()
	b, err := json.Marshal(pairing.Grant{Token: token, Session: pairing.Session{ID: "ses_hostile",
		Account: pairing.Account{Email: "victim@security.test"}}})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// hostileDesktop is a real desktop core against h.
func hostileDesktop(t *testing.T, h *hostileFlow) (*app.Core, *memKeyring) {
	t.Helper()
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	client, err := pairing.NewClient(hs.URL, pairing.Options{ReconnectDelay: time.Millisecond, StreamMaxFailures: 2})
	if err != nil {
		t.Fatal(err)
	}
	settings, err := app.OpenSettings(filepath.Join(t.TempDir(), "settings.json"))
	if err != nil {
		t.Fatal(err)
	}
	kr := newMemKeyring()
	dev := device(7)
	core := app.New(app.Options{Client: client, Settings: settings,
		Sessions: app.NewSessionStore(app.SessionStoreOptions{Keyring: kr, Timeout: time.Second}),
		Device:   app.DeviceIdentity{ID: settings.DeviceID(), Name: dev.Name, Platform: dev.Platform, Fingerprint: dev.Fingerprint},
		Retry:    app.RetryPolicy{Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }},
	})
	t.Cleanup(core.Close)
	return core, kr
}

// A token is sent back in a header on every session call: one that could
// split the header, or is too big for any header, must never be sent.
func TestHostileTokenNeverReachesAHeader(t *testing.T) {
	const qr = "linkdesk://link?v=1&l=lgn_hostile&s=AAAAAAAAAAAAAAAAAAAAAA"
	cases := []struct {
		name, token string
		ended       string // the session end the desktop shows; "" when the grant is refused while verifying
	}{
		{"header injection", "ldk_abc\r\nX-Injected: yes", pairing.CodeInvalidToken},
		{"non-ASCII", "ldk_\u202eevil", pairing.CodeInvalidToken},
		{"5 KB: too big for the keychain and for a header", "ldk_" + strings.Repeat("a", 5<<10), pairing.CodeInvalidToken},
		{"100 KB: longer than an event line may be", "ldk_" + strings.Repeat("a", 100<<10), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Given a server that approves the sign-in with a hostile token,
			h := &hostileFlow{grant: grantJSON(t, tc.token), qr: qr}
			core, kr := hostileDesktop(t, h)
			core.SignIn(context.Background(), "victim@security.test", "pw-secret-1", true)
			// then the desktop ends signed out, saying the token is not valid
			// (or, for a grant it cannot even read, keeps verifying with a
			// bad_response problem),
			done := func(st app.State) bool {
				if tc.ended == "" {
					return st.Problem != nil && st.Problem.Code == pairing.CodeBadResponse
				}
				return st.Phase == app.PhaseSignedOut && st.Ended == tc.ended
			}
			deadline := time.Now().Add(5 * time.Second)
			for !done(core.State()) && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			if st := core.State(); !done(st) {
				t.Fatalf("phase %s, ended %q, problem %s; want ended %q", st.Phase, st.Ended, problemCode(st.Problem), tc.ended)
			}
			// the keychain keeps nothing of it, and no request carried it.
			probe := ""
			if _, err := kr.Get(app.KeychainService, app.KeychainUser(core.State().Server, "victim@security.test")); err == nil {
				t.Error("the hostile token is still in the keychain")
			}
			h.mu.Lock()
			defer h.mu.Unlock()
			for _, hd := range h.headers {
				if hd.Get("X-Injected") != "" || len(hd.Get("Authorization")) > 4096 || strings.ContainsAny(hd.Get("Authorization"), "\r\n\u202e") {
					t.Errorf("a request carried the hostile token: %.100q", hd)
				}
				probe += hd.Get("Authorization")
			}
			if strings.Contains(probe, tc.token) {
				t.Error("the hostile token was sent")
			}
		})
	}
}

// A QR payload that is not this login's Linkdesk link (a phishing web
// address a phone camera would open) is refused like any other malformed
// answer, so the desktop never draws it.
func TestForeignQRPayloadIsNotShown(t *testing.T) {
	h := &hostileFlow{grant: "{}", qr: "https://evil.example/login?next=linkdesk"}
	core, _ := hostileDesktop(t, h)
	core.SignIn(context.Background(), "victim@security.test", "pw-secret-1", true)
	if st := core.State(); st.Login != nil && st.Login.QRPayload == h.qr {
		t.Fatalf("the desktop shows the QR code %q", h.qr)
	}
}
