package pairing

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"mime"
	"net/http"
	"time"
	"unicode/utf8"
)

// streamConfig holds the reconnection policy of a Client's streams.
type streamConfig struct {
	idle        time.Duration
	delay       time.Duration
	maxDelay    time.Duration
	maxFailures int
	sleep       func(ctx context.Context, d time.Duration) error
}

func newStreamConfig(opts Options) streamConfig {
	sc := streamConfig{
		idle:        durationOr(opts.StreamIdleTimeout, DefaultStreamIdleTimeout),
		delay:       durationOr(opts.ReconnectDelay, DefaultReconnectDelay),
		maxDelay:    durationOr(opts.MaxReconnectDelay, DefaultMaxReconnectDelay),
		maxFailures: opts.StreamMaxFailures,
		sleep:       opts.Sleep,
	}
	if sc.maxFailures == 0 {
		sc.maxFailures = DefaultStreamMaxFailures
	}
	if sc.sleep == nil {
		sc.sleep = Sleep
	}
	sc.maxDelay = max(sc.maxDelay, sc.delay)
	return sc
}

// Sleep waits d or until ctx ends, whichever comes first; it is the
// default of Options.Sleep, and the desktop's retries wait with it too.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// streamHandler turns the events of one stream into typed values.
type streamHandler interface {
	// event handles a dispatched event; true ends the stream.
	event(ev sseEvent) bool
	// fail delivers a permanent failure (or its meaning as an event) and ends
	// the stream.
	fail(err *Error)
}

// attempt is the outcome of one connection of a stream.
type attempt struct {
	done       bool          // the handler ended the stream or ctx ended
	permanent  bool          // err will not go away by reconnecting
	err        *Error        // why the connection ended
	productive bool          // the connection worked for a while: it was a drop, not a failed connect
	retryAfter time.Duration // how long an error answer asked us to wait, 0 if not said
}

// follow connects to path and reconnects until h ends the stream, a
// permanent error, too many failed connects in a row, or ctx ends.
func (c *Client) follow(ctx context.Context, path string, cr Credentials, h streamHandler) {
	sc := c.stream
	var lastID string
	var retryHint time.Duration
	failures := 0
	for {
		a := c.connect(ctx, path, cr, h, &lastID, &retryHint)
		if a.done || ctx.Err() != nil {
			return
		}
		if a.permanent {
			h.fail(a.err)
			return
		}
		if a.productive {
			failures = 0
		} else {
			failures++
		}
		if sc.maxFailures > 0 && failures >= sc.maxFailures {
			h.fail(a.err)
			return
		}
		if err := sc.sleep(ctx, sc.backoff(failures, retryHint, a.retryAfter)); err != nil {
			return
		}
	}
}

// backoff is the wait before the next connect: exponential in failures from
// the base (the server's retry: hint if any), capped, with jitter in the upper
// half, and never shorter than Retry-After (itself capped).
func (sc streamConfig) backoff(failures int, retryHint, retryAfter time.Duration) time.Duration {
	base := sc.delay
	if retryHint > 0 {
		base = min(retryHint, sc.maxDelay)
	}
	d := base
	for i := 1; i < failures && d < sc.maxDelay; i++ {
		d *= 2
	}
	d = min(d, sc.maxDelay)
	if half := int64(d / 2); half > 0 {
		d = time.Duration(half + rand.Int64N(half+1))
	}
	return max(d, min(retryAfter, MaxRetryAfterWait))
}

// errIdle is the cancellation cause of a stream that went silent.
var errIdle = errors.New("no data from the server within the idle timeout")

