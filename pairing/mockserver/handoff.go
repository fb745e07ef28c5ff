package mockserver

// Handed-off event streams.
//
// An idle event stream served the ordinary way costs net/http two goroutines
// (the handler and the connection's background reader) and their buffers,
// about 54 KiB a stream. So once a stream's first events are flushed,
// serveEvents takes the connection over (Hijack) and hands it to the hub: the
// handler returns, and from then on whoever publishes an event writes it
// straight to the connection as one HTTP/1.1 chunk of the response net/http
// started, and one ticker per server writes every stream's heartbeats. A
// handed-off stream costs a few KiB and no goroutine.
//
// Only connections accepted by Start are handed off: Close ends them, and
// nothing else knows of them. Under a caller's own http.Server (an
// httptest.Server, whose CloseClientConnections would no longer see them),
// over HTTP/2 (no Hijack) and for HTTP/1.0 (no chunks) streams keep the
// ordinary path.
//
// Nothing reads a handed-off connection, so a desktop that goes away is
// noticed when a write to it fails: at the next heartbeat, or the one after
// it (the first write after the peer's close usually still succeeds and only
// draws the reset that fails the next).

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// handOffWriteTimeout bounds each write to a handed-off stream. A write only
// waits when the desktop stopped reading and its socket buffers are full; the
// stream is then ended.
const handOffWriteTimeout = 5 * time.Second

// lastChunk ends a chunked HTTP/1.1 response.
const lastChunk = "0\r\n\r\n"

// handOffKey marks the context of connections accepted by Start.
type handOffKey struct{}

// markHandOff is Start's http.Server.ConnContext: streams on these
// connections may be handed off, since Close ends them.
func markHandOff(ctx context.Context, _ net.Conn) context.Context {
	return context.WithValue(ctx, handOffKey{}, true)
}

// canHandOff reports whether r's stream may be handed off once started: its
// connection was accepted by Start and speaks HTTP/1.1, so the response is chunked.
func canHandOff(r *http.Request) bool {
	owned, _ := r.Context().Value(handOffKey{}).(bool)
	return owned && r.ProtoMajor == 1 && r.ProtoMinor >= 1
}

// chunk frames p as one HTTP/1.1 chunk.
func chunk(p []byte) []byte { return fmt.Appendf(nil, "%x\r\n%s\r\n", len(p), p) }

// eventChunk is ev as it is written to a handed-off stream.
func eventChunk(ev sseEvent) []byte {
	return chunk(fmt.Appendf(nil, "event: %s\ndata: %s\n\n", ev.name, ev.data))
}

// heartbeatChunk is the heartbeat comment of a handed-off stream.
func heartbeatChunk() []byte { return chunk([]byte(": heartbeat\n\n")) }

// streamConn is the connection of a handed-off stream. Chunks are queued in
// order (the hub queues under its lock) and written outside every lock by
// flush; whoever finds a write in progress leaves its chunks to that writer.
type streamConn struct {
	conn net.Conn
	gone func() // removes the stream from its hub; called once, after conn is closed

	mu      sync.Mutex
	queue   [][]byte // chunks not yet written, oldest first
	ending  bool     // the last chunk is queued (or the stream failed): nothing more is taken
	writing bool     // a flush is writing the queue
	closed  bool
}

func newStreamConn(conn net.Conn, gone func()) *streamConn {
	return &streamConn{conn: conn, gone: gone}
}

// push queues c (nil for none) and, with last, the end of the response; it
// reports whether the stream still takes chunks. A stream more than
// subscriberBuffer chunks behind is ended instead: its desktop reconnects and
// reads the current state. Call flush afterwards.
func (s *streamConn) push(c []byte, last bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ending {
		return false
	}
	if len(s.queue) >= subscriberBuffer {
		c, last = nil, true
	}
	if c != nil {
		s.queue = append(s.queue, c)
	}
	if last {
		s.queue = append(s.queue, []byte(lastChunk))
		s.ending = true
	}
	return !s.ending
}

// flush writes the queued chunks, unless another goroutine is writing them
// already. After the last chunk, or when a write fails, it closes the
// connection and removes the stream from its hub.
func (s *streamConn) flush() {
	s.mu.Lock()
	if s.writing || s.closed {
		s.mu.Unlock()
		return
	}
	s.writing = true
	var err error
	for len(s.queue) > 0 && err == nil {
		batch := net.Buffers(s.queue)
		s.queue = nil
		s.mu.Unlock()
		err = s.write(batch)
		s.mu.Lock()
	}
	s.writing = false
	// The queue is empty here unless a write failed; once ending, the last chunk was in it.
	over := err != nil || s.ending
	if over {
		s.closed, s.ending, s.queue = true, true, nil
	}
	s.mu.Unlock()
	if over {
		_ = s.conn.Close() // the stream is over either way; the desktop reconnects if it wants more
		s.gone()
	}
}

// write sends chunks within handOffWriteTimeout.
func (s *streamConn) write(chunks net.Buffers) error {
	if err := s.conn.SetWriteDeadline(time.Now().Add(handOffWriteTimeout)); err != nil {
		return fmt.Errorf("setting the stream's write deadline: %w", err)
	}
	if _, err := chunks.WriteTo(s.conn); err != nil {
		return fmt.Errorf("writing to the stream: %w", err)
	}
	return nil
}

// handOff gives sub's hijacked connection to h. Events sub received before
// are written first; a stream that ended meanwhile is closed at once.
func (h *hub) handOff(sub *subscription, conn net.Conn) {
	sc := newStreamConn(conn, func() { h.unsubscribe(sub) })
	h.mu.Lock()
	_, open := h.subs[sub.key][sub]
	for drained := false; !drained; {
		select {
		case ev := <-sub.ch:
			open = sc.push(eventChunk(ev), ev.terminal) && open
		default:
			drained = true
		}
	}
	select {
	case <-sub.done:
		open = false
	default:
	}
	if open {
		sub.conn = sc
		sub.ch = nil // publish writes to sc from now on; free the buffer
	} else {
		sc.push(nil, true)
		h.removeLocked(sub)
	}
	h.mu.Unlock()
	sc.flush()
}

// heartbeat writes a heartbeat comment to every handed-off stream of h.
func (h *hub) heartbeat() {
	hb := heartbeatChunk()
	h.mu.Lock()
	var conns []*streamConn
	for _, m := range h.subs {
		for sub := range m {
			if sub.conn != nil {
				sub.conn.push(hb, false)
				conns = append(conns, sub.conn)
			}
		}
	}
	h.mu.Unlock()
	for _, sc := range conns {
		sc.flush()
	}
}

// sendHeartbeats sends the heartbeats of handed-off streams; it runs every
// Config.Heartbeat. (Streams on the ordinary path send their own.)
func (s *Server) sendHeartbeats() {
	s.logins.heartbeat()
	s.sessions.heartbeat()
}
