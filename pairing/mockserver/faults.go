package mockserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
)

// faultHeader names the fault that hit a request, on its answer.
const faultHeader = "X-Linkdesk-Fault"

// maxFaultDelay bounds the delay a fault may add, and its Retry-After.
const maxFaultDelay = 10 * time.Minute

// maintenanceRetryAfter is the Retry-After of real maintenance and, unless
// the fault says otherwise, of a 503 fault.
const maintenanceRetryAfter = 5 * time.Second

// Fault makes matching requests misbehave on purpose, so testers can see how
// the desktop copes. Faults never apply to the tester controls under /mock/.
type Fault struct {
	ID          string        // assigned by AddFault
	Method      string        // "" matches every method
	Path        string        // "" matches every path; else a path.Match pattern ("/v1/logins/*/code"), or a prefix ending in "/**"
	Status      int           // answer this status without calling the API (0: call it)
	Delay       time.Duration // wait this long (real time) first
	Drop        bool          // close the connection without an answer
	Body        string        // replace the response body with this
	ContentType string        // Content-Type of Body; "" guesses JSON or plain text
	RetryAfter  time.Duration // Retry-After of a Status answer (whole seconds); 0: 5 s for 503, none otherwise
	Count       int           // how many matching requests; 0: once (or unlimited with a Probability); < 0: unlimited
	Probability float64       // share of matching requests hit, 0 < p ≤ 1; 0 means all
	remaining   int           // -1: unlimited
}

// faultWire is a Fault as the tester API reads and writes it.
type faultWire struct {
	ID          string          `json:"id,omitempty"`
	Method      string          `json:"method,omitempty"`
	Path        string          `json:"path,omitempty"`
	Status      int             `json:"status,omitempty"`
	Delay       string          `json:"delay,omitempty"`
	Drop        bool            `json:"drop,omitempty"`
	Body        json.RawMessage `json:"body,omitempty"` // a JSON string is used as text; anything else as JSON
	ContentType string          `json:"content_type,omitempty"`
	RetryAfter  int             `json:"retry_after,omitempty"` // seconds
	Count       int             `json:"count,omitempty"`
	Probability float64         `json:"probability,omitempty"`
	Remaining   *int            `json:"remaining,omitempty"` // answers only; absent when unlimited
}

func (f Fault) wire() faultWire {
	w := faultWire{ID: f.ID, Method: f.Method, Path: f.Path, Status: f.Status, Drop: f.Drop,
		ContentType: f.ContentType, RetryAfter: int(f.RetryAfter / time.Second), Count: f.Count, Probability: f.Probability}
	if f.Delay > 0 {
		w.Delay = f.Delay.String()
	}
	if f.Body != "" {
		w.Body, _ = json.Marshal(f.Body) // marshalling a string cannot fail
	}
	if f.remaining >= 0 {
		n := f.remaining
		w.Remaining = &n
	}
	return w
}

func (w faultWire) fault() (Fault, error) {
	f := Fault{Method: strings.ToUpper(strings.TrimSpace(w.Method)), Path: strings.TrimSpace(w.Path),
		Status: w.Status, Drop: w.Drop, ContentType: strings.TrimSpace(w.ContentType), Count: w.Count, Probability: w.Probability}
	if w.RetryAfter < 0 || w.RetryAfter > int(maxFaultDelay/time.Second) {
		return Fault{}, badRequest("retry_after must be between 0 and 600 seconds")
	}
	f.RetryAfter = time.Duration(w.RetryAfter) * time.Second
	if w.Delay != "" {
		d, err := time.ParseDuration(w.Delay)
		if err != nil {
			return Fault{}, badRequest("delay must be a Go duration such as \"2s\"")
		}
		f.Delay = d
	}
	if len(w.Body) > 0 && string(w.Body) != "null" {
		var text string
		if json.Unmarshal(w.Body, &text) == nil {
			f.Body = text
		} else {
			f.Body = string(w.Body)
		}
	}
	return f, nil
}

