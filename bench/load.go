package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
)

// loadResult holds the server's throughput figures.
type loadResult struct {
	accounts     int
	signins      int
	signinTime   time.Duration
	signinLat    durations
	signinCPU    time.Duration // server CPU used by the sign-ins
	signinWork   int           // workers sending sign-ins
	verifies     int
	verifyTime   time.Duration
	verifyLat    durations
	verifyCPU    time.Duration
	verifyWork   int
	verifyLogins int
}

func (r loadResult) signinsPerSec() float64 { return float64(r.signins) / r.signinTime.Seconds() }
func (r loadResult) verifiesPerSec() float64 {
	return float64(r.verifies) / r.verifyTime.Seconds()
}

// loadBench measures, against the mock server binary with its default
// numbers (argon2id m=19 MiB, t=2, p=1; 10 pending logins per account a
// day), how many sign-ins (password step, POST /v1/logins) and code
// verifications (POST /v1/logins/{id}/code) it answers per second.
type loadBench struct {
	srv     *serverProc
	hc      *http.Client
	profile func() (stop func()) // nil, or starts a CPU profile of the verifications
}

func newLoadClient(conns int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = conns
	tr.MaxIdleConns = conns
	return &http.Client{Transport: tr, Timeout: time.Minute}
}

// parallel runs fn(i) for i in [0, n) on workers goroutines and returns the
// first error.
func parallel(n, workers int, fn func(i int) error) error {
	jobs := make(chan int)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if err := fn(i); err != nil {
					once.Do(func() { first = err })
				}
			}
		}()
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return first
}

// pendingCode is a pending login and the code its phone shows.
type pendingCode struct {
	id, code, device string // device: the fingerprint the login was started with
}

func (l *loadBench) run(ctx context.Context, accounts, signinWorkers, verifyWorkers int, logf func(string, ...any)) (loadResult, error) {
	res := loadResult{accounts: accounts, signinWork: signinWorkers, verifyWork: verifyWorkers}
	const perAccount = 10 // the default daily budget of pending logins
	// Accounts (each one argon2 hash on the server).
	err := parallel(accounts, 2, func(i int) error {
		body, _ := json.Marshal(map[string]string{"email": benchEmail(i), "password": benchPassword, "name": "Bench"}) // plain strings
		st, b, err := postJSON(ctx, l.hc, "POST", l.srv.base+"/mock/v1/accounts", "", "", body)
		if err == nil && st != http.StatusCreated {
			err = errStatus("creating an account", st, http.StatusCreated, b)
		}
		return err
	})
	if err != nil {
		return res, err
	}
	logf("load: %d accounts created", accounts)

	// Sign-ins: the password step, perAccount per account.
	n := accounts * perAccount
	ids := make([]string, n)
	fingerprint := func(i int) string { return fmt.Sprintf("fp%05d", i) }
	lat := make(durations, n)
	cpu0 := l.srv.cpu()
	start := time.Now()
	err = parallel(n, signinWorkers, func(i int) error {
		acct := i % accounts
		// Marshalling strings cannot fail.
		body, _ := json.Marshal(pairing.LoginRequest{Email: benchEmail(acct), Password: benchPassword,
			Device: pairing.Device{ID: fmt.Sprintf("dev%05d", i), Name: "BENCH", Platform: pairing.PlatformLinux, Fingerprint: fingerprint(i)}}) // plain values
		t := time.Now()
		st, b, err := postJSON(ctx, l.hc, "POST", l.srv.base+"/v1/logins", "", "", body)
		lat[i] = time.Since(t)
		if err != nil {
			return err
		}
		if st != http.StatusCreated {
			return errStatus("sign-in", st, http.StatusCreated, b)
		}
		var pl pairing.PendingLogin
		if err := json.Unmarshal(b, &pl); err != nil {
			return fmt.Errorf("sign-in answer: %w", err)
		}
		ids[i] = pl.LoginID
		return nil
	})
	res.signinTime = time.Since(start)
	cpu1 := l.srv.cpu()
	if err != nil {
		return res, err
	}
	res.signins, res.signinLat, res.signinCPU = n, lat, cpu1-cpu0
	logf("load: %d sign-ins in %s (%.0f/s)", n, res.signinTime.Round(time.Millisecond), res.signinsPerSec())

	// The phones read the codes (setup, not timed).
	codes := make(map[string]string, n)
	var mu sync.Mutex
	err = parallel(accounts, 2, func(acct int) error {
		body, _ := json.Marshal(pairing.PhoneSignInRequest{Email: benchEmail(acct), Password: benchPassword}) // plain strings
		ps, err := phoneCall[pairing.PhoneSignIn](ctx, l.hc, "POST", l.srv.base+"/phone/v1/signin", "", body, "phone sign-in")
		if err != nil {
			return err
		}
		ls, err := phoneCall[pairing.LinkScreen](ctx, l.hc, "GET", l.srv.base+"/phone/v1/link", ps.PhoneToken, nil, "phone link")
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for _, p := range ls.Pending {
			codes[p.LoginID] = p.Code
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	logins := make([]pendingCode, 0, n)
	for i, id := range ids {
		if c, ok := codes[id]; ok {
			logins = append(logins, pendingCode{id: id, code: c, device: fingerprint(i)})
		}
	}
	if len(logins) != n {
		return res, fmt.Errorf("the phones show %d of %d pending logins", len(logins), n)
	}

	// Verifications: per pending login four wrong codes, then the right one.
	const perLogin = 5
	vlat := make(durations, n*perLogin)
	if l.profile != nil {
		defer l.profile()()
	}
	cpu0 = l.srv.cpu()
	start = time.Now()
	err = parallel(n, verifyWorkers, func(i int) error {
		lc := logins[i]
		for k := range perLogin {
			code, want := wrongCode(lc.code, k+1), http.StatusBadRequest
			if k == perLogin-1 {
				code, want = lc.code, http.StatusOK
			}
			t := time.Now()
			st, b, err := postJSON(ctx, l.hc, "POST", l.srv.base+"/v1/logins/"+lc.id+"/code", "", lc.device, []byte(`{"code":"`+code+`"}`))
			vlat[i*perLogin+k] = time.Since(t)
			if err != nil {
				return err
			}
			if st != want {
				return errStatus("code verification", st, want, b)
			}
		}
		return nil
	})
	res.verifyTime = time.Since(start)
	cpu1 = l.srv.cpu()
	if err != nil {
		return res, err
	}
	res.verifies, res.verifyLat, res.verifyCPU, res.verifyLogins = n*perLogin, vlat, cpu1-cpu0, n
	logf("load: %d verifications in %s (%.0f/s)", res.verifies, res.verifyTime.Round(time.Millisecond), res.verifiesPerSec())
	return res, nil
}

// phoneCall makes one call of the phone API (setup, not timed) and decodes
// its 200 answer.
func phoneCall[T any](ctx context.Context, hc *http.Client, method, url, token string, body []byte, what string) (T, error) {
	var out T
	st, b, err := postJSON(ctx, hc, method, url, token, "", body)
	if err != nil {
		return out, err
	}
	if st != http.StatusOK {
		return out, errStatus(what, st, http.StatusOK, b)
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return out, fmt.Errorf("%s answer: %w", what, err)
	}
	return out, nil
}

// wrongCode returns a code k steps away from code (1 ≤ k ≤ 9), never code itself.
func wrongCode(code string, k int) string {
	b := []byte(code)
	last := len(b) - 1
	b[last] = '0' + (b[last]-'0'+byte(k))%10
	return string(b)
}
