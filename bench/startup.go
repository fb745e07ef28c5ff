package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// startupSample is one start of one program.
type startupSample struct {
	toWindow time.Duration // process start → window mapped (visible)
	rss      int64         // resident memory once settled on its first screen
}

// startupResult holds every start of the real app and of the bare window,
// taken alternately in one series.
type startupResult struct {
	app, bare []startupSample
	settle    time.Duration
}

func (r startupResult) times(s []startupSample) durations {
	out := make(durations, len(s))
	for i, x := range s {
		out[i] = x.toWindow
	}
	return out
}

func (r startupResult) rss(s []startupSample) []int64 {
	out := make([]int64, len(s))
	for i, x := range s {
		out[i] = x.rss
	}
	return out
}

// program is one binary of the start-up comparison.
type program struct {
	name string
	path string
	args []string
}

// mapWatcher reports every top-level window the X server maps. It follows
// xev on the root window instead of polling: `xdotool search --sync` polls
// every 500 ms, far too coarse for start-up times.
type mapWatcher struct {
	cmd    *exec.Cmd
	mapped chan mappedWindow
}

type mappedWindow struct {
	at time.Time
	id string // X window ID, 0x…
}

func startMapWatcher() (*mapWatcher, error) {
	cmd := exec.Command("xev", "-root", "-event", "substructure")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("xev: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting xev (package x11-utils): %w", err)
	}
	w := &mapWatcher{cmd: cmd, mapped: make(chan mappedWindow, 16)}
	go w.read(out)
	// xev gives no sign that it has selected the events; give it a moment.
	time.Sleep(time.Second)
	return w, nil
}

// read turns xev's "MapNotify event …" paragraphs into mappedWindows. The
// time is taken when the first line arrives; the window ID is on the next.
func (w *mapWatcher) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	var pending time.Time
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "MapNotify event") {
			pending = time.Now()
			continue
		}
		if pending.IsZero() {
			continue
		}
		id := ""
		if _, rest, ok := strings.Cut(line, " window "); ok {
			id = strings.TrimSuffix(strings.Fields(rest)[0], ",")
		}
		select {
		case w.mapped <- mappedWindow{at: pending, id: id}:
		default: // nobody is waiting: a stale event
		}
		pending = time.Time{}
	}
}

func (w *mapWatcher) drain() {
	for {
		select {
		case <-w.mapped:
		default:
			return
		}
	}
}

func (w *mapWatcher) close() {
	_ = w.cmd.Process.Kill() // xev runs until killed
	_ = w.cmd.Wait()         // its exit status says only that it was killed
}

// measureStartup starts each program runs times, alternating which goes
// first, each with an empty home and configuration folder, and measures the
// time to its window and its memory settle after the window appeared.
func measureStartup(ctx context.Context, progs [2]program, runs int, settle time.Duration, logf func(string, ...any)) (startupResult, error) {
	res := startupResult{settle: settle}
	w, err := startMapWatcher()
	if err != nil {
		return res, err
	}
	defer w.close()
	// One unmeasured start of each warms the page cache and the font cache paths.
	for _, p := range progs {
		if _, err := startOnce(ctx, w, p, settle/3); err != nil {
			return res, fmt.Errorf("warm-up of %s: %w", p.name, err)
		}
	}
	for i := range runs {
		order := []int{0, 1}
		if i%2 == 1 {
			order = []int{1, 0}
		}
		for _, k := range order {
			s, err := startOnce(ctx, w, progs[k], settle)
			if err != nil {
				return res, fmt.Errorf("run %d of %s: %w", i+1, progs[k].name, err)
			}
			if k == 0 {
				res.app = append(res.app, s)
			} else {
				res.bare = append(res.bare, s)
			}
			logf("start-up %2d/%d %-12s %s  %s", i+1, runs, progs[k].name, ms(s.toWindow), mib(s.rss))
		}
	}
	return res, nil
}

// startOnce runs p once with a fresh home and stops it after settle.
func startOnce(ctx context.Context, w *mapWatcher, p program, settle time.Duration) (startupSample, error) {
	home, err := os.MkdirTemp("", "linkdesk-bench-home-")
	if err != nil {
		return startupSample{}, fmt.Errorf("temp home: %w", err)
	}
	defer os.RemoveAll(home) // best effort: a leftover temp folder harms nothing
	cmd := exec.CommandContext(ctx, p.path, p.args...)
	cmd.Env = freshHomeEnv(home)
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log
	w.drain()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return startupSample{}, fmt.Errorf("starting %s: %w", p.path, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer stopProcess(cmd, exited)

	var mw mappedWindow
	select {
	case mw = <-w.mapped:
	case err := <-exited:
		exited <- err
		return startupSample{}, fmt.Errorf("%s exited before showing a window (%v): %s", p.name, err, lastLines(log.String(), 5))
	case <-time.After(60 * time.Second):
		return startupSample{}, errors.New("no window within 60 s")
	}
	s := startupSample{toWindow: mw.at.Sub(start)}
	if name, err := exec.Command("xdotool", "getwindowname", mw.id).Output(); err != nil || strings.TrimSpace(string(name)) != "Linkdesk" {
		return s, fmt.Errorf("the first window mapped (%s) is not titled Linkdesk: %q %v", mw.id, name, err)
	}
	time.Sleep(settle)
	if s.rss, err = rssBytes(cmd.Process.Pid); err != nil {
		return s, err
	}
	return s, nil
}

// stopProcess asks a program to quit (SIGTERM, as a session logout does) and
// kills it after 5 s.
func stopProcess(cmd *exec.Cmd, exited chan error) {
	_ = cmd.Process.Signal(syscall.SIGTERM) // it may have exited already
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill() // it would not quit
		<-exited
	}
}

// freshHomeEnv is this process's environment with an empty home,
// configuration and runtime folder, so each start is a first start.
func freshHomeEnv(home string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR", "LANG", "LC_ALL":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "HOME="+home, "XDG_CONFIG_HOME="+home+"/.config",
		"XDG_CACHE_HOME="+home+"/.cache", "XDG_RUNTIME_DIR="+home+"/run", // never a running Linkdesk's instance socket
		"LANG=C.UTF-8")
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
