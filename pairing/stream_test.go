package pairing_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
)

// sleepLog replaces real reconnect waits and records them.
type sleepLog struct {
	mu     sync.Mutex
	delays []time.Duration
}

func (s *sleepLog) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.delays = append(s.delays, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleepLog) get() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.delays...)
}

// drain reads ch until it is closed, failing if that takes longer than limit.
func drain[E any](t *testing.T, ch <-chan E, limit time.Duration) []E {
	t.Helper()
	var got []E
	timeout := time.After(limit)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				return got
			}
			got = append(got, ev)
		case <-timeout:
			t.Fatalf("stream not closed after %v; events so far: %+v", limit, got)
		}
	}
}

// countingServer serves h and counts the requests.
func countingServer(t *testing.T, h func(w http.ResponseWriter, r *http.Request, n int)) (string, *atomic.Int32) {
	var n atomic.Int32
	base := brokenServer(t, func(w http.ResponseWriter, r *http.Request) {
		h(w, r, int(n.Add(1)))
	})
	return base, &n
}

// qrEvent is a qr event carrying payload.
func qrEvent(payload string) string {
	return fmt.Sprintf("event: qr\ndata: {\"payload\":%q}\n\n", payload)
}

func sseHeader(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(200)
}

func TestStreamGivesUpAfterRepeatedFailures(t *testing.T) {
	// Given a server that answers the event stream with an HTML page, always
	base, n := countingServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, "<html></html>")
	})
	var sl sleepLog
	c := newClient(t, base, pairing.Options{StreamMaxFailures: 3, ReconnectDelay: 100 * time.Millisecond, Sleep: sl.sleep})
	// When the desktop follows the login
	got := drain(t, c.LoginEvents(t.Context(), "lg1"), 5*time.Second)
	// Then it tried three times with growing waits, and reports one temporary error.
	if len(got) != 1 || got[0].Type != pairing.EventError {
		t.Fatalf("events = %+v, want one error", got)
	}
	assertCode(t, got[0].Err, pairing.CodeBadResponse)
	if !pairing.Temporary(got[0].Err) {
		t.Error("giving up on a broken server should be a temporary error")
	}
	if n.Load() != 3 {
		t.Errorf("connects = %d, want 3", n.Load())
	}
	d := sl.get()
	if len(d) != 2 || d[0] < 50*time.Millisecond || d[0] > 100*time.Millisecond || d[1] < 100*time.Millisecond || d[1] > 200*time.Millisecond {
		t.Errorf("waits = %v, want about 100ms then 200ms (jittered down by at most half)", d)
	}
}

func TestStreamHonoursRetryAfter(t *testing.T) {
	// Given a server in maintenance that asks to come back in 7 s
	base, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(503)
		_, _ = io.WriteString(w, `{"error":{"code":"maintenance","message":"back soon"}}`)
	})
	var sl sleepLog
	c := newClient(t, base, pairing.Options{StreamMaxFailures: 2, ReconnectDelay: 10 * time.Millisecond, Sleep: sl.sleep})
	// When the session stream connects
	got := drain(t, c.SessionEvents(t.Context(), pairing.Credentials{Token: secretToken, Fingerprint: "fp"}), 5*time.Second)
	// Then it waited at least 7 s before trying again, and finally reports maintenance.
	if d := sl.get(); len(d) != 1 || d[0] < 7*time.Second {
		t.Errorf("waits = %v, want one of at least 7s", d)
	}
	if len(got) != 1 || got[0].Type != pairing.EventError {
		t.Fatalf("events = %+v, want one error", got)
	}
	assertCode(t, got[0].Err, pairing.CodeMaintenance)
}

func TestLoginStreamRefusedWhenConnecting(t *testing.T) {
	cases := []struct {
		status   int
		code     string
		wantType string
	}{
		{404, pairing.CodeLoginNotFound, pairing.EventError},
		{410, pairing.CodeLoginExpired, pairing.EventExpired},
		{409, pairing.CodeLoginDeclined, pairing.EventDeclined},
		{400, pairing.CodeBadRequest, pairing.EventError},
	}
	for _, tc := range cases {
		t.Run(tc.code, func(t *testing.T) {
			// Given a server that refuses the stream for good
			base, n := countingServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				_, _ = fmt.Fprintf(w, `{"error":{"code":%q,"message":"no"}}`, tc.code)
			})
			var sl sleepLog
			c := newClient(t, base, pairing.Options{Sleep: sl.sleep})
			// When the desktop follows the login
			got := drain(t, c.LoginEvents(t.Context(), "lg1"), 5*time.Second)
			// Then one event says what happened, without retrying.
			if len(got) != 1 || got[0].Type != tc.wantType {
				t.Fatalf("events = %+v, want one %s", got, tc.wantType)
			}
			if tc.wantType == pairing.EventError {
				assertCode(t, got[0].Err, tc.code)
			}
			if n.Load() != 1 || len(sl.get()) != 0 {
				t.Errorf("connects = %d, waits = %v; want no retry", n.Load(), sl.get())
			}
		})
	}
}

func TestLoginStreamMalformedEvents(t *testing.T) {
	cases := []struct {
		name     string
		stream   string
		wantType []string
	}{
		{"approved with broken JSON", "event: approved\ndata: {\"token\":\n\n", []string{pairing.EventError}},
		{"approved without token", "event: approved\ndata: {\"session\":{\"id\":\"s\"}}\n\n", []string{pairing.EventError}},
		{"qr without payload", "event: qr\ndata: {}\n\n", []string{pairing.EventError}},
		{"qr not UTF-8", "event: qr\ndata: {\"payload\":\"\xff\"}\n\n", []string{pairing.EventError}},
		{"unknown events are skipped", "event: hello\ndata: {}\n\ndata: x\n\nevent: declined\ndata: {}\n\n", []string{pairing.EventDeclined}},
		{"same QR replayed is delivered once",
			qrEvent(qrFor("lg1", 1)) + qrEvent(qrFor("lg1", 1)) + qrEvent(qrFor("lg1", 2)) + "event: expired\ndata: {}\n\n",
			[]string{pairing.EventQR, pairing.EventQR, pairing.EventExpired}},
		{"qr of another login", qrEvent(qrFor("lg2", 1)), []string{pairing.EventError}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Given a server that sends these events, when the desktop follows the login,
			got := loginEventsOf(t, tc.stream)
			// Then it delivers the meaningful events, and a broken one ends the stream with an error.
			var types []string
			for _, ev := range got {
				types = append(types, ev.Type)
				if ev.Type == pairing.EventError {
					assertCode(t, ev.Err, pairing.CodeBadResponse)
				}
			}
			if strings.Join(types, ",") != strings.Join(tc.wantType, ",") {
				t.Fatalf("events = %v, want %v", types, tc.wantType)
			}
		})
	}
}

// loginEventsOf is what a desktop following login "lg1" delivers from a
// server that sends stream and then holds the connection open.
func loginEventsOf(t *testing.T, stream string) []pairing.LoginEvent {
	t.Helper()
	base, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		sseHeader(w)
		_, _ = io.WriteString(w, stream)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	c := newClient(t, base, pairing.Options{Sleep: (&sleepLog{}).sleep})
	return drain(t, c.LoginEvents(t.Context(), "lg1"), 5*time.Second)
}

func TestStreamReconnectSendsLastEventID(t *testing.T) {
	// Given a server that drops the first connection after an id and a heartbeat
	var sawID atomic.Value
	base, n := countingServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		sseHeader(w)
		if n == 1 {
			_, _ = io.WriteString(w, "id: 41\n: hb\n\n")
			return // the connection ends: a drop from the client's point of view
		}
		sawID.Store(r.Header.Get("Last-Event-ID"))
		_, _ = io.WriteString(w, "event: revoked\ndata: {}\n\n")
	})
	var sl sleepLog
	c := newClient(t, base, pairing.Options{Sleep: sl.sleep})
	// When the session stream reconnects
	got := drain(t, c.SessionEvents(t.Context(), pairing.Credentials{Token: secretToken, Fingerprint: "fp"}), 5*time.Second)
	// Then it tells the server where it was, and a reasonless revocation
	// still signs the desktop out.
	if n.Load() != 2 || sawID.Load() != "41" {
		t.Errorf("connects = %d, Last-Event-ID = %v; want 2 and 41", n.Load(), sawID.Load())
	}
	if len(got) != 1 || got[0].Type != pairing.EventRevoked || got[0].Reason != pairing.CodeSessionRevoked {
		t.Fatalf("events = %+v, want revoked/session_revoked", got)
	}
	if d := sl.get(); len(d) != 1 || d[0] > pairing.DefaultReconnectDelay {
		t.Errorf("waits = %v, want one short wait after a working stream dropped", d)
	}
}

func TestStreamOverlongLineIsAFailure(t *testing.T) {
	// Given a server that sends a line longer than the parser accepts
	base, n := countingServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		sseHeader(w)
		_, _ = io.WriteString(w, "data: "+strings.Repeat("x", pairing.MaxSSELine+1))
	})
	c := newClient(t, base, pairing.Options{StreamMaxFailures: 2, Sleep: (&sleepLog{}).sleep})
	// When the desktop follows the login
	got := drain(t, c.LoginEvents(t.Context(), "lg1"), 5*time.Second)
	// Then it does not buffer without end: it retries, then reports a bad response.
	if len(got) != 1 || got[0].Type != pairing.EventError || n.Load() != 2 {
		t.Fatalf("events = %+v after %d connects, want one error after 2", got, n.Load())
	}
	assertCode(t, got[0].Err, pairing.CodeBadResponse)
}

func TestStreamEndsWithContext(t *testing.T) {
	// Given a stream that is open but quiet
	base, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		sseHeader(w)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	c := newClient(t, base, pairing.Options{})
	ctx, cancel := context.WithCancel(t.Context())
	ch := c.LoginEvents(ctx, "lg1")
	// When the person leaves the screen
	time.AfterFunc(50*time.Millisecond, cancel)
	// Then the channel closes promptly without an event.
	if got := drain(t, ch, time.Second); len(got) != 0 {
		t.Fatalf("events = %+v, want none", got)
	}
}

func TestStreamRefusesBadInput(t *testing.T) {
	c := newClient(t, brokenServer(t, func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s", r.URL.Path)
	}), pairing.Options{})
	// When a stream is asked for without a login id or a token
	login := drain(t, c.LoginEvents(t.Context(), ""), time.Second)
	session := drain(t, c.SessionEvents(t.Context(), pairing.Credentials{}), time.Second)
	// Then each says why once and closes, without calling the server.
	if len(login) != 1 || login[0].Type != pairing.EventError {
		t.Fatalf("login events = %+v", login)
	}
	assertCode(t, login[0].Err, pairing.CodeBadRequest)
	if len(session) != 1 || session[0].Type != pairing.EventError {
		t.Fatalf("session events = %+v", session)
	}
	assertCode(t, session[0].Err, pairing.CodeInvalidToken)
}