// connect runs one connection of a stream.
func (c *Client) connect(ctx context.Context, path string, cr Credentials, h streamHandler,
	lastID *string, retryHint *time.Duration) attempt {
	cctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// One timer covers waiting for headers and every silence after them.
	idle := time.AfterFunc(c.stream.idle, func() { cancel(errIdle) })
	defer idle.Stop()

	req, perr := c.t.newRequest(cctx, http.MethodGet, path, nil)
	if perr != nil {
		return attempt{permanent: true, err: asPairingError(perr)}
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Cache-Control", "no-cache")
	if *lastID != "" && headerSafe(*lastID) {
		req.Header.Set("Last-Event-ID", *lastID)
	}
	if err := setAuth(req, cr.Token, cr.Fingerprint); err != nil {
		return attempt{permanent: true, err: asPairingError(err)}
	}
	resp, err := c.t.hc.Do(req)
	if err != nil {
		return c.streamFailure(ctx, cctx, err, false)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return c.streamRefused(resp)
	}
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err != nil || mt != "text/event-stream" {
		return attempt{err: c.t.badResponse(resp, "event stream has the wrong content type", err)}
	}
	body := &idleReader{r: resp.Body, timer: idle, idle: c.stream.idle}
	p := newSSEParser(body)
	opened := time.Now()
	for events := 0; ; events++ {
		ev, err := p.Next()
		*lastID = p.LastID()
		if p.Retry() > 0 {
			*retryHint = p.Retry()
		}
		if err != nil {
			// A stream that delivered events, or stayed open a good while
			// (at least until the idle timeout), worked: reconnect at the
			// base delay. One that keeps ending at once counts as failing.
			worked := events > 0 || time.Since(opened) >= min(c.stream.idle, c.stream.maxDelay)
			return c.streamFailure(ctx, cctx, err, worked)
		}
		if h.event(ev) {
			return attempt{done: true}
		}
	}
}

// streamRefused classifies a non-200 answer to a stream request.
func (c *Client) streamRefused(resp *http.Response) attempt {
	body, err := readCapped(resp.Body)
	if err != nil {
		body = nil // the status alone decides below
	}
	e := asPairingError(c.t.errorFromResponse(resp, body))
	a := attempt{err: e}
	if !e.RetryAt.IsZero() { // retry_at of the body, or Retry-After
		a.retryAfter = max(e.RetryAt.Sub(c.t.now()), 0)
	}
	if d, ok := retryAfter(resp.Header, c.t.now()); ok {
		a.retryAfter = max(a.retryAfter, d)
	}
	switch s := resp.StatusCode; {
	case s == http.StatusRequestTimeout || s == http.StatusTooManyRequests || s >= 500:
	case s >= 400:
		a.permanent = true
	}
	return a
}

// streamFailure classifies an error of Do or of reading the stream.
func (c *Client) streamFailure(ctx, cctx context.Context, err error, productive bool) attempt {
	if ctx.Err() != nil {
		return attempt{done: true}
	}
	var e *Error
	switch {
	case errors.Is(context.Cause(cctx), errIdle):
		e = &Error{Code: CodeTimeout, Message: "the event stream went silent", Err: errIdle}
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		e = &Error{Code: CodeStreamEnded, Message: "the server closed the event stream", Err: err}
	case errors.Is(err, errSSELineTooLong) || errors.Is(err, errSSEEventTooLarge):
		e = &Error{Code: CodeBadResponse, Message: "the event stream is malformed", Err: err}
	default:
		e = transportError(ctx, cctx, err, "the event stream was interrupted")
	}
	return attempt{err: e, productive: productive}
}

// asPairingError returns err as an *Error (every error of this package is one).
func asPairingError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: CodeNetwork, Message: "unexpected failure", Err: err}
}

// idleReader pushes a stream's idle deadline back on every read that
// returns data.
type idleReader struct {
	r     io.Reader
	timer *time.Timer
	idle  time.Duration
}

func (r *idleReader) Read(b []byte) (int, error) {
	n, err := r.r.Read(b)
	if n > 0 {
		r.timer.Reset(r.idle)
	}
	return n, err
}

// decodeEventData unmarshals the JSON data of an event.
func decodeEventData(ev sseEvent, out any) *Error {
	if !utf8.ValidString(ev.Data) {
		return &Error{Code: CodeBadResponse, Message: "event " + safeEventName(ev.Type) + " is not valid UTF-8"}
	}
	if err := json.Unmarshal([]byte(ev.Data), out); err != nil {
		return &Error{Code: CodeBadResponse, Message: "event " + safeEventName(ev.Type) + " has malformed data", Err: err}
	}
	return nil
}

func safeEventName(t string) string {
	if len(t) > 16 || !isIDChars(t) {
		return "(unprintable)"
	}
	return `"` + t + `"`
}
