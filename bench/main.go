// Command bench measures Linkdesk side by side with its references in one
// run and writes docs/BENCHMARKS.md: start-up time and memory against a bare
// Fyne window, binary size, QR approval and code sign-in latency through the
// real app.Core against a 5-second poller, and the mock server's throughput
// and memory under load. Run it through bench/run.sh (`make bench`), which
// builds every binary with the same flags and provides Xvfb and a Secret
// Service.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

// options are the command's flags.
type options struct {
	app, bare               string // binaries for the start-up runs
	appRelease, bareRelease string // binaries built with -ldflags "-s -w", for size
	mockserver              string // the mock server binary, for the load runs
	out                     string // where to write the Markdown report ("" for none)
	command                 string // how to reproduce, as printed in the report
	skip                    string
	profileLoad             string // CPU profile of the verifications, server in process
	profileStreams          string // heap profile with every stream open, server in process

	startupRuns int
	settle      time.Duration

	qrDesktops   int
	pollInterval time.Duration
	qrWindow     time.Duration
	codeRuns     int

	loadAccounts  int
	signinWorkers int
	verifyWorkers int

	streams int
	idle    time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.app, "app", "", "the Linkdesk binary (go build)")
	flag.StringVar(&o.bare, "bare", "", "the bare Fyne window binary, same flags")
	flag.StringVar(&o.appRelease, "app-release", "", `the Linkdesk binary built with -ldflags "-s -w"`)
	flag.StringVar(&o.bareRelease, "bare-release", "", `the bare window built with -ldflags "-s -w"`)
	flag.StringVar(&o.mockserver, "mockserver", "", "the mock server binary")
	flag.StringVar(&o.out, "out", "", "write the Markdown report here")
	flag.StringVar(&o.command, "command", "make bench", "the command that reproduces this run, for the report")
	flag.StringVar(&o.skip, "skip", "", "comma-separated parts to leave out: startup,size,signin,load,streams")
	flag.StringVar(&o.profileLoad, "profile-load", "", "run the load part's server in this process and write a CPU profile of the verifications to `FILE`")
	flag.StringVar(&o.profileStreams, "profile-streams", "", "run the streams part's server in this process and write a heap profile with every stream open to `FILE`")
	flag.IntVar(&o.startupRuns, "startup-runs", 30, "starts of each program (alternating); a start varies by ±20 % here, so fewer than 30 make a noisy median")
	flag.DurationVar(&o.settle, "settle", 3*time.Second, "wait after the window appears before reading memory")
	flag.IntVar(&o.qrDesktops, "qr-desktops", 200, "desktops approved by QR (one run each)")
	flag.DurationVar(&o.pollInterval, "poll-interval", 5*time.Second, "interval of the polling reference client")
	flag.DurationVar(&o.qrWindow, "qr-window", 20*time.Second, "approvals are spread over this long (a multiple of -poll-interval)")
	flag.IntVar(&o.codeRuns, "code-runs", 200, "sign-ins with the code, one after another")
	flag.IntVar(&o.loadAccounts, "load-accounts", 100, "accounts of the load run (10 pending logins each)")
	flag.IntVar(&o.signinWorkers, "signin-workers", 8, "concurrent sign-ins in the load run")
	flag.IntVar(&o.verifyWorkers, "verify-workers", 16, "concurrent code verifications in the load run")
	flag.IntVar(&o.streams, "streams", 10000, "desktops waiting on event streams at once")
	flag.DurationVar(&o.idle, "idle", 10*time.Second, "how long the streams stay open while CPU is read")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func (o options) skips(part string) bool { return slices.Contains(strings.Split(o.skip, ","), part) }

// run measures everything that is not skipped, prints the table and writes the report.
func run(ctx context.Context, o options) error {
	r := report{machine: describeMachine(), opts: o}
	if o.app != "" {
		r.machine.Fyne = moduleVersion(o.app, "fyne.io/fyne/v2")
	}
	logf("machine: %s; load %s", r.machine, r.machine.LoadStart)

	if !o.skips("size") {
		var err error
		if r.size, err = measureSizes(o); err != nil {
			return err
		}
	}
	if !o.skips("startup") {
		if o.app == "" || o.bare == "" {
			return errors.New("-app and -bare are needed for the start-up runs (or -skip startup)")
		}
		res, err := startupAgainstServer(ctx, o)
		if err != nil {
			return err
		}
		r.startup = &res
		// the same series with a tray host on the bus: the app then adds its tray
		host, err := startTrayHost()
		if err != nil {
			return err
		}
		withTray, err := startupAgainstServer(ctx, o)
		registered := len(host.items)
		host.close()
		if err != nil {
			return fmt.Errorf("start-up with a tray host: %w", err)
		}
		if registered == 0 {
			return errors.New("start-up with a tray host: the app registered no tray icon")
		}
		r.startupTray = &withTray
	}
	if !o.skips("signin") {
		res, err := measureSignins(ctx, o)
		if err != nil {
			return err
		}
		r.signin = &res
	}
	if !o.skips("load") {
		start := func() (*serverProc, error) { return startServerProc(o.mockserver) }
		if o.profileLoad != "" {
			start = func() (*serverProc, error) { return startInProcess(mockserver.DefaultConfig()) }
		}
		srv, err := start()
		if err != nil {
			return err
		}
		lb := &loadBench{srv: srv, hc: newLoadClient(max(o.verifyWorkers, o.signinWorkers))}
		if o.profileLoad != "" {
			lb.profile = cpuProfile(o.profileLoad)
		}
		res, err := lb.run(ctx, o.loadAccounts, o.signinWorkers, o.verifyWorkers, logf)
		lb.hc.CloseIdleConnections()
		srv.stop()
		if err != nil {
			return fmt.Errorf("load: %w", err)
		}
		r.load = &res
	}
	if !o.skips("streams") {
		// Hashing is not what this part measures: cheap argon2 makes the
		// 10,000 pending logins quick; the budget admits them on one account.
		var srv *serverProc
		var err error
		var heap func()
		if o.profileStreams != "" {
			cfg := mockserver.DefaultConfig()
			cfg.Argon2Memory, cfg.Argon2Time, cfg.LoginBudget = 64, 1, o.streams+10
			srv, err = startInProcess(cfg)
			heap = heapProfile(o.profileStreams)
		} else {
			srv, err = startServerProc(o.mockserver, "--argon2-memory", "64", "--argon2-time", "1",
				"--login-budget", fmt.Sprint(o.streams+10))
		}
		if err != nil {
			return err
		}
		res, err := streamsBench(ctx, srv, o.streams, o.idle, heap, logf)
		srv.stop()
		if err != nil {
			return fmt.Errorf("streams: %w", err)
		}
		r.streams = &res
	}
	r.machine.LoadEnd = loadAverage()
	fmt.Println(r.table())
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(r.markdown()), 0o644); err != nil {
			return fmt.Errorf("writing the report: %w", err)
		}
		logf("wrote %s", o.out)
	}
	return nil
}

