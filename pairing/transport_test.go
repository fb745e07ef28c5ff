package pairing_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
)

func TestNewClientAddress(t *testing.T) {
	cases := []struct {
		in       string
		wantBase string // empty: an error is expected
		wantCode string
	}{
		{"https://pair.example.com", "https://pair.example.com", ""},
		{"https://pair.example.com:8443/", "https://pair.example.com:8443", ""},
		{"  https://pair.example.com\n", "https://pair.example.com", ""},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080", ""},
		{"http://127.8.9.10", "http://127.8.9.10", ""},
		{"http://localhost:1", "http://localhost:1", ""},
		{"http://LOCALHOST:1", "http://LOCALHOST:1", ""},
		{"http://[::1]:8080", "http://[::1]:8080", ""},
		{"http://[::ffff:127.0.0.1]:8080", "http://[::ffff:127.0.0.1]:8080", ""},
		{"http://pair.example.com", "", pairing.CodeInsecureServer},
		{"http://192.168.1.5:8080", "", pairing.CodeInsecureServer},
		{"http://localhost.evil.example", "", pairing.CodeInsecureServer},
		{"http://127.0.0.1.nip.io", "", pairing.CodeInsecureServer},
		{"http://[::2]:80", "", pairing.CodeInsecureServer},
		{"ftp://pair.example.com", "", pairing.CodeBadRequest},
		{"pair.example.com", "", pairing.CodeBadRequest},
		{"https://", "", pairing.CodeBadRequest},
		{"https://pair.example.com/api", "", pairing.CodeBadRequest},
		{"https://pair.example.com?x=1", "", pairing.CodeBadRequest},
		{"https://pair.example.com#x", "", pairing.CodeBadRequest},
		{"https://anna:hunter2@pair.example.com", "", pairing.CodeBadRequest},
		{"https://pair example.com", "", pairing.CodeBadRequest},
		{"", "", pairing.CodeBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			// When a client is made for the address the person entered
			c, err := pairing.NewClient(tc.in, pairing.Options{})
			// Then good addresses are kept as an origin, bad ones refused with a reason.
			if tc.wantBase != "" {
				if err != nil {
					t.Fatalf("NewClient: %v", err)
				}
				if c.BaseURL() != tc.wantBase {
					t.Fatalf("BaseURL() = %q, want %q", c.BaseURL(), tc.wantBase)
				}
				return
			}
			assertCode(t, err, tc.wantCode)
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("error %q contains the password of the URL", err)
			}
		})
	}
}

// assertCode fails unless err is an *Error with code, and returns it.
func assertCode(t *testing.T, err error, code string) *pairing.Error {
	t.Helper()
	var pe *pairing.Error
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v (%T), want *pairing.Error %s", err, err, code)
	}
	if pe.Code != code {
		t.Fatalf("code = %q (%v), want %q", pe.Code, err, code)
	}
	return pe
}

