package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

// serverProc is the mock server binary running as its own process, so its
// memory and CPU can be read apart from the load generator's.
type serverProc struct {
	cmd    *exec.Cmd
	base   string
	exited chan error
	inproc *mockserver.Server // set instead of cmd when profiling in this process
}

// startInProcess runs the mock server with cfg inside this process, so a
// profile can see it (-profile-load, -profile-streams); its CPU and memory
// figures then include the load generator's.
func startInProcess(cfg mockserver.Config) (*serverProc, error) {
	srv, err := mockserver.New(cfg)
	if err != nil {
		return nil, err
	}
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		return nil, errors.Join(err, srv.Close())
	}
	return &serverProc{base: base, inproc: srv}, nil
}

// startServerProc runs bin with args on a free loopback port and waits for
// its "listening on" line.
func startServerProc(bin string, args ...string) (*serverProc, error) {
	cmd := exec.Command(bin, append([]string{"--addr", "127.0.0.1:0"}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("mock server stdout: %w", err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	p := &serverProc{cmd: cmd, exited: make(chan error, 1)}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill() // it did not start properly
		return nil, fmt.Errorf("the mock server printed nothing: %w", err)
	}
	const prefix = "Linkdesk mock server listening on "
	if !strings.HasPrefix(line, prefix) {
		_ = cmd.Process.Kill() // not the server we expect
		return nil, fmt.Errorf("unexpected first line of the mock server: %q", line)
	}
	p.base = strings.TrimSpace(strings.TrimPrefix(line, prefix))
	go func() { _, _ = io.Copy(io.Discard, out) }() // keep its stdout flowing
	go func() { p.exited <- cmd.Wait() }()
	return p, nil
}

func (p *serverProc) pid() int {
	if p.inproc != nil {
		return os.Getpid()
	}
	return p.cmd.Process.Pid
}

func (p *serverProc) rss() (int64, error) { return rssBytes(p.pid()) }

// cpu is the server's CPU time so far; 0 if it cannot be read (the figures
// built from it then show 0 rather than stopping the run).
func (p *serverProc) cpu() time.Duration {
	d, err := cpuTime(p.pid())
	if err != nil {
		return 0
	}
	return d
}

// stop interrupts the server and waits up to 10 s for it to exit.
func (p *serverProc) stop() {
	if p.inproc != nil {
		_ = p.inproc.Close() // the benchmark is over; a slow close changes nothing
		return
	}
	_ = p.cmd.Process.Signal(os.Interrupt) // it may be gone already
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill() // it would not stop
		<-p.exited
	}
}

// postJSON sends body (nil for none) to url with an optional bearer token
// and Linkdesk-Device fingerprint, and returns status and answer.
func postJSON(ctx context.Context, hc *http.Client, method, url, bearer, device string, body []byte) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if device != "" {
		req.Header.Set(pairing.HeaderDevice, device)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close() // read in full below
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// errStatus reports an answer that was not the one expected.
func errStatus(what string, got, want int, body []byte) error {
	return fmt.Errorf("%s: HTTP %d, want %d: %s", what, got, want, bytes.TrimSpace(body))
}
