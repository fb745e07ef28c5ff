package httprecord

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestKeepsStatusAndTheStartOfTheBody(t *testing.T) {
	rec := httptest.NewRecorder()
	w := &Writer{ResponseWriter: rec, Keep: 5}
	// When a handler writes a body without a status, in two pieces,
	_, _ = io.WriteString(w, "abc")
	_, _ = io.WriteString(w, "defgh")
	// then the status is 200, the first 5 bytes are kept and everything passes on.
	if w.Status != http.StatusOK || string(w.Body) != "abcde" || w.Stream {
		t.Errorf("status %d, body %q, stream %v", w.Status, w.Body, w.Stream)
	}
	if rec.Body.String() != "abcdefgh" {
		t.Errorf("passed on %q", rec.Body.String())
	}
	// A second WriteHeader (which net/http ignores) does not change the status kept.
	w.WriteHeader(http.StatusTeapot)
	if w.Status != http.StatusOK {
		t.Errorf("status changed to %d", w.Status)
	}
}

func TestKeepsNothingOfAStreamOrWithoutKeep(t *testing.T) {
	rec := httptest.NewRecorder()
	stream := &Writer{ResponseWriter: rec, Keep: 100}
	stream.Header().Set("Content-Type", "text/event-stream")
	stream.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(stream, "event: qr\ndata: {}\n\n")
	stream.Flush()
	if !stream.Stream || len(stream.Body) != 0 || !rec.Flushed {
		t.Errorf("stream %v, body %q, flushed %v", stream.Stream, stream.Body, rec.Flushed)
	}
	none := &Writer{ResponseWriter: httptest.NewRecorder()}
	_, _ = io.WriteString(none, "secret")
	if len(none.Body) != 0 {
		t.Errorf("Keep 0 kept %q", none.Body)
	}
}

func TestNotesAHijack(t *testing.T) {
	hijacked := make(chan bool, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w := &Writer{ResponseWriter: rw}
		conn, _, err := w.Hijack()
		if err == nil {
			_, _ = io.WriteString(conn, "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
			conn.Close()
		}
		hijacked <- w.Hijacked
	}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !<-hijacked || resp.StatusCode != http.StatusNoContent {
		t.Errorf("hijack not noted, or the answer %d did not come through the taken connection", resp.StatusCode)
	}
}
