package app

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

// Each test here reaches a catalogue entry from a real answer of the mock server.

func TestWrongPasswordThenLockedUntilALocalTime(t *testing.T) {
	r := newRig(t)
	seoul := time.FixedZone("KST", 9*3600)
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
	c.SignIn(ctx, mockserver.DemoEmail, mockserver.DemoPassword, true)
	if st := c.State(); st.Phase != PhaseVerifying {
		t.Fatalf("after the lock: %v %+v", st.Phase, st.Problem)
	}
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
	c := r.newCore()
	ctx := context.Background()
	c.SignIn(ctx, mockserver.DemoEmail, mockserver.DemoPassword, true)
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
	c := r.newCore()
	ctx := context.Background()
	c.SignIn(ctx, mockserver.DemoEmail, mockserver.DemoPassword, true)
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
	c := r.newCore()
	ctx := context.Background()
	c.SignIn(ctx, mockserver.DemoEmail, mockserver.DemoPassword, true)
	if err := r.phone.Decline(ctx, c.State().Login.ID); err != nil {
		t.Fatal(err)
	}
	st := waitFor(t, c, "back at sign-in", time.Second, func(s State) bool { return s.Phase == PhaseSignedOut })
	if st.Problem == nil || st.Problem.Code != pairing.CodeLoginDeclined || st.Problem.Action != "action.declined" {
		t.Fatalf("declined: %+v", st.Problem)
	}
}

func TestPendingLoginExpires(t *testing.T) {
	r := newRig(t)
	c := r.newCore()
	c.SignIn(context.Background(), mockserver.DemoEmail, mockserver.DemoPassword, true)
	r.Clock.Advance(10*time.Minute + time.Second)
	st := waitFor(t, c, "back at sign-in", time.Second, func(s State) bool { return s.Phase == PhaseSignedOut })
	if st.Problem == nil || st.Problem.Code != pairing.CodeLoginExpired {
		t.Fatalf("expired: %+v", st.Problem)
	}
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
	c.SignIn(ctx, mockserver.DemoEmail, mockserver.DemoPassword, true)
	if st := c.State(); st.Phase != PhaseVerifying {
		t.Fatalf("after two 500s: %v %+v", st.Phase, st.Problem)
	}
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
