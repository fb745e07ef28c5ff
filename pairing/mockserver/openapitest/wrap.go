package openapitest

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/linkdesk/linkdesk/internal/httprecord"
)

// Handler wraps a server's handler: every request it serves is checked once
// its answer is written (so wrap the handler a test server serves, and close
// that server before the test ends).
func (c *Checker) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := &teeBody{ReadCloser: r.Body}
		if r.Body == nil || r.Body == http.NoBody {
			body.eof = true
		} else {
			r.Body = body
		}
		seen := r.Clone(r.Context())
		rw := &httprecord.Writer{ResponseWriter: w, Keep: maxKept}
		next.ServeHTTP(rw, r)
		if rw.Hijacked {
			return // a dropped connection or a stream handed off: nothing to check
		}
		body.mu.Lock()
		reqBody, complete := bytes.Clone(body.buf.Bytes()), body.eof
		body.mu.Unlock()
		c.check(exchange{req: seen, reqBody: reqBody, bodyComplete: complete, status: rw.Status,
			header: rw.Header().Clone(), body: rw.Body, stream: rw.Stream})
	})
}

// teeBody keeps what the server reads of a request body.
type teeBody struct {
	io.ReadCloser
	mu  sync.Mutex
	buf bytes.Buffer
	eof bool
}

func (t *teeBody) Read(p []byte) (int, error) {
	n, err := t.ReadCloser.Read(p)
	t.mu.Lock()
	if t.buf.Len() < maxKept {
		t.buf.Write(p[:n])
	}
	if errors.Is(err, io.EOF) {
		t.eof = true
	}
	t.mu.Unlock()
	return n, err
}

// Transport wraps a client's transport: every exchange is checked when its
// answer arrives (an event stream by its status and headers only).
func (c *Checker) Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		var reqBody []byte
		if req.Body != nil && req.Body != http.NoBody {
			var err error
			if reqBody, err = io.ReadAll(req.Body); err != nil {
				return nil, err
			}
			req.Body.Close()
			req.Body = io.NopCloser(bytes.NewReader(reqBody))
		}
		resp, err := base.RoundTrip(req)
		if err != nil {
			return resp, err
		}
		x := exchange{req: req, reqBody: reqBody, bodyComplete: true, status: resp.StatusCode, header: resp.Header}
		if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
			x.stream = true
			c.check(x)
			return resp, nil
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		x.body = body
		c.check(x)
		return resp, nil
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