// brokenServer serves h on a loopback test server, for failures the mock
// server cannot produce.
func brokenServer(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func newClient(t *testing.T, base string, opts pairing.Options) *pairing.Client {
	t.Helper()
	c, err := pairing.NewClient(base, opts)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

const (
	secretPassword = "S3cret-pa55word"
	secretCode     = "482913"
	secretToken    = "ldk_c2VjcmV0LXRva2VuLXZhbHVlLTAxMjM0NTY3ODk"
)

// assertNoSecret fails if err's text carries any secret of these tests.
func assertNoSecret(t *testing.T, err error) {
	t.Helper()
	for _, s := range []string{secretPassword, secretCode, secretToken} {
		if strings.Contains(err.Error(), s) {
			t.Fatalf("error %q contains a secret", err)
		}
	}
}

func TestBadResponses(t *testing.T) {
	big := `{"login_id":"` + strings.Repeat("x", pairing.MaxResponseBody) + `"}`
	cases := []struct {
		name       string
		status     int
		ctype      string
		body       string
		wantCode   string
		wantStatus int
	}{
		{"HTML instead of JSON", 201, "text/html", "<html>hi</html>", pairing.CodeBadResponse, 201},
		{"no content type", 201, "", `{"login_id":"a","code":{"length":6}}`, pairing.CodeBadResponse, 201},
		{"malformed JSON", 201, "application/json", `{"login_id":`, pairing.CodeBadResponse, 201},
		{"trailing garbage", 201, "application/json", `{"login_id":"a","code":{"length":6}} x`, pairing.CodeBadResponse, 201},
		{"invalid UTF-8", 201, "application/json", "{\"login_id\":\"a\xff\",\"code\":{\"length\":6}}", pairing.CodeBadResponse, 201},
		{"wrong types", 201, "application/json", `{"login_id":7}`, pairing.CodeBadResponse, 201},
		{"missing login id", 201, "application/json", `{"code":{"length":6}}`, pairing.CodeBadResponse, 0},
		{"oversized body", 201, "application/json", big, pairing.CodeBadResponse, 201},
		{"proxy error page", 502, "text/html", "<h1>Bad Gateway</h1>", pairing.CodeBadResponse, 502},
		{"error body without code", 400, "application/json", `{"error":{}}`, pairing.CodeBadResponse, 400},
		{"redirect is not followed", 302, "text/html", "", pairing.CodeBadResponse, 302},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Given a server that answers StartLogin with something broken
			base := brokenServer(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/v1/logins" {
					t.Errorf("request reached %s", r.URL.Path) // for example a followed redirect
				}
				if tc.ctype != "" {
					w.Header().Set("Content-Type", tc.ctype)
				}
				if tc.status == 302 {
					w.Header().Set("Location", "/elsewhere")
				}
				w.Header().Set(pairing.HeaderRequestID, "req-42")
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body) // the client may stop reading early
			})
			c := newClient(t, base, pairing.Options{})
			// When the desktop starts a login
			_, err := c.StartLogin(context.Background(), pairing.LoginRequest{Email: "a@b.test", Password: secretPassword})
			// Then it gets a bad_response it may retry, with what the headers said.
			pe := assertCode(t, err, tc.wantCode)
			if pe.Status != tc.wantStatus {
				t.Errorf("Status = %d, want %d", pe.Status, tc.wantStatus)
			}
			if tc.wantStatus != 0 && pe.RequestID != "req-42" {
				t.Errorf("RequestID = %q, want the X-Request-ID header", pe.RequestID)
			}
			if !pairing.Temporary(err) {
				t.Errorf("Temporary(%v) = false", err)
			}
			assertNoSecret(t, err)
		})
	}
}

func TestErrorBodyAndHeaders(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name        string
		retryAfter  string
		body        string
		wantRetryAt time.Time
		wantReqID   string
		wantLeft    int // -1: none
	}{
		{"Retry-After in seconds", "120",
			`{"error":{"code":"too_many_requests","message":"slow down"}}`,
			now.Add(2 * time.Minute), "hdr-id", -1},
		{"Retry-After as an HTTP date", "Mon, 23 Nov 2026 10:05:00 GMT",
			`{"error":{"code":"too_many_requests","message":"slow down"}}`,
			now.Add(5 * time.Minute), "hdr-id", -1},
		{"retry_at of the body wins", "120",
			`{"error":{"code":"account_locked","message":"locked","retry_at":"2026-11-23T11:00:00Z"},"request_id":"body-id"}`,
			now.Add(time.Hour), "body-id", -1},
		{"garbage Retry-After is ignored", "soon",
			`{"error":{"code":"invalid_credentials","message":"wrong","attempts_left":3}}`,
			time.Time{}, "hdr-id", 3},
		{"control characters are stripped from the message", "",
			"{\"error\":{\"code\":\"maintenance\",\"message\":\"down\\u001b[31m\\n\"}}",
			time.Time{}, "hdr-id", -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Given a server that refuses with an error body and headers
			base := brokenServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set(pairing.HeaderRequestID, "hdr-id")
				if tc.retryAfter != "" {
					w.Header().Set("Retry-After", tc.retryAfter)
				}
				w.WriteHeader(429)
				_, _ = io.WriteString(w, tc.body)
			})
			c := newClient(t, base, pairing.Options{Now: func() time.Time { return now }})
			// When a call fails
			_, err := c.RenewCode(context.Background(), "lg1")
			// Then the error carries the body's fields, completed from the headers.
			var pe *pairing.Error
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v", err)
			}
			if !pe.RetryAt.Equal(tc.wantRetryAt) {
				t.Errorf("RetryAt = %v, want %v", pe.RetryAt, tc.wantRetryAt)
			}
			if pe.RequestID != tc.wantReqID {
				t.Errorf("RequestID = %q, want %q", pe.RequestID, tc.wantReqID)
			}
			if (pe.AttemptsLeft == nil) != (tc.wantLeft < 0) || (pe.AttemptsLeft != nil && *pe.AttemptsLeft != tc.wantLeft) {
				t.Errorf("AttemptsLeft = %v, want %d", pe.AttemptsLeft, tc.wantLeft)
			}
			if strings.ContainsAny(pe.Message, "\x1b\n") {
				t.Errorf("Message %q keeps control characters", pe.Message)
			}
			if pe.Status != 429 {
				t.Errorf("Status = %d", pe.Status)
			}
		})
	}
}

