package app

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
)

func TestEveryCatalogueEntryHasTexts(t *testing.T) {
	keys := MessageKeys()
	if !slices.IsSorted(keys) {
		t.Error("MessageKeys is not sorted")
	}
	used := map[string]bool{}
	// Every code, in every variant the server can make, must give keys with texts.
	for _, code := range Codes() {
		for _, attempts := range []int{-1, 0, 3} {
			now := time.Now()
			for _, at := range []time.Time{{}, now, now.Add(24 * time.Hour)} {
				e := lookup(code, attempts, at, now)
				for _, k := range []string{e.key, e.action} {
					used[k] = true
					if !slices.Contains(keys, k) {
						t.Errorf("code %s: key %q missing from MessageKeys", code, k)
					}
					if DefaultText(k) == "" {
						t.Errorf("code %s: key %q has no English text", code, k)
					}
				}
			}
		}
	}
	// And no text is dead weight that translators must keep up.
	for _, k := range keys {
		if !used[k] {
			t.Errorf("key %q is listed but no code uses it", k)
		}
		if !strings.HasPrefix(k, "error.") && !strings.HasPrefix(k, "action.") {
			t.Errorf("key %q is neither error.* nor action.*", k)
		}
	}
}

func TestEveryCodeHasItsOwnMessage(t *testing.T) {
	// Only the protocol's catch-all codes may share the generic message.
	generic := map[string]bool{pairing.CodeNotFound: true, pairing.CodeUnauthorized: true,
		pairing.CodeForbidden: true, CodeUnknown: true}
	for _, code := range Codes() {
		if e := lookup(code, -1, time.Time{}, time.Now()); e.key == "error.unknown" && !generic[code] {
			t.Errorf("code %s falls through to the generic message", code)
		}
	}
}

func TestDefaultTextTemplatesRender(t *testing.T) {
	params := map[string]any{ParamServer: "https://ld.example", ParamAttemptsLeft: 3, ParamRetryAt: "15:04", ParamLength: 6}
	for _, k := range MessageKeys() {
		got := RenderDefault(k, params)
		if got == "" || strings.Contains(got, "{{") || strings.Contains(got, "<no value>") {
			t.Errorf("%s renders as %q", k, got)
		}
	}
	if got := RenderDefault("error.invalid_credentials", nil); !strings.Contains(got, "(?)") {
		t.Errorf("a missing parameter should show as (?): %q", got)
	}
}

