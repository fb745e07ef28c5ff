package security

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver/mocktest"
)

// Someone with the password (phished, reused) but not the phone guesses the
// 6-digit security code. The server's rules: 5 wrong codes destroy the
// pending login; 10 pending logins or new codes per account a rolling day.
// The per-login rule alone is pairing/mockserver TestWrongCodesDestroyTheLogin
// and the mixed budget TestLoginBudgetBlocksForADay; here they are played as
// an attacker would, across many pending logins and accounts.

// distinctWrongCodes returns n different 6-digit codes, none equal to right.
func distinctWrongCodes(rng *rand.Rand, right string, n int) []string {
	seen := map[string]bool{right: true}
	var out []string
	for len(out) < n {
		c := fmt.Sprintf("%06d", rng.IntN(1_000_000))
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

// codeTarget is one pending login under attack.
type codeTarget struct {
	c      *pairing.Client
	login  *pairing.PendingLogin
	device pairing.Device
	right  string // what the phone shows; the attacker never sends it until the end
	phone  *mocktest.Phone
}

func TestCodeGuessingAcrossManyPendingLogins(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	const accounts, perAccount, tries = 20, 10, 5

	// Given 200 pending logins: the attacker used each account's password
	// to open all 10 the day allows, each from its own desktop.
	var targets []codeTarget
	for a := range accounts {
		email, password, phone := r.victim(fmt.Sprintf("victim%02d", a))
		c := r.client()
		for n := range perAccount {
			dev := device(a*100 + n)
			pl := r.startLogin(c, email, password, dev)
			code, err := phone.CodeFor(ctx, pl.LoginID)
			if err != nil {
				t.Fatal(err)
			}
			targets = append(targets, codeTarget{c: c, login: pl, device: dev, right: code, phone: phone})
		}
	}

	// When the attacker sends five distinct wrong codes to every one,
	var guesses, accepted int
	for _, tg := range targets {
		for i, guess := range distinctWrongCodes(rng, tg.right, tries) {
			guesses++
			_, err := tg.c.SubmitCode(ctx, tg.login.LoginID, guess)
			var pe *pairing.Error
			switch {
			case err == nil:
				accepted++
			case !errors.As(err, &pe) || pe.Code != pairing.CodeInvalidCode:
				t.Fatalf("wrong code %d answered %v, want invalid_code", i+1, err)
			case pe.AttemptsLeft == nil || *pe.AttemptsLeft != tries-1-i:
				t.Fatalf("wrong code %d: attempts_left %v, want %d", i+1, pe.AttemptsLeft, tries-1-i)
			}
		}
	}

	// then none is accepted, and afterwards not even the right code is, sent
	// by the very desktop that started the login: each one is gone, on the
	// desktop API and on the phone.
	var rightAccepted int
	for _, tg := range targets {
		resp := r.Do("POST", "/v1/logins/"+tg.login.LoginID+"/code", pairing.CodeRequest{Code: tg.right},
			pairing.HeaderDevice, tg.device.Fingerprint)
		if resp.Status == http.StatusOK {
			rightAccepted++
		}
		if resp.Status != http.StatusNotFound || resp.ErrorCode() != pairing.CodeLoginNotFound {
			t.Errorf("the right code after five wrong ones: HTTP %d %s, want 404 login_not_found", resp.Status, resp.Body)
		}
		if _, err := tg.phone.CodeFor(ctx, tg.login.LoginID); errCode(err) != pairing.CodeLoginNotFound {
			t.Errorf("the phone still lists a destroyed login (%v)", err)
		}
	}
	if accepted != 0 {
		t.Errorf("%d of %d wrong codes were accepted", accepted, guesses)
	}
	t.Logf("code guessing: %d distinct wrong codes over %d pending logins of %d accounts: %d accepted; "+
		"the right code afterwards: %d of %d accepted (each login destroyed after %d tries). "+
		"A blind guesser's chance per pending login is %d in 10^6.",
		guesses, len(targets), accounts, accepted, rightAccepted, len(targets), tries, tries)
}

// A new code for the same pending login does not buy new tries: the five
// are per pending login, not per code.
func TestNewCodeDoesNotResetTheTries(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	email, password, phone := r.victim("renewer")
	c := r.client()
	pl := r.startLogin(c, email, password, device(1))
	code, err := phone.CodeFor(ctx, pl.LoginID)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	// Given four wrong codes,
	for _, g := range distinctWrongCodes(rng, code, 4) {
		if _, err := c.SubmitCode(ctx, pl.LoginID, g); errCode(err) != pairing.CodeInvalidCode {
			t.Fatalf("wrong code: %v", err)
		}
	}
	// when the attacker asks for a new code and guesses once more,
	if _, err := c.RenewCode(ctx, pl.LoginID); err != nil {
		t.Fatal(err)
	}
	code, err = phone.CodeFor(ctx, pl.LoginID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.SubmitCode(ctx, pl.LoginID, distinctWrongCodes(rng, code, 1)[0])
	var pe *pairing.Error
	if !errors.As(err, &pe) || pe.Code != pairing.CodeInvalidCode || pe.AttemptsLeft == nil || *pe.AttemptsLeft != 0 {
		t.Fatalf("fifth wrong code after a renewal: %v, want invalid_code with 0 tries left", err)
	}
	// then the login is destroyed: the new code does not work either.
	resp := r.Do("POST", "/v1/logins/"+pl.LoginID+"/code", pairing.CodeRequest{Code: code},
		pairing.HeaderDevice, device(1).Fingerprint)
	if resp.ErrorCode() != pairing.CodeLoginNotFound {
		t.Fatalf("the new code after five wrong ones: HTTP %d %s, want login_not_found", resp.Status, resp.Body)
	}
}

// The daily budget: exactly 10 pending logins or new codes, the 11th refused
// for 24 h, so a day gives at most 10 × 5 code guesses per account.
func TestDailyBudgetCapsCodeGuesses(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	email, password, phone := r.victim("budget")
	c := r.client()
	rng := rand.New(rand.NewPCG(5, 6))

	// guess sends two wrong codes for the login's current code.
	guesses := 0
	guess := func(pl *pairing.PendingLogin) {
		code, err := phone.CodeFor(ctx, pl.LoginID)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range distinctWrongCodes(rng, code, 2) {
			if _, err := c.SubmitCode(ctx, pl.LoginID, g); errCode(err) != pairing.CodeInvalidCode {
				t.Fatalf("guess: %v", err)
			}
			guesses++
		}
	}
	// Given ten budget steps, alternately a new pending login and a new code
	// for it, each followed by two wrong guesses,
	var pl *pairing.PendingLogin
	for step := 1; step <= 10; step++ {
		if step%2 == 1 {
			pl = r.startLogin(c, email, password, device(step))
		} else if _, err := c.RenewCode(ctx, pl.LoginID); err != nil {
			t.Fatalf("step %d, a new code: %v", step, err)
		}
		guess(pl)
	}
	// when the attacker asks for an 11th pending login, or an 11th code,
	now := r.Clock.Now()
	_, err := c.StartLogin(ctx, pairing.LoginRequest{Email: email, Password: password, Device: device(11)})
	var pe *pairing.Error
	if !errors.As(err, &pe) || pe.Code != pairing.CodeTooManyRequests {
		t.Fatalf("11th pending login: %v, want too_many_requests", err)
	}
	if want := now.Add(24 * time.Hour); !pe.RetryAt.Equal(want) {
		t.Errorf("retry_at %v, want %v (24 h)", pe.RetryAt, want)
	}
	if _, err := c.RenewCode(ctx, pl.LoginID); errCode(err) != pairing.CodeTooManyRequests {
		t.Fatalf("11th code: %v, want too_many_requests", err)
	}
	// then both are refused for 24 h to the millisecond, and allowed after.
	r.Clock.Advance(24*time.Hour - time.Millisecond)
	if _, err := c.StartLogin(ctx, pairing.LoginRequest{Email: email, Password: password, Device: device(12)}); errCode(err) != pairing.CodeTooManyRequests {
		t.Fatalf("a millisecond before the block ends: %v, want too_many_requests", err)
	}
	r.Clock.Advance(time.Millisecond)
	r.startLogin(c, email, password, device(13))
	t.Logf("daily budget: 5 pending logins + 5 new codes allowed, the 11th refused until %s later; "+
		"%d code guesses were evaluated meanwhile. Since tries are per pending login, the most a day "+
		"allows is 10 logins × 5 tries = 50 guesses per account: a chance of 5 in 10^5.", 24*time.Hour, guesses)
}