// startupAgainstServer runs the start-up series with the app pointed at an
// in-process mock server, so it shows its sign-in form instead of demo mode.
func startupAgainstServer(ctx context.Context, o options) (startupResult, error) {
	srv, err := mockserver.New(mockserver.DefaultConfig())
	if err != nil {
		return startupResult{}, err
	}
	defer srv.Close() // nothing to report on a failed close of an idle server
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		return startupResult{}, err
	}
	progs := [2]program{
		{name: "linkdesk", path: o.app, args: []string{"--server", base}},
		{name: "bare window", path: o.bare},
	}
	return measureStartup(ctx, progs, o.startupRuns, o.settle, logf)
}

// measureSignins runs the QR wave, then the code runs, on one in-process server.
func measureSignins(ctx context.Context, o options) (signinResult, error) {
	b, err := newSigninBench(ctx, max(o.qrDesktops, 1))
	if err != nil {
		return signinResult{}, err
	}
	defer b.close() // an idle in-process server; nothing to report
	res, err := b.qrWave(ctx, o.qrDesktops, o.pollInterval, o.qrWindow, logf)
	if err != nil {
		return res, fmt.Errorf("QR wave: %w", err)
	}
	logf("scan → number: push p50 %s p95 %s; poll p50 %s p95 %s", ms(res.scanPush.p50()), ms(res.scanPush.p95()),
		ms(res.scanPoll.p50()), ms(res.scanPoll.p95()))
	logf("QR: push p50 %s p95 %s; poll p50 %s p95 %s", ms(res.qrPush.p50()), ms(res.qrPush.p95()),
		ms(res.qrPoll.p50()), ms(res.qrPoll.p95()))
	if res.code, err = b.codeRuns(ctx, o.codeRuns); err != nil {
		return res, fmt.Errorf("code runs: %w", err)
	}
	logf("code: p50 %s p95 %s", ms(res.code.p50()), ms(res.code.p95()))
	return res, nil
}

// sizes are the binary sizes of the release builds.
type sizes struct{ app, bare int64 }

func measureSizes(o options) (*sizes, error) {
	if o.appRelease == "" || o.bareRelease == "" {
		return nil, errors.New("-app-release and -bare-release are needed for the size (or -skip size)")
	}
	a, err := os.Stat(o.appRelease)
	if err != nil {
		return nil, err
	}
	b, err := os.Stat(o.bareRelease)
	if err != nil {
		return nil, err
	}
	return &sizes{app: a.Size(), bare: b.Size()}, nil
}

// cpuProfile returns a func that starts a CPU profile into path and returns
// its stop.
func cpuProfile(path string) func() func() {
	return func() func() {
		f, err := os.Create(path)
		if err != nil {
			logf("profile: %v", err)
			return func() {}
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			logf("profile: %v", err)
			_ = f.Close() // nothing was written
			return func() {}
		}
		return func() {
			pprof.StopCPUProfile()
			if err := f.Close(); err != nil {
				logf("profile: %v", err)
			}
			logf("CPU profile of the verifications in %s", path)
		}
	}
}

// heapProfile returns a func that writes a heap profile into path.
func heapProfile(path string) func() {
	return func() {
		runtime.GC()
		f, err := os.Create(path)
		if err != nil {
			logf("profile: %v", err)
			return
		}
		if err := pprof.WriteHeapProfile(f); err != nil {
			logf("profile: %v", err)
		}
		if err := f.Close(); err != nil {
			logf("profile: %v", err)
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		logf("heap profile with every stream open in %s (this process, client side included: heap in use %s, stacks %s, goroutines %d, runtime total %s)",
			path, mib(int64(ms.HeapInuse)), mib(int64(ms.StackInuse)), runtime.NumGoroutine(), mib(int64(ms.Sys)))
	}
}
