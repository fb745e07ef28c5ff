// Package httprecord keeps what a handler answered while passing it all
// through: the mock server's request journal and the OpenAPI check of the
// tests both read the status and the start of the body this way.
package httprecord

import (
	"bufio"
	"net"
	"net/http"
	"strings"
)

// Writer wraps an http.ResponseWriter. It keeps the status, up to Keep bytes
// of the body (none of an event stream's, which may run for hours), and
// whether the connection was taken over. Flushing and hijacking reach the
// wrapped writer, through Unwrap too.
type Writer struct {
	http.ResponseWriter
	Keep int // body bytes kept at most; 0 keeps none

	Status   int    // the status written, 0 before the handler wrote anything
	Body     []byte // the first Keep bytes of the body
	Stream   bool   // the answer is text/event-stream
	Hijacked bool   // the handler took the connection over
}

// WriteHeader notes the first status and whether it starts an event stream.
func (w *Writer) WriteHeader(code int) {
	if w.Status == 0 {
		w.Status = code
		w.Stream = strings.HasPrefix(w.Header().Get("Content-Type"), "text/event-stream")
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write keeps what fits in Keep and passes p on.
func (w *Writer) Write(p []byte) (int, error) {
	if w.Status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if !w.Stream && len(w.Body) < w.Keep {
		w.Body = append(w.Body, p[:min(len(p), w.Keep-len(w.Body))]...)
	}
	return w.ResponseWriter.Write(p)
}

// Flush flushes the wrapped writer, if it can.
func (w *Writer) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }

// Hijack takes the connection over from the wrapped writer and notes it.
func (w *Writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.Hijacked = true
	}
	return conn, rw, err
}

// Unwrap is the wrapped writer, for http.ResponseController.
func (w *Writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }
