package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

// streamsResult is the mock server's memory with many desktops waiting.
type streamsResult struct {
	streams    int
	rssBefore  int64         // pending logins made, no stream open
	rssAfter   int64         // with every stream open, settled
	idleCPU    time.Duration // server CPU over idleFor with every stream open
	idleFor    time.Duration
	events     int64 // events the streams received while open (QR rotations)
	openTime   time.Duration
	loginsTime time.Duration
}

func (r streamsResult) perStream() int64 {
	return (r.rssAfter - r.rssBefore) / int64(max(r.streams, 1))
}

// streamsBench opens n login event streams at once against the mock server
// binary, each one a desktop showing the verify screen and waiting for the
// phone, and reads the server process's memory before and after.
// heap, when set, is called with every stream open (a heap profile).
func streamsBench(ctx context.Context, srv *serverProc, n int, idleFor time.Duration, heap func(), logf func(string, ...any)) (streamsResult, error) {
	res := streamsResult{streams: n, idleFor: idleFor}
	// Four at a time: five sign-ins of one account in flight at once lock it
	// (the server counts each as wrong until its hash is checked).
	const signinWorkers = 4
	hc := newLoadClient(signinWorkers)
	ids := make([]string, n)
	start := time.Now()
	err := parallel(n, signinWorkers, func(i int) error {
		// Marshalling strings cannot fail.
		body, _ := json.Marshal(pairing.LoginRequest{Email: mockserver.DemoEmail, Password: mockserver.DemoPassword,
			Device: pairing.Device{ID: fmt.Sprintf("dev%05d", i), Name: "BENCH", Platform: pairing.PlatformLinux, Fingerprint: fmt.Sprintf("fp%05d", i)}}) // plain values
		st, b, err := postJSON(ctx, hc, "POST", srv.base+"/v1/logins", "", "", body)
		if err != nil {
			return err
		}
		if st != 201 {
			return errStatus("sign-in", st, 201, b)
		}
		var pl pairing.PendingLogin
		if err := json.Unmarshal(b, &pl); err != nil {
			return err
		}
		ids[i] = pl.LoginID
		return nil
	})
	res.loginsTime = time.Since(start)
	if err != nil {
		return res, err
	}
	hc.CloseIdleConnections()
	logf("streams: %d pending logins in %s", n, res.loginsTime.Round(time.Millisecond))
	time.Sleep(3 * time.Second) // let the server's heap settle after the burst
	if res.rssBefore, err = srv.rss(); err != nil {
		return res, err
	}

	u, err := url.Parse(srv.base)
	if err != nil {
		return res, err
	}
	conns := make([]net.Conn, n)
	var events atomic.Int64
	var readers sync.WaitGroup
	start = time.Now()
	err = parallel(n, 64, func(i int) error {
		c, err := openStream(u.Host, ids[i], fmt.Sprintf("fp%05d", i))
		if err != nil {
			return fmt.Errorf("stream %d: %w", i, err)
		}
		conns[i] = c
		readers.Add(1)
		go func() {
			defer readers.Done()
			countEvents(c, &events)
		}()
		return nil
	})
	res.openTime = time.Since(start)
	defer func() {
		for _, c := range conns {
			if c != nil {
				_ = c.Close() // ending the benchmark's streams
			}
		}
		readers.Wait()
	}()
	if err != nil {
		return res, err
	}
	logf("streams: %d streams open in %s", n, res.openTime.Round(time.Millisecond))
	time.Sleep(3 * time.Second)
	events.Store(0)
	cpu0 := srv.cpu()
	select {
	case <-time.After(idleFor):
	case <-ctx.Done():
		return res, ctx.Err()
	}
	cpu1 := srv.cpu()
	res.idleCPU, res.events = cpu1-cpu0, events.Load()
	if res.rssAfter, err = srv.rss(); err != nil {
		return res, err
	}
	if heap != nil {
		heap()
	}
	logf("streams: server RSS %s before, %s with %d streams (%d B each); %s CPU over %s",
		mib(res.rssBefore), mib(res.rssAfter), n, res.perStream(), res.idleCPU, idleFor)
	return res, nil
}

// openStream connects a bare HTTP/1.1 event stream and reads up to its
// first event, so the server has certainly subscribed it.
func openStream(host, loginID, device string) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", host, 10*time.Second)
	if err != nil {
		return nil, err
	}
	req := "GET /v1/logins/" + loginID + "/events HTTP/1.1\r\nHost: " + host +
		"\r\nAccept: text/event-stream\r\nUser-Agent: linkdesk-bench\r\n" +
		pairing.HeaderDevice + ": " + device + "\r\n\r\n"
	if _, err := c.Write([]byte(req)); err != nil {
		_ = c.Close() // failed anyway
		return nil, err
	}
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second)) // cannot fail on a fresh TCP conn
	r := bufio.NewReaderSize(c, 512)
	status, err := r.ReadString('\n')
	if err != nil || !strings.Contains(status, " 200 ") {
		rest := make([]byte, 512)
		n, _ := r.Read(rest) // for the error message only
		_ = c.Close()        // failed anyway
		return nil, fmt.Errorf("status %q: %v: %q", strings.TrimSpace(status), err, rest[:n])
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			_ = c.Close() // failed anyway
			return nil, fmt.Errorf("reading the stream: %w", err)
		}
		if strings.Contains(line, "event: ") {
			break
		}
	}
	_ = c.SetReadDeadline(time.Time{}) // cannot fail on an open TCP conn
	return &bufferedConn{Conn: c, r: r}, nil
}

type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (b *bufferedConn) Read(p []byte) (int, error) { return b.r.Read(p) }

// countEvents reads a stream until it ends, counting "event:" lines.
func countEvents(c net.Conn, n *atomic.Int64) {
	sc := bufio.NewScanner(c)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "event: ") {
			n.Add(1)
		}
	}
}