// check rejects faults that would do nothing or cannot be served.
func (f Fault) check() error {
	switch {
	case f.Status != 0 && (f.Status < 100 || f.Status > 599):
		return badRequest("status must be an HTTP status between 100 and 599")
	case f.Delay < 0 || f.Delay > maxFaultDelay:
		return badRequest("delay must be between 0 and 10m")
	case f.Probability < 0 || f.Probability > 1:
		return badRequest("probability must be between 0 and 1")
	case f.Status == 0 && f.Delay == 0 && !f.Drop && f.Body == "":
		return badRequest("a fault needs a status, delay, drop or body")
	case f.Drop && (f.Status != 0 || f.Body != ""):
		return badRequest("drop cannot be combined with status or body")
	case len(f.Body) > maxBodyBytes:
		return badRequest("body is too large")
	case f.RetryAfter < 0 || f.RetryAfter > maxFaultDelay:
		return badRequest("retry_after must be between 0 and 600 seconds")
	case f.ContentType != "" && !validContentType(f.ContentType):
		return badRequest("content_type must be a media type such as \"text/html; charset=utf-8\"")
	}
	if f.Path != "" {
		if _, err := path.Match(strings.TrimSuffix(f.Path, "/**"), "/"); err != nil {
			return badRequest("path is not a valid pattern")
		}
		if p := literalPrefix(f.Path); untouchable(p) || untouchable(strings.TrimSuffix(f.Path, "/**")) {
			return badRequest("faults never apply to /mock/, /healthz or /openapi.yaml; this one would never fire")
		}
	}
	return nil
}

