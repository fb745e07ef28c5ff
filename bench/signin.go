package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/linkdesk/linkdesk/app"
	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
	"github.com/linkdesk/linkdesk/pairing/mockserver/mocktest"
)

// signinResult holds the sign-in latencies, all measured from the moment the
// person acts (the scan, the number picked on the phone, or the last digit typed).
type signinResult struct {
	scanPush   durations // scan on the phone → the desktop's State shows the check number (app.Core, SSE)
	scanPoll   durations // the same scans → a desktop polling every interval has the check number
	qrPush     durations // approval on the phone → token in the desktop's keychain (app.Core, SSE)
	qrPoll     durations // the same approvals → token stored by a desktop polling every interval
	pollEvery  time.Duration
	pollCounts []int
	code       durations // code submitted → token in the keychain
	concurrent int       // desktops waiting at once during the QR wave
	window     time.Duration
}

// signinBench is the in-process mock server and its accounts and phones.
type signinBench struct {
	srv    *mockserver.Server
	base   string
	dir    string
	phones []*mocktest.Phone
}

const benchPassword = "bench-password-1"

func benchEmail(n int) string { return fmt.Sprintf("desk%03d@bench.test", n) }

// newSigninBench starts the mock server with the default numbers except
// cheap password hashing (hashing is measured on its own, below) and one
// account and signed-in phone per desktop.
func newSigninBench(ctx context.Context, desktops int) (*signinBench, error) {
	cfg := mockserver.DefaultConfig()
	cfg.Argon2Memory, cfg.Argon2Time = 64, 1
	cfg.DemoAccount = false
	srv, err := mockserver.New(cfg)
	if err != nil {
		return nil, err
	}
	b := &signinBench{srv: srv}
	if b.base, err = srv.Start("127.0.0.1:0"); err != nil {
		return nil, errors.Join(err, srv.Close())
	}
	if b.dir, err = os.MkdirTemp("", "linkdesk-bench-desktops-"); err != nil {
		return nil, errors.Join(err, b.close())
	}
	for n := range desktops {
		if err := srv.AddAccount(benchEmail(n), benchPassword, fmt.Sprintf("Bench %d", n)); err != nil {
			return nil, errors.Join(err, b.close())
		}
		phone := mocktest.NewPhone(b.base)
		if err := phone.SignIn(ctx, benchEmail(n), benchPassword); err != nil {
			return nil, errors.Join(fmt.Errorf("phone %d: %w", n, err), b.close())
		}
		b.phones = append(b.phones, phone)
	}
	return b, nil
}

func (b *signinBench) close() error {
	if b.dir != "" {
		_ = os.RemoveAll(b.dir) // temp settings; nothing secret in them
	}
	return b.srv.Close()
}

