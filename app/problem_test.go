package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/assets"
	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

// catalogueCodes lists every code the catalogue knows, server and local.
func catalogueCodes() []string {
	return []string{
		pairing.CodeBadRequest, pairing.CodeInvalidCredentials, pairing.CodeAccountLocked,
		pairing.CodeTooManyRequests, pairing.CodeMaintenance, pairing.CodeInvalidCode,
		pairing.CodeLoginNotFound, pairing.CodeLoginExpired, pairing.CodeCodeExpired,
		pairing.CodeLoginDeclined, pairing.CodeWrongCheck, pairing.CodeAlreadyScanned, pairing.CodeNotFound, pairing.CodeUnauthorized,
		pairing.CodeForbidden, pairing.CodeInternal, pairing.CodeInvalidToken,
		pairing.CodeSessionExpired, pairing.CodeSessionRevoked, pairing.CodeSignedInElsewhere,
		pairing.CodePasswordChanged, pairing.CodeDeviceChanged, pairing.CodeNetwork,
		pairing.CodeTimeout, pairing.CodeBadResponse, pairing.CodeStreamEnded,
		pairing.CodeInvalidQR, pairing.CodeInvalidFormat, pairing.CodeCanceled,
		CodeKeychainUnavailable, CodeKeychainLocked, CodeKeychainTimeout, CodeKeychainTooBig,
		CodeKeychainUnreadable, CodeInsecureServer, CodeServerCertificate, CodeEmailRequired,
		CodePasswordRequired, CodeSignedOutOffline, CodeSettingsUnwritable, CodeUnknown,
	}
}