// literalPrefix is the part of a path pattern before its first wildcard.
func literalPrefix(pattern string) string {
	if i := strings.IndexAny(pattern, `*?[\`); i >= 0 {
		return pattern[:i]
	}
	return pattern
}

// validContentType accepts a media type that is safe in a header.
func validContentType(ct string) bool {
	if len(ct) > 200 || !token68Spaces(ct) {
		return false
	}
	_, _, err := mime.ParseMediaType(ct)
	return err == nil
}

// token68Spaces reports whether s is visible ASCII and spaces only.
func token68Spaces(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

func (f Fault) matches(r *http.Request) bool {
	if f.Method != "" && f.Method != r.Method {
		return false
	}
	if f.Path == "" {
		return true
	}
	if prefix, ok := strings.CutSuffix(f.Path, "/**"); ok {
		return r.URL.Path == prefix || strings.HasPrefix(r.URL.Path, prefix+"/")
	}
	ok, err := path.Match(f.Path, r.URL.Path)
	return err == nil && ok
}

// faultList is the queue of active faults, first added first tried.
type faultList struct {
	mu     sync.Mutex
	faults []Fault
}

func newFaultList() *faultList { return &faultList{} }

func (l *faultList) add(f Fault) (Fault, error) {
	if err := f.check(); err != nil {
		return Fault{}, err
	}
	id, err := randomID(faultIDPrefix, 6)
	if err != nil {
		return Fault{}, err
	}
	f.ID = id
	switch {
	case f.Count > 0:
		f.remaining = f.Count
	case f.Count < 0 || f.Probability > 0:
		f.remaining = -1
	default:
		f.remaining = 1
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.faults = append(l.faults, f)
	return f, nil
}

func (l *faultList) list() []Fault {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Fault(nil), l.faults...)
}

func (l *faultList) clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.faults = nil
}

// take returns the fault that hits r, using up one of its counts.
func (l *faultList) take(r *http.Request) (Fault, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, f := range l.faults {
		if !f.matches(r) {
			continue
		}
		if f.Probability > 0 && f.Probability < 1 && rand.Float64() >= f.Probability {
			continue
		}
		if f.remaining > 0 {
			l.faults[i].remaining--
			if l.faults[i].remaining == 0 {
				l.faults = append(l.faults[:i], l.faults[i+1:]...)
			}
		}
		return f, true
	}
	return Fault{}, false
}

// AddFault queues a fault and returns it with its ID.
func (s *Server) AddFault(f Fault) (Fault, error) {
	added, err := s.faults.add(f)
	if err != nil {
		return Fault{}, fmt.Errorf("adding fault: %w", err)
	}
	return added, nil
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() { s.faults.clear() }

// injectFaults applies the first matching fault to every request of the protocol.
func (s *Server) injectFaults(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if untouchable(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		f, ok := s.faults.take(r)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		noteFault(r, f)
		w.Header().Set(faultHeader, f.ID) // tells testers (and the OpenAPI check) which answers a fault made
		if f.Delay > 0 {
			t := time.NewTimer(f.Delay)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		switch {
		case f.Drop:
			dropConnection(w)
		case f.Status != 0:
			s.writeFaultAnswer(w, r, f)
		case f.Body != "":
			swapBody(w, r, next, []byte(f.Body), f.ContentType)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// dropConnection closes the connection without an answer.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // HTTP/2: abort the stream instead
	}
	_ = conn.Close() // the point is to leave the client without an answer
}

// writeFaultAnswer answers a fault's status, with its body or an error body.
func (s *Server) writeFaultAnswer(w http.ResponseWriter, r *http.Request, f Fault) {
	if f.Body == "" {
		code := pairing.CodeInternal
		switch {
		case f.Status == http.StatusServiceUnavailable:
			code = pairing.CodeMaintenance
		case f.Status == http.StatusTooManyRequests:
			code = pairing.CodeTooManyRequests
		case f.Status == http.StatusUnauthorized:
			code = pairing.CodeUnauthorized
		case f.Status == http.StatusNotFound:
			code = pairing.CodeNotFound
		case f.Status < 500:
			code = pairing.CodeBadRequest
		}
		setRetryAfter(w, f)
		writeError(w, r, f.Status, code, "fault injected by the tester")
		return
	}
	h := w.Header()
	h.Set("Content-Type", bodyContentType(f))
	setRetryAfter(w, f)
	h.Set("Content-Length", strconv.Itoa(len(f.Body)))
	w.WriteHeader(f.Status)
	_, _ = w.Write([]byte(f.Body)) // a failed write means the client went away
}

// setRetryAfter sends the fault's Retry-After; a 503 says 5 s like real maintenance.
func setRetryAfter(w http.ResponseWriter, f Fault) {
	d := f.RetryAfter
	if d == 0 && f.Status == http.StatusServiceUnavailable {
		d = maintenanceRetryAfter
	}
	if d > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(d/time.Second)))
	}
}

// bodyContentType is the Content-Type of a fault's body: its own, else JSON
// for a JSON body and plain text for anything else.
func bodyContentType(f Fault) string {
	switch {
	case f.ContentType != "":
		return f.ContentType
	case json.Valid([]byte(f.Body)):
		return "application/json"
	}
	return "text/plain; charset=utf-8"
}

// swapBody runs the API but answers body instead of what it wrote. A stream
// is cut at its first flush, so the replaced body ends it.
func swapBody(w http.ResponseWriter, r *http.Request, next http.Handler, body []byte, contentType string) {
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	sw := &bodySwapWriter{w: w, body: body, contentType: contentType, cancel: cancel}
	next.ServeHTTP(sw, r.WithContext(ctx))
	sw.finish()
}

// bodySwapWriter keeps the status and headers the handler chose and swallows its body.
type bodySwapWriter struct {
	w           http.ResponseWriter
	body        []byte
	contentType string // replaces the handler's, when set
	cancel      context.CancelFunc
	status      int
	done        bool
}

func (b *bodySwapWriter) Header() http.Header { return b.w.Header() }

func (b *bodySwapWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bodySwapWriter) Write(p []byte) (int, error) {
	b.WriteHeader(http.StatusOK)
	return len(p), nil
}

// Flush sends the replaced body now and stops a streaming handler.
func (b *bodySwapWriter) Flush() {
	b.finish()
	b.cancel()
}

func (b *bodySwapWriter) finish() {
	if b.done {
		return
	}
	b.done = true
	b.WriteHeader(http.StatusOK)
	if b.contentType != "" {
		b.w.Header().Set("Content-Type", b.contentType)
	}
	b.w.Header().Set("Content-Length", strconv.Itoa(len(b.body)))
	b.w.WriteHeader(b.status)
	if _, err := b.w.Write(b.body); err != nil && !errors.Is(err, http.ErrBodyNotAllowed) {
		return // the client went away
	}
}

func isTesterPath(p string) bool { return p == "/mock" || strings.HasPrefix(p, "/mock/") }
