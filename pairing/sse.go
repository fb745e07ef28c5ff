package pairing

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"time"
)

// Limits of the server-sent events parser: a longer line or a larger event
// is a broken stream, not something to buffer without end.
const (
	MaxSSELine  = 64 << 10
	MaxSSEEvent = 1 << 20
)

// Errors of the SSE parser.
var (
	errSSELineTooLong   = errors.New("sse: line too long")
	errSSEEventTooLarge = errors.New("sse: event too large")
)

// sseEvent is one dispatched server-sent event.
type sseEvent struct {
	Type string // the event: field, "message" when absent
	Data string // data: lines joined with "\n"
	ID   string // the last event ID seen so far (it persists across events)
}

// sseParser reads the text/event-stream format of the WHATWG HTML standard
// (section 9.2.6): lines end in CRLF, LF or CR; a blank line dispatches;
// lines starting with ":" are comments (heartbeats); an incomplete event at
// the end of the stream is discarded.
type sseParser struct {
	r       *bufio.Reader
	line    []byte
	skipLF  bool // the previous line ended in CR; a following LF belongs to it
	started bool // the optional BOM has been handled

	typ    string
	data   strings.Builder
	lastID string
	retry  time.Duration // from the last valid retry: field, 0 if none
}

func newSSEParser(r io.Reader) *sseParser {
	return &sseParser{r: bufio.NewReaderSize(r, 4096)}
}

// Retry returns the reconnection time the server asked for, 0 if none.
func (p *sseParser) Retry() time.Duration { return p.retry }

// LastID returns the last event ID buffer, to send as Last-Event-ID.
func (p *sseParser) LastID() string { return p.lastID }

// Next returns the next dispatched event, or the error that ended the stream
// (io.EOF at a clean end).
func (p *sseParser) Next() (sseEvent, error) {
	for {
		line, err := p.readLine()
		if err != nil {
			return sseEvent{}, err
		}
		if !p.started {
			p.started = true
			line = strings.TrimPrefix(line, "\uFEFF")
		}
		if line == "" {
			if p.data.Len() == 0 {
				p.typ = ""
				continue
			}
			ev := sseEvent{Type: p.typ, Data: strings.TrimSuffix(p.data.String(), "\n"), ID: p.lastID}
			if ev.Type == "" {
				ev.Type = "message"
			}
			p.typ = ""
			p.data.Reset()
			return ev, nil
		}
		if err := p.field(line); err != nil {
			return sseEvent{}, err
		}
	}
}

// field processes one non-blank line.
func (p *sseParser) field(line string) error {
	if line[0] == ':' {
		return nil // comment or heartbeat
	}
	name, value, found := strings.Cut(line, ":")
	if found {
		value = strings.TrimPrefix(value, " ")
	}
	switch name {
	case "event":
		p.typ = value
	case "data":
		if p.data.Len()+len(value)+1 > MaxSSEEvent {
			return errSSEEventTooLarge
		}
		p.data.WriteString(value)
		p.data.WriteByte('\n')
	case "id":
		if !strings.ContainsRune(value, 0) {
			p.lastID = value
		}
	case "retry":
		if ms, ok := parseDigits(value); ok {
			p.retry = time.Duration(ms) * time.Millisecond
		}
	}
	return nil
}

// parseDigits parses a non-empty run of ASCII digits, saturating at one day
// so that a hostile value cannot overflow.
func parseDigits(s string) (int64, bool) {
	const limit = int64(24 * time.Hour / time.Millisecond)
	if s == "" {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = min(n*10+int64(c-'0'), limit)
	}
	return n, true
}

// readLine returns the next complete line without its terminator.
func (p *sseParser) readLine() (string, error) {
	p.line = p.line[:0]
	for {
		b, err := p.r.ReadByte()
		if err != nil {
			return "", err
		}
		if p.skipLF {
			p.skipLF = false
			if b == '\n' {
				continue
			}
		}
		switch b {
		case '\n':
			return string(p.line), nil
		case '\r':
			p.skipLF = true
			return string(p.line), nil
		}
		if len(p.line) >= MaxSSELine {
			return "", errSSELineTooLong
		}
		p.line = append(p.line, b)
	}
}