func TestStalledBodyTimesOut(t *testing.T) {
	// Given a server that sends headers and half a body, then nothing
	base := brokenServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		_, _ = io.WriteString(w, `{"session":`)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	c := newClient(t, base, pairing.Options{RequestTimeout: 200 * time.Millisecond})
	// When the desktop checks its session
	start := time.Now()
	_, err := c.Session(context.Background(), pairing.Credentials{Token: secretToken, Fingerprint: "fp"})
	// Then it gives up after the request timeout with a timeout error.
	pe := assertCode(t, err, pairing.CodeTimeout)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("errors.Is(%v, DeadlineExceeded) = false", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
	if !pairing.Temporary(pe) {
		t.Error("a timeout should be temporary")
	}
	assertNoSecret(t, err)
}

func TestResetMidBody(t *testing.T) {
	// Given a server whose connection breaks in the middle of an answer
	base := brokenServer(t, func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"token\":")
		_ = buf.Flush()
		_ = conn.Close()
	})
	c := newClient(t, base, pairing.Options{})
	// When the desktop submits the code
	_, err := c.SubmitCode(context.Background(), "lg1", secretCode)
	// Then it learns the network failed, not that the code was wrong.
	assertCode(t, err, pairing.CodeNetwork)
	assertNoSecret(t, err)
}

func TestUnreachableServer(t *testing.T) {
	// Given an address where nothing listens
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, "http://"+addr, pairing.Options{})
	// When the desktop signs out
	err = c.SignOut(context.Background(), pairing.Credentials{Token: secretToken, Fingerprint: "fp"})
	// Then the error is a temporary network error without the token.
	assertCode(t, err, pairing.CodeNetwork)
	if !pairing.Temporary(err) {
		t.Error("network errors should be temporary")
	}
	assertNoSecret(t, err)
}

func TestCallerCancelAndDeadline(t *testing.T) {
	hang := func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	c := newClient(t, brokenServer(t, hang), pairing.Options{})

	t.Run("cancel", func(t *testing.T) {
		// Given the person presses Cancel while the request is in flight
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		// When the call returns
		_, err := c.RotateQR(ctx, "lg1")
		// Then it says canceled, recognisably so.
		assertCode(t, err, pairing.CodeCanceled)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("errors.Is(%v, context.Canceled) = false", err)
		}
		if pairing.Temporary(err) {
			t.Error("a cancel is not something to retry")
		}
	})
	t.Run("deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		err := c.CancelLogin(ctx, "lg1")
		assertCode(t, err, pairing.CodeTimeout)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("errors.Is(%v, DeadlineExceeded) = false", err)
		}
	})
}

func TestClientSideRefusals(t *testing.T) {
	// A server that must never be reached by these calls.
	base := brokenServer(t, func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
	})
	c := newClient(t, base, pairing.Options{})
	ctx := context.Background()
	cases := []struct {
		name string
		err  error
		code string
	}{
		{"empty login id", func() error { _, err := c.SubmitCode(ctx, "", secretCode); return err }(), pairing.CodeBadRequest},
		{"overlong login id", c.CancelLogin(ctx, strings.Repeat("a", 100)), pairing.CodeBadRequest},
		{"no token", func() error { _, err := c.Session(ctx, pairing.Credentials{Fingerprint: "fp"}); return err }(), pairing.CodeInvalidToken},
		{"no fingerprint", c.SignOut(ctx, pairing.Credentials{Token: secretToken}), pairing.CodeBadRequest},
		{"token with a line break", c.SignOut(ctx, pairing.Credentials{Token: secretToken + "\r\nX: y", Fingerprint: "fp"}), pairing.CodeInvalidToken},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assertCode(t, tc.err, tc.code)
			assertNoSecret(t, tc.err)
		})
	}
}