// words returns the texts of language tag from the translation files.
func words(t testing.TB, tag string) *assets.Words {
	t.Helper()
	w, err := assets.LoadWords(tag)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// messageKeys lists the error.* and action.* keys of language tag's file.
func messageKeys(t testing.TB, tag string) []string {
	t.Helper()
	b, err := assets.Translations.ReadFile(tag + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var texts map[string]string
	if err := json.Unmarshal(b, &texts); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range texts {
		if strings.HasPrefix(k, "error.") || strings.HasPrefix(k, "action.") {
			keys = append(keys, k)
		}
	}
	return keys
}

func TestEveryCatalogueEntryHasTexts(t *testing.T) {
	used := map[string]bool{}
	// Every code, in every variant the server can make, must give keys with
	// a text in every language.
	for _, tag := range assets.Languages() {
		w := words(t, tag)
		for _, code := range catalogueCodes() {
			for _, attempts := range []int{-1, 0, 3} {
				now := time.Now()
				for _, at := range []time.Time{{}, now, now.Add(24 * time.Hour)} {
					e := lookup(code, attempts, at, now)
					for _, k := range []string{e.key, e.action} {
						used[k] = true
						if w.Text(k, nil) == k {
							t.Errorf("%s: code %s: key %q has no text", tag, code, k)
						}
					}
				}
			}
		}
		// And no message is dead weight that translators must keep up.
		for _, k := range messageKeys(t, tag) {
			if !used[k] {
				t.Errorf("%s: key %q is translated but no code uses it", tag, k)
			}
		}
	}
}

func TestEveryCodeHasItsOwnMessage(t *testing.T) {
	// Only the protocol's catch-all codes may share the generic message.
	generic := map[string]bool{pairing.CodeNotFound: true, pairing.CodeUnauthorized: true,
		pairing.CodeForbidden: true, CodeUnknown: true}
	for _, code := range catalogueCodes() {
		if e := lookup(code, -1, time.Time{}, time.Now()); e.key == "error.unknown" && !generic[code] {
			t.Errorf("code %s falls through to the generic message", code)
		}
	}
}

func TestMessagesRenderInEveryLanguage(t *testing.T) {
	params := map[string]any{ParamServer: "https://ld.example", ParamAttemptsLeft: 3, ParamRetryAt: "15:04", ParamLength: 6}
	for _, tag := range assets.Languages() {
		w := words(t, tag)
		for _, k := range messageKeys(t, tag) {
			got := w.Text(k, params)
			if got == "" || strings.Contains(got, "{{") || strings.Contains(got, "(?)") {
				t.Errorf("%s: %s renders as %q", tag, k, got)
			}
		}
		if got := w.Text("error.invalid_credentials", nil); !strings.Contains(got, "(?)") {
			t.Errorf("%s: a missing parameter should show as (?): %q", tag, got)
		}
	}
}

func TestProblemFromServerErrors(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) // 19:00 in Seoul
	three, zero := 3, 0
	en := words(t, "en")
	for _, tc := range []struct {
		name      string
		err       error
		code, key string
		action    string
		text      string // in the English message, with the parameters filled in
		retryable bool
	}{
		{"wrong password with tries left",
			&pairing.Error{Code: pairing.CodeInvalidCredentials, AttemptsLeft: &three, Status: 401, RequestID: "req-1"},
			"invalid_credentials", "error.invalid_credentials", "action.check_password", "Tries left before the account is locked: 3.", false},
		{"locked until later today, shown in the person's zone",
			&pairing.Error{Code: pairing.CodeAccountLocked, RetryAt: now.Add(5 * time.Minute), Status: 423},
			"account_locked", "error.account_locked", "action.wait_or_reset", "19:05", false},
		{"blocked for 24 h: tomorrow's date is shown",
			&pairing.Error{Code: pairing.CodeTooManyRequests, RetryAt: now.Add(24 * time.Hour), Status: 429},
			"too_many_requests", "error.too_many_requests", "action.wait_blocked", "24 Nov, 19:00", false},
		{"last wrong code ends the sign-in",
			&pairing.Error{Code: pairing.CodeInvalidCode, AttemptsLeft: &zero, Status: 400},
			"invalid_code", "error.invalid_code_last", "action.sign_in_again", "stopped", false},
		{"a 429 that lifts within a minute is a brief refusal, not the 24 h block",
			&pairing.Error{Code: pairing.CodeTooManyRequests, Status: 429, RetryAt: now.Add(time.Second)},
			"too_many_requests", "error.too_many_requests_brief", "action.try_again_moment", "", true},
		{"maintenance is retryable",
			&pairing.Error{Code: pairing.CodeMaintenance, Status: 503},
			"maintenance", "error.maintenance", "action.retry_later", "https://ld.example", true},
		{"server unreachable",
			&pairing.Error{Code: pairing.CodeNetwork, Err: errors.New("connection refused")},
			"network_error", "error.server_unreachable", "action.check_connection", "", true},
		{"untrusted certificate",
			&pairing.Error{Code: pairing.CodeNetwork, Err: fmt.Errorf("tls: %w", untrustedCertificate())},
			"server_certificate", "error.server_certificate", "action.check_certificate", "", false},
		{"keychain locked",
			fmt.Errorf("keychain set: %w", ErrLocked),
			"keychain_locked", "error.keychain_locked", "action.keychain_unlock", "", true},
		{"keychain timeout",
			&TimeoutError{Op: "get", After: time.Second},
			"keychain_timeout", "error.keychain_timeout", "action.keychain_unlock", "", true},
		{"keychain unavailable",
			fmt.Errorf("keychain get: %w: no bus", ErrUnavailable),
			"keychain_unavailable", "error.keychain_unavailable", "action.keychain_setup", "", false},
		{"keychain too big",
			fmt.Errorf("2000 bytes: %w", ErrTooBig),
			"keychain_too_big", "error.keychain_too_big", "action.contact_support", "", false},
		{"insecure server refused by the client",
			&pairing.Error{Code: pairing.CodeInsecureServer},
			"insecure_server", "error.insecure_server", "action.check_server", "", false},
		{"something else",
			errors.New("boom"),
			"unknown_error", "error.unknown", "action.contact_support", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newProblem(tc.err, problemEnv{now: now, loc: seoul, server: "https://ld.example"})
			if p.Code != tc.code || p.Key != tc.key || p.Action != tc.action || p.Retryable != tc.retryable {
				t.Errorf("got code %s key %s action %s retryable %v", p.Code, p.Key, p.Action, p.Retryable)
			}
			if p.At != now || p.Err != tc.err {
				t.Errorf("At %v Err %v", p.At, p.Err)
			}
			msg, action := p.Text(en)
			if msg == "" || action == "" || strings.Contains(msg+action, "(?)") || !strings.Contains(msg, tc.text) {
				t.Errorf("message %q, action %q: want %q in the message and no missing parameter", msg, action, tc.text)
			}
		})
	}
	if newProblem(nil, problemEnv{now: now}) != nil {
		t.Error("newProblem(nil) != nil")
	}
}

