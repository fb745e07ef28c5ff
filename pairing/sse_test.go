package pairing

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// sseCases is the table of TestSSEParser and the seed corpus of FuzzSSEParser.
var sseCases = []struct {
	name    string
	in      string
	want    []sseEvent
	retry   time.Duration
	wantErr error // the error after the last event; nil means io.EOF
}{
	{name: "qr event", in: "event: qr\ndata: {\"payload\":\"x\"}\n\n",
		want: []sseEvent{{Type: "qr", Data: `{"payload":"x"}`}}},
	{name: "multi-line data joined with LF", in: "data: a\ndata: b\n\n",
		want: []sseEvent{{Type: "message", Data: "a\nb"}}},
	{name: "CRLF line ends", in: "event: approved\r\ndata: {}\r\n\r\n",
		want: []sseEvent{{Type: "approved", Data: "{}"}}},
	{name: "CR line ends", in: "event: declined\rdata: {}\r\r",
		want: []sseEvent{{Type: "declined", Data: "{}"}}},
	{name: "CR CR LF is two line ends", in: "data: a\r\r\n",
		want: []sseEvent{{Type: "message", Data: "a"}}},
	{name: "heartbeat comments only", in: ": hb\n\n:\n\n", want: nil},
	{name: "comment inside an event", in: "event: qr\n: hb\ndata: 1\n\n",
		want: []sseEvent{{Type: "qr", Data: "1"}}},
	{name: "no space after the colon", in: "data:x\n\n", want: []sseEvent{{Type: "message", Data: "x"}}},
	{name: "only one space is stripped", in: "data:  x\n\n", want: []sseEvent{{Type: "message", Data: " x"}}},
	{name: "field without colon", in: "data\n\n", want: []sseEvent{{Type: "message", Data: ""}}},
	{name: "event without data is not dispatched and its type does not leak",
		in: "event: qr\n\ndata: x\n\n", want: []sseEvent{{Type: "message", Data: "x"}}},
	{name: "id persists across events", in: "id: 7\ndata: a\n\ndata: b\n\n",
		want: []sseEvent{{Type: "message", Data: "a", ID: "7"}, {Type: "message", Data: "b", ID: "7"}}},
	{name: "id with NUL is ignored", in: "id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n",
		want: []sseEvent{{Type: "message", Data: "a", ID: "1"}, {Type: "message", Data: "b", ID: "1"}}},
	{name: "retry in milliseconds", in: "retry: 1500\n\n", retry: 1500 * time.Millisecond},
	{name: "non-numeric retry is ignored", in: "retry: 1.5\nretry: -1\nretry:\n\n"},
	{name: "huge retry saturates", in: "retry: 99999999999999999999999\n\n", retry: 24 * time.Hour},
	{name: "byte order mark", in: "\uFEFFevent: qr\ndata: 1\n\n", want: []sseEvent{{Type: "qr", Data: "1"}}},
	{name: "unknown fields are ignored", in: "foo: bar\nevent: qr\ndata: 1\n\n",
		want: []sseEvent{{Type: "qr", Data: "1"}}},
	{name: "incomplete event at the end is discarded", in: "event: approved\ndata: {}\n"},
	{name: "unterminated line at the end is discarded", in: "data: a\n\ndata: b",
		want: []sseEvent{{Type: "message", Data: "a"}}},
	{name: "line too long", in: "data: " + strings.Repeat("x", MaxSSELine) + "\n\n", wantErr: errSSELineTooLong},
	{name: "event too large", in: strings.Repeat("data: "+strings.Repeat("x", MaxSSELine-10)+"\n", 17) + "\n",
		wantErr: errSSEEventTooLarge},
}

func TestSSEParser(t *testing.T) {
	for _, tc := range sseCases {
		t.Run(tc.name, func(t *testing.T) {
			// Whether the stream arrives at once or byte by byte
			for _, r := range []io.Reader{strings.NewReader(tc.in), iotest.OneByteReader(strings.NewReader(tc.in))} {
				// When it is parsed to the end
				got, p, err := parseAll(r)

				// Then the dispatched events, retry and final error are as the standard says.
				if !reflect.DeepEqual(got, tc.want) {
					t.Fatalf("events = %#v, want %#v", got, tc.want)
				}
				want := tc.wantErr
				if want == nil {
					want = io.EOF
				}
				if !errors.Is(err, want) {
					t.Fatalf("final error = %v, want %v", err, want)
				}
				if p.Retry() != tc.retry {
					t.Fatalf("retry = %v, want %v", p.Retry(), tc.retry)
				}
			}
		})
	}
}

func parseAll(r io.Reader) ([]sseEvent, *sseParser, error) {
	p := newSSEParser(r)
	var evs []sseEvent
	for {
		ev, err := p.Next()
		if err != nil {
			return evs, p, err
		}
		evs = append(evs, ev)
	}
}

// referenceSSE is a second, whole-string implementation of the standard's
// parsing rules, used as an oracle for inputs well under the size limits.
func referenceSSE(in string) []sseEvent {
	in = strings.ReplaceAll(in, "\r\n", "\n")
	in = strings.ReplaceAll(in, "\r", "\n")
	in = strings.TrimPrefix(in, "\uFEFF")
	lines := strings.Split(in, "\n")
	lines = lines[:len(lines)-1] // the last piece has no line end
	var out []sseEvent
	var typ, data, id string
	for _, l := range lines {
		if l == "" {
			if data != "" {
				ev := sseEvent{Type: typ, Data: strings.TrimSuffix(data, "\n"), ID: id}
				if ev.Type == "" {
					ev.Type = "message"
				}
				out = append(out, ev)
			}
			typ, data = "", ""
			continue
		}
		if l[0] == ':' {
			continue
		}
		k, v, ok := strings.Cut(l, ":")
		if ok && strings.HasPrefix(v, " ") {
			v = v[1:]
		}
		switch {
		case k == "event":
			typ = v
		case k == "data":
			data += v + "\n"
		case k == "id" && !strings.Contains(v, "\x00"):
			id = v
		}
	}
	return out
}

func FuzzSSEParser(f *testing.F) {
	for _, tc := range sseCases {
		if len(tc.in) < 4096 {
			f.Add(tc.in)
		}
	}
	f.Add("\r\n\r\n\r\r\n\n")
	f.Add("data: \xff\xfe\n\n")
	f.Add("event: approved\ndata: {\"token\":\"ldk_\n\n")
	f.Add(":" + strings.Repeat("\r", 100))
	f.Fuzz(func(t *testing.T, in string) {
		got, _, err := parseAll(strings.NewReader(in))
		for _, ev := range got {
			if strings.ContainsAny(ev.Type, "\r\n") || strings.ContainsAny(ev.ID, "\r\n\x00") ||
				strings.Contains(ev.Data, "\r") || len(ev.Data) > MaxSSEEvent {
				t.Fatalf("event breaks the format's guarantees: %#v", ev)
			}
		}
		chunked, _, cerr := parseAll(iotest.OneByteReader(strings.NewReader(in)))
		if !reflect.DeepEqual(got, chunked) || !errors.Is(cerr, err) {
			t.Fatalf("byte-by-byte reading changed the result: %#v / %v vs %#v / %v", got, err, chunked, cerr)
		}
		if len(in) < MaxSSELine {
			if !errors.Is(err, io.EOF) {
				t.Fatalf("small input ended with %v, want EOF", err)
			}
			if want := referenceSSE(in); !reflect.DeepEqual(got, want) {
				t.Fatalf("events = %#v, reference = %#v", got, want)
			}
		}
	})
}
