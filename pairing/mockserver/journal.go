package mockserver

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/linkdesk/linkdesk/internal/httprecord"
	"github.com/linkdesk/linkdesk/pairing"
)

// maxJournalBody bounds each body kept in the journal.
const maxJournalBody = 16 << 10

// JournalEntry is one request as the journal (GET /mock/v1/requests) keeps
// it, with every secret redacted: passwords, codes, tokens, the QR secret and
// the Authorization header.
type JournalEntry struct {
	Time         time.Time         `json:"time"` // server clock
	RequestID    string            `json:"request_id"`
	Method       string            `json:"method"`
	Path         string            `json:"path"`
	RemoteIP     string            `json:"remote_ip"`
	Headers      map[string]string `json:"headers,omitempty"`
	RequestBody  json.RawMessage   `json:"request_body,omitempty"`
	Status       int               `json:"status"` // 0 when the connection was dropped
	ResponseBody json.RawMessage   `json:"response_body,omitempty"`
	Fault        string            `json:"fault,omitempty"` // what an injected fault did
	DurationMS   int64             `json:"duration_ms"`
}

// journal keeps the latest requests in a ring: once full, a new entry
// overwrites the oldest, so adding never copies the others.
type journal struct {
	mu      sync.Mutex
	entries []JournalEntry // at most size; in arrival order until full, then a ring
	oldest  int            // index of the oldest entry once the ring is full
	size    int
}

func newJournal(size int) *journal { return &journal{size: size} }

func (j *journal) add(e JournalEntry) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if len(j.entries) < j.size {
		j.entries = append(j.entries, e)
		return
	}
	j.entries[j.oldest] = e
	j.oldest = (j.oldest + 1) % len(j.entries)
}

// last returns up to n entries (all with n ≤ 0), newest last.
func (j *journal) last(n int) []JournalEntry {
	j.mu.Lock()
	defer j.mu.Unlock()
	count := len(j.entries)
	if n > 0 && n < count {
		count = n
	}
	out := make([]JournalEntry, 0, count)
	// Entry i in age order (0 is the oldest) sits at (oldest+i) mod len.
	for i := len(j.entries) - count; i < len(j.entries); i++ {
		out = append(out, j.entries[(j.oldest+i)%len(j.entries)])
	}
	return out
}

func (j *journal) clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.entries, j.oldest = nil, 0
}

// Requests returns the request journal, newest last, secrets redacted.
func (s *Server) Requests() []JournalEntry { return s.journal.last(0) }

type journalKey struct{}

// noteFault records on the request's journal entry what a fault did.
func noteFault(r *http.Request, f Fault) {
	e, ok := r.Context().Value(journalKey{}).(*JournalEntry)
	if !ok {
		return
	}
	var parts []string
	if f.Delay > 0 {
		parts = append(parts, "delay "+f.Delay.String())
	}
	if f.Drop {
		parts = append(parts, "drop")
	}
	if f.Status != 0 {
		parts = append(parts, "status "+http.StatusText(f.Status))
	}
	if f.Body != "" {
		parts = append(parts, "body replaced")
	}
	e.Fault = f.ID + ": " + strings.Join(parts, ", ")
}

// recordRequests adds every request outside /mock/ to the journal once it is
// answered, and logs every request (tester calls too) at debug level.
func (s *Server) recordRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if untouchable(r.URL.Path) {
			start := time.Now()
			rw := &httprecord.Writer{ResponseWriter: w} // the status only
			next.ServeHTTP(rw, r)
			s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", rw.Status,
				"request_id", requestID(w, r), "duration_ms", time.Since(start).Milliseconds())
			return
		}
		start := time.Now()
		e := &JournalEntry{
			Time: s.clock.Now(), RequestID: requestID(w, r), Method: r.Method, Path: r.URL.Path,
			RemoteIP: clientIP(r), Headers: journalHeaders(r.Header),
		}
		var prefix []byte
		if r.Body != nil && r.Body != http.NoBody {
			prefix, _ = io.ReadAll(io.LimitReader(r.Body, maxJournalBody+1)) // a read error reaches the handler too
			r.Body = readCloser{io.MultiReader(bytes.NewReader(prefix), r.Body), r.Body}
			if len(prefix) <= maxJournalBody {
				e.RequestBody = redactJSON(prefix)
			}
		}
		rw := &httprecord.Writer{ResponseWriter: w, Keep: maxJournalBody + 1} // one more: too long to journal
		defer func() {
			e.Status = rw.Status
			if !rw.Stream && len(rw.Body) <= maxJournalBody {
				e.ResponseBody = redactJSON(rw.Body)
			}
			e.DurationMS = time.Since(start).Milliseconds()
			s.journal.add(*e)
			s.log.Debug("request", "method", e.Method, "path", e.Path, "status", e.Status,
				"request_id", e.RequestID, "duration_ms", e.DurationMS, "fault", e.Fault)
		}()
		next.ServeHTTP(rw, r.WithContext(context.WithValue(r.Context(), journalKey{}, e)))
	})
}

type readCloser struct {
	io.Reader
	io.Closer
}

// journalHeaders keeps the headers worth seeing, with the secret one redacted.
func journalHeaders(h http.Header) map[string]string {
	out := make(map[string]string)
	for _, name := range []string{"Authorization", pairing.HeaderDevice, ClientIPHeader, "User-Agent", "Content-Type", "Accept"} {
		v := h.Get(name)
		if v == "" {
			continue
		}
		if name == "Authorization" {
			v = redactAuthorization(v)
		}
		out[name] = v
	}
	return out
}

// redactAuthorization hides every Authorization value: only a well-formed
// "Bearer " or "Basic " scheme is kept, so no odd shape (no scheme, a tab,
// two spaces) can carry the credential into the journal.
func redactAuthorization(v string) string {
	scheme, _, ok := strings.Cut(v, " ")
	if ok && (strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "Basic")) {
		return scheme + " " + redacted
	}
	return redacted
}