func TestProblemCarriesServerDetails(t *testing.T) {
	at := time.Date(2026, 11, 23, 10, 5, 0, 0, time.UTC)
	two := 2
	p := newProblem(&pairing.Error{Code: pairing.CodeInvalidCode, AttemptsLeft: &two, RequestID: "req-9", RetryAt: at},
		problemEnv{now: at, loc: time.UTC, server: "https://s"})
	if p.AttemptsLeft != 2 || p.RequestID != "req-9" || !p.RetryAt.Equal(at) {
		t.Errorf("got %+v", p)
	}
	if p := newProblem(&pairing.Error{Code: pairing.CodeInvalidCode}, problemEnv{now: at, server: "s"}); p.AttemptsLeft != -1 || p.Key != "error.invalid_code_no_count" {
		t.Errorf("unknown attempts: %+v", p)
	}
}

// untrustedCertificate is what a TLS handshake with an untrusted certificate gives.
func untrustedCertificate() error {
	return &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}
}

func TestTimesAreShownInThePersonsLanguage(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) // 19:00 in Seoul
	en, ko := words(t, "en"), words(t, "ko")
	for _, tc := range []struct {
		at    time.Time
		texts Texts
		want  string
	}{
		{now.Add(5 * time.Minute), en, "19:05"},
		{now.Add(5 * time.Minute), ko, "오후 7:05"},
		{now.Add(-9 * time.Hour), ko, "오전 10:00"},
		{now.Add(24 * time.Hour), en, "24 Nov, 19:00"},
		{now.Add(24 * time.Hour), ko, "11월 24일 오후 7:00"},
		{now.AddDate(1, 0, 0), ko, "2027년 11월 23일 오후 7:00"},
	} {
		if got := FormatTime(tc.at, now, seoul, tc.texts); got != tc.want {
			t.Errorf("FormatTime(%v) = %q, want %q", tc.at, got, tc.want)
		}
	}
}

// From here on, each test reaches a catalogue entry from a real answer of the mock server.

func TestWrongPasswordThenLockedUntilALocalTime(t *testing.T) {
	r := newRig(t)
	c := r.newCore(func(o *Options) { o.Location = seoul })
	ctx := context.Background()

	// When the password is wrong, Then the person is told the tries left and what to check
	c.SignIn(ctx, mockserver.DemoEmail, "wrong-1", true)
	p := c.State().Problem
	if p == nil || p.Code != pairing.CodeInvalidCredentials || p.Key != "error.invalid_credentials" || p.AttemptsLeft != 4 || p.Params[ParamAttemptsLeft] != 4 {
		t.Fatalf("first wrong password: %+v", p)
	}
	if p.RequestID == "" || p.Retryable || c.State().Phase != PhaseSignedOut {
		t.Errorf("request ID %q retryable %v phase %v", p.RequestID, p.Retryable, c.State().Phase)
	}
	// When it stays wrong, Then the account is locked until a time shown in the person's zone
	for i := 2; i <= 6 && p.Code != pairing.CodeAccountLocked; i++ {
		c.SignIn(ctx, mockserver.DemoEmail, "wrong-again", true)
		p = c.State().Problem
	}
	if p.Code != pairing.CodeAccountLocked || p.Key != "error.account_locked" || p.RetryAt.IsZero() {
		t.Fatalf("after repeated wrong passwords: %+v", p)
	}
	// (Seoul is UTC+9: the person's clock, not the server's)
	if want, msg := p.RetryAt.In(seoul).Format("15:04"), shown(p); !strings.Contains(msg, want) {
		t.Errorf("the lock is shown as %q, want the time %s in it", msg, want)
	}
	if d := p.RetryAt.Sub(r.Clock.Now()); d < 4*time.Minute || d > 6*time.Minute {
		t.Errorf("locked for %v, want about 5 minutes", d)
	}
	// And even the right password waits for the lock, without retrying on its own
	before := len(r.recordedSleeps())
	c.SignIn(ctx, mockserver.DemoEmail, mockserver.DemoPassword, true)
	if p := c.State().Problem; p == nil || p.Code != pairing.CodeAccountLocked {
		t.Fatalf("right password while locked: %+v", p)
	}
	if len(r.recordedSleeps()) != before {
		t.Error("a 4xx answer was retried")
	}
	// When the lock has passed, Then the right password works
	r.Clock.Advance(6 * time.Minute)
	r.startSignIn(c, true)
}