func TestProblemFromServerErrors(t *testing.T) {
	seoul := time.FixedZone("KST", 9*3600)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) // 19:00 in Seoul
	three, zero := 3, 0
	for _, tc := range []struct {
		name      string
		err       error
		code, key string
		action    string
		params    map[string]any
		retryable bool
	}{
		{"wrong password with tries left",
			&pairing.Error{Code: pairing.CodeInvalidCredentials, AttemptsLeft: &three, Status: 401, RequestID: "req-1"},
			"invalid_credentials", "error.invalid_credentials", "action.check_password", map[string]any{"AttemptsLeft": 3}, false},
		{"locked until later today, shown in the person's zone",
			&pairing.Error{Code: pairing.CodeAccountLocked, RetryAt: now.Add(5 * time.Minute), Status: 423},
			"account_locked", "error.account_locked", "action.wait_or_reset", map[string]any{"RetryAt": "19:05"}, false},
		{"blocked for 24 h: tomorrow's date is shown",
			&pairing.Error{Code: pairing.CodeTooManyRequests, RetryAt: now.Add(24 * time.Hour), Status: 429},
			"too_many_requests", "error.too_many_requests", "action.wait_blocked", map[string]any{"RetryAt": "2026-11-24 19:00"}, false},
		{"last wrong code ends the sign-in",
			&pairing.Error{Code: pairing.CodeInvalidCode, AttemptsLeft: &zero, Status: 400},
			"invalid_code", "error.invalid_code_last", "action.sign_in_again", map[string]any{"AttemptsLeft": 0}, false},
		{"a 429 that lifts within a minute is a brief refusal, not the 24 h block",
			&pairing.Error{Code: pairing.CodeTooManyRequests, Status: 429, RetryAt: now.Add(time.Second)},
			"too_many_requests", "error.too_many_requests_brief", "action.try_again_moment", nil, true},
		{"maintenance is retryable",
			&pairing.Error{Code: pairing.CodeMaintenance, Status: 503},
			"maintenance", "error.maintenance", "action.retry_later", map[string]any{"Server": "https://ld.example"}, true},
		{"server unreachable",
			&pairing.Error{Code: pairing.CodeNetwork, Err: errors.New("connection refused")},
			"network_error", "error.server_unreachable", "action.check_connection", nil, true},
		{"untrusted certificate",
			&pairing.Error{Code: pairing.CodeNetwork, Err: fmt.Errorf("tls: %w", untrustedCertificate())},
			"server_certificate", "error.server_certificate", "action.check_certificate", nil, false},
		{"keychain locked",
			fmt.Errorf("keychain set: %w", ErrLocked),
			"keychain_locked", "error.keychain_locked", "action.keychain_unlock", nil, true},
		{"keychain timeout",
			&TimeoutError{Op: "get", After: time.Second},
			"keychain_timeout", "error.keychain_timeout", "action.keychain_unlock", nil, true},
		{"keychain unavailable",
			fmt.Errorf("keychain get: %w: no bus", ErrUnavailable),
			"keychain_unavailable", "error.keychain_unavailable", "action.keychain_setup", nil, false},
		{"keychain too big",
			fmt.Errorf("2000 bytes: %w", ErrTooBig),
			"keychain_too_big", "error.keychain_too_big", "action.contact_support", nil, false},
		{"insecure server refused by the client",
			&pairing.Error{Code: pairing.CodeInsecureServer},
			"insecure_server", "error.insecure_server", "action.check_server", nil, false},
		{"something else",
			errors.New("boom"),
			"unknown_error", "error.unknown", "action.contact_support", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := NewProblem(tc.err, "https://ld.example", now, seoul)
			if p.Code != tc.code || p.Key != tc.key || p.Action != tc.action || p.Retryable != tc.retryable {
				t.Errorf("got code %s key %s action %s retryable %v", p.Code, p.Key, p.Action, p.Retryable)
			}
			for k, v := range tc.params {
				if p.Params[k] != v {
					t.Errorf("Params[%s] = %v, want %v", k, p.Params[k], v)
				}
			}
			if p.At != now || p.Err != tc.err {
				t.Errorf("At %v Err %v", p.At, p.Err)
			}
			if msg := p.Message(); msg == "" || strings.Contains(msg, "(?)") {
				t.Errorf("message %q lacks a parameter", msg)
			}
		})
	}
	if NewProblem(nil, "", now, nil) != nil {
		t.Error("NewProblem(nil) != nil")
	}
}

func TestProblemCarriesServerDetails(t *testing.T) {
	at := time.Date(2026, 11, 23, 10, 5, 0, 0, time.UTC)
	two := 2
	p := NewProblem(&pairing.Error{Code: pairing.CodeInvalidCode, AttemptsLeft: &two, RequestID: "req-9", RetryAt: at},
		"https://s", at, time.UTC)
	if p.AttemptsLeft != 2 || p.RequestID != "req-9" || !p.RetryAt.Equal(at) {
		t.Errorf("got %+v", p)
	}
	if p := NewProblem(&pairing.Error{Code: pairing.CodeInvalidCode}, "s", at, nil); p.AttemptsLeft != -1 || p.Key != "error.invalid_code_no_count" {
		t.Errorf("unknown attempts: %+v", p)
	}
}

// untrustedCertificate is what a TLS handshake with an untrusted certificate gives.
func untrustedCertificate() error {
	return &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}
}