// qrWave signs in n desktops at once, each with a poller beside it, then has
// each phone scan at a random moment spread over window (a multiple of the
// poll interval, so scans fall at every phase of the poll schedule). Both
// the pushed and the polled desktop show the check number of the same
// scan; both are timed from the moment the phone sends the scan. Once both
// show it, the person takes a random moment of up to one interval to pick
// it, and both desktops learn of the same approval, timed from the moment
// the phone sends the number.
func (b *signinBench) qrWave(ctx context.Context, n int, interval, window time.Duration, logf func(string, ...any)) (signinResult, error) {
	res := signinResult{pollEvery: interval, concurrent: n, window: window}
	type ready struct {
		d      *desktop
		login  *app.LoginView
		poller *poller
		poll   chan pollResult
		perr   chan error
	}
	desks := make([]ready, n)
	pollHC := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	for i := range n {
		d, err := newDesktop(b.base, b.dir, i)
		if err != nil {
			return res, err
		}
		defer d.close()
		login, err := d.signIn(ctx, benchEmail(i), benchPassword)
		if err != nil {
			return res, err
		}
		d.core.UseMethod(app.MethodQR)
		p := &poller{hc: pollHC, base: b.base, interval: interval, shown: make(chan checkShown, 1),
			store: app.NewSessionStore(app.SessionStoreOptions{Keyring: newTimedKeyring()})}
		r := ready{d: d, login: login, poller: p, poll: make(chan pollResult, 1), perr: make(chan error, 1)}
		go func() {
			pr, err := p.run(ctx, login.ID, d.core.Device().Fingerprint, benchEmail(i))
			if err != nil {
				r.perr <- err
				return
			}
			r.poll <- pr
		}()
		desks[i] = r
	}
	logf("QR wave: %d desktops waiting, scans spread over %s", n, window)

	start := time.Now()
	type sample struct {
		scanPush, scanPoll time.Duration
		push, poll         time.Duration
		polls              int
		err                error
	}
	samples := make([]sample, n)
	var wg sync.WaitGroup
	for i, r := range desks {
		wg.Add(1)
		at := start.Add(time.Duration(rand.Int64N(int64(window))))
		go func() {
			defer wg.Done()
			time.Sleep(time.Until(at))
			s := &samples[i]
			wctx, cancel := context.WithTimeout(ctx, 4*interval+10*time.Second)
			defer cancel()
			ts, err := b.scan(wctx, i, r.d)
			if err != nil {
				s.err = err
				return
			}
			pushed, err := r.d.checkShownAt(wctx)
			if err != nil {
				s.err = err
				return
			}
			var polled checkShown
			select {
			case polled = <-r.poller.shown:
			case err := <-r.perr:
				s.err = err
				return
			case <-wctx.Done():
				s.err = fmt.Errorf("poller never showed the check number: %w", wctx.Err())
				return
			}
			if polled.check != pushed.check {
				s.err = fmt.Errorf("desktop %d: pushed check %s, polled %s", i, pushed.check, polled.check)
				return
			}
			s.scanPush, s.scanPoll = pushed.at.Sub(ts), polled.at.Sub(ts)
			time.Sleep(time.Duration(rand.Int64N(int64(interval)))) // the person compares and picks
			t0 := time.Now()
			if err := b.phones[i].Approve(ctx, r.login.ID, pushed.check); err != nil {
				s.err = fmt.Errorf("phone %d approve: %w", i, err)
				return
			}
			stored, err := r.d.tokenStored(wctx)
			if err != nil {
				s.err = err
				return
			}
			s.push = stored.Sub(t0)
			select {
			case pr := <-r.poll:
				s.poll, s.polls = pr.stored.Sub(t0), pr.polls
			case err := <-r.perr:
				s.err = err
			case <-wctx.Done():
				s.err = fmt.Errorf("poller: %w", wctx.Err())
			}
		}()
	}
	wg.Wait()
	for _, s := range samples {
		if s.err != nil {
			return res, s.err
		}
		res.scanPush = append(res.scanPush, s.scanPush)
		res.scanPoll = append(res.scanPoll, s.scanPoll)
		res.qrPush = append(res.qrPush, s.push)
		res.qrPoll = append(res.qrPoll, s.poll)
		res.pollCounts = append(res.pollCounts, s.polls)
	}
	return res, nil
}

// scan has phone i scan the QR code desktop d shows now; it returns when
// the scan was sent. A payload that rotated between reading and scanning is
// read again.
func (b *signinBench) scan(ctx context.Context, i int, d *desktop) (time.Time, error) {
	phone := b.phones[i]
	for try := 0; ; try++ {
		st := d.core.State()
		if st.Login == nil {
			return time.Time{}, fmt.Errorf("desktop %d is not verifying (phase %s, %s)", i, st.Phase, problemCode(st.Problem))
		}
		t0 := time.Now()
		_, err := phone.Scan(ctx, st.Login.QRPayload)
		var pe *pairing.Error
		if err != nil && errors.As(err, &pe) && pe.Code == pairing.CodeInvalidQR && try < 3 {
			time.Sleep(20 * time.Millisecond) // the rotation is on its way to the desktop
			continue
		}
		if err != nil {
			return time.Time{}, fmt.Errorf("phone %d scan: %w", i, err)
		}
		return t0, nil
	}
}

// codeRuns signs in n times, one desktop at a time, with the code read on
// the phone; each is timed from SubmitCode to the token in the keychain.
func (b *signinBench) codeRuns(ctx context.Context, n int) (durations, error) {
	var out durations
	for i := range n {
		acct := i % len(b.phones)
		d, err := newDesktop(b.base, b.dir, 1000+i)
		if err != nil {
			return nil, err
		}
		login, err := d.signIn(ctx, benchEmail(acct), benchPassword)
		if err != nil {
			d.close()
			return nil, err
		}
		code, err := b.phones[acct].CodeFor(ctx, login.ID)
		if err != nil {
			d.close()
			return nil, fmt.Errorf("reading the code on phone %d: %w", acct, err)
		}
		t0 := time.Now()
		d.core.SubmitCode(ctx, code)
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		stored, err := d.tokenStored(wctx)
		cancel()
		d.close()
		if err != nil {
			return nil, err
		}
		out = append(out, stored.Sub(t0))
	}
	return out, nil
}