func TestBlockedFor24HoursAfterTooManySignIns(t *testing.T) {
	r := newRig(t)
	c := r.newCore()
	ctx := context.Background()
	// Given the day's budget of pending logins spent
	var p *Problem
	for i := 0; i < 12; i++ {
		c.SignIn(ctx, mockserver.DemoEmail, mockserver.DemoPassword, true)
		if st := c.State(); st.Phase != PhaseVerifying {
			p = st.Problem
			break
		}
		c.Cancel()
	}
	// Then the next sign-in is blocked until tomorrow, shown with its date
	if p == nil || p.Code != pairing.CodeTooManyRequests || p.Key != "error.too_many_requests" || p.Retryable {
		t.Fatalf("after the budget: %+v", p)
	}
	if d := p.RetryAt.Sub(r.Clock.Now()); d < 23*time.Hour || d > 25*time.Hour {
		t.Errorf("blocked for %v, want about 24 h", d)
	}
	if want, msg := p.RetryAt.In(time.UTC).Format("2 Jan, 15:04"), shown(p); !strings.Contains(msg, want) {
		t.Errorf("the block is shown as %q, want the date and time %s in it", msg, want)
	}
}

func TestWrongAndExpiredCodes(t *testing.T) {
	r := newRig(t)
	c := r.verifyingCore()
	ctx := context.Background()
	right := r.codeFor(c)
	wrong := "000000"
	if right == wrong {
		wrong = "111111"
	}

	// A code of the wrong shape never reaches the server.
	before := len(r.Journal())
	for _, typed := range []string{"12345", "12a456", "1234567", ""} {
		c.SubmitCode(ctx, typed)
		p := c.State().Problem
		if p == nil || p.Code != pairing.CodeInvalidFormat || p.Params[ParamLength] != 6 {
			t.Errorf("%q: %+v", typed, p)
		}
	}
	if after := len(r.Journal()); after != before {
		t.Errorf("%d badly formed codes reached the server", after-before)
	}

	// A wrong code says how many tries are left and keeps the person verifying.
	c.SubmitCode(ctx, wrong)
	st := c.State()
	if st.Phase != PhaseVerifying || st.Problem == nil || st.Problem.Code != pairing.CodeInvalidCode || st.Problem.AttemptsLeft != 4 {
		t.Fatalf("wrong code: %v %+v", st.Phase, st.Problem)
	}
	// An expired code says to get a new one; the new one works.
	r.Clock.Advance(181 * time.Second)
	c.SubmitCode(ctx, right)
	st = c.State()
	if st.Phase != PhaseVerifying || st.Problem == nil || st.Problem.Code != pairing.CodeCodeExpired || st.Problem.Action != "action.get_new_code" {
		t.Fatalf("expired code: %v %+v", st.Phase, st.Problem)
	}
	oldExpiry := st.Login.CodeExpiresAt
	c.RenewCode(ctx)
	st = c.State()
	if st.Problem != nil || !st.Login.CodeExpiresAt.After(oldExpiry) {
		t.Fatalf("new code: %+v expires %v", st.Problem, st.Login.CodeExpiresAt)
	}
	c.SubmitCode(ctx, r.codeFor(c))
	waitFor(t, c, "signed in with the new code", time.Second, func(s State) bool { return s.Phase == PhaseSignedIn })
	if c.r.tried != (attempts{}) {
		t.Error("the tries were not reset after signing in")
	}
}

func TestTooManyWrongCodesEndTheSignIn(t *testing.T) {
	r := newRig(t)
	c := r.verifyingCore()
	ctx := context.Background()
	loginID := c.State().Login.ID
	wrong := "000000"
	if r.codeFor(c) == wrong {
		wrong = "111111"
	}
	for i := 0; i < 5 && c.State().Phase == PhaseVerifying; i++ {
		c.SubmitCode(ctx, wrong)
	}
	st := c.State()
	if st.Phase != PhaseSignedOut || st.Login != nil || st.Problem == nil || st.Problem.Action != "action.sign_in_again" {
		t.Fatalf("after 5 wrong codes: %v %+v", st.Phase, st.Problem)
	}
	if st.Problem.Code != pairing.CodeInvalidCode && st.Problem.Code != pairing.CodeLoginNotFound {
		t.Errorf("code %s", st.Problem.Code)
	}
	if _, err := r.phone.CodeFor(ctx, loginID); err == nil {
		t.Error("the phone still shows the destroyed pending login")
	}
}

func TestDeclinedOnThePhone(t *testing.T) {
	r := newRig(t)
	c := r.verifyingCore()
	ctx := context.Background()
	if err := r.phone.Decline(ctx, c.State().Login.ID); err != nil {
		t.Fatal(err)
	}
	if st := r.loginEnded(c, pairing.CodeLoginDeclined); st.Problem.Action != "action.declined" {
		t.Fatalf("declined: %+v", st.Problem)
	}
}

func TestPendingLoginExpires(t *testing.T) {
	r := newRig(t)
	c := r.verifyingCore()
	r.Clock.Advance(10*time.Minute + time.Second)
	r.loginEnded(c, pairing.CodeLoginExpired)
}

func TestMaintenanceIsRetriedHonouringRetryAfter(t *testing.T) {
	r := newRig(t)
	c := r.newCore()
	ctx := context.Background()
	// Given the server in maintenance (it answers Retry-After: 5)
	r.SetMaintenance(true)
	// When signing in, Then three tries are made, waiting what the server asked
	c.SignIn(ctx, mockserver.DemoEmail, mockserver.DemoPassword, true)
	st := c.State()
	if st.Phase != PhaseSignedOut || st.Problem == nil || st.Problem.Code != pairing.CodeMaintenance || !st.Problem.Retryable {
		t.Fatalf("maintenance: %v %+v", st.Phase, st.Problem)
	}
	if got := r.recordedSleeps(); len(got) != 2 || got[0] != 5*time.Second || got[1] != 5*time.Second {
		t.Errorf("waits %v, want 2 × 5s (Retry-After)", got)
	}
	if c.r.tried.AutoRetries != 2 {
		t.Errorf("automatic retries counted %d, want 2", c.r.tried.AutoRetries)
	}
	// When maintenance ends and the person presses Retry, Then the sign-in goes on
	r.SetMaintenance(false)
	c.Retry(ctx)
	if st := c.State(); st.Phase != PhaseVerifying || st.Problem != nil {
		t.Fatalf("after retry: %v %+v", st.Phase, st.Problem)
	}
}

func TestServerErrorsAreRetriedButRequestErrorsAreNot(t *testing.T) {
	r := newRig(t)
	c := r.newCore()
	ctx := context.Background()
	// Given two 500 answers, When signing in, Then the third try succeeds
	r.fault(map[string]any{"method": "POST", "path": "/v1/logins", "status": http.StatusInternalServerError, "count": 2})
	r.startSignIn(c, true)
	waits := r.recordedSleeps()
	if len(waits) != 2 || waits[1] <= waits[0]/2 || waits[0] > time.Second {
		t.Errorf("backoff waits %v, want two growing ones", waits)
	}
	// Given a dropped connection on the code, Then it is retried too
	r.fault(map[string]any{"method": "POST", "path": "/v1/logins/*/code", "drop": true, "count": 1})
	c.SubmitCode(ctx, r.codeFor(c))
	waitFor(t, c, "signed in", time.Second, func(s State) bool { return s.Phase == PhaseSignedIn })
	c.SignOut(ctx)

	// Given a 400 answer, Then it is shown at once
	before := len(r.recordedSleeps())
	r.fault(map[string]any{"method": "POST", "path": "/v1/logins", "status": http.StatusBadRequest, "count": 1})
	c.SignIn(ctx, mockserver.DemoEmail, mockserver.DemoPassword, true)
	if p := c.State().Problem; p == nil || p.Retryable {
		t.Fatalf("400: %+v", p)
	}
	if len(r.recordedSleeps()) != before {
		t.Error("a 400 answer was retried")
	}
}

func TestServerDown(t *testing.T) {
	r := newRig(t)
	c := r.newCore()
	r.Stop()
	c.SignIn(context.Background(), mockserver.DemoEmail, mockserver.DemoPassword, true)
	st := c.State()
	if st.Phase != PhaseSignedOut || st.Problem == nil || st.Problem.Code != pairing.CodeNetwork ||
		st.Problem.Key != "error.server_unreachable" || !st.Problem.Retryable || st.Problem.Params[ParamServer] != r.client.BaseURL() {
		t.Fatalf("server down: %v %+v", st.Phase, st.Problem)
	}
	if len(r.recordedSleeps()) != 2 {
		t.Errorf("tries: %d waits, want 2", len(r.recordedSleeps()))
	}
	r.Restart()
	c.Retry(context.Background())
	if st := c.State(); st.Phase != PhaseVerifying {
		t.Fatalf("after the server came back: %v %+v", st.Phase, st.Problem)
	}
}
