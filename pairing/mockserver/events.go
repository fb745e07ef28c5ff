package mockserver

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
)

// subscriberBuffer is how many events may queue for one stream; a stream
// that falls further behind is closed and its client reconnects.
const subscriberBuffer = 32

// sseEvent is one server-sent event. A terminal event is the last of its stream.
type sseEvent struct {
	name     string
	data     []byte // one line of JSON
	terminal bool
}

func newEvent(name string, v any, terminal bool) sseEvent {
	data, err := marshalJSON(v)
	if err != nil {
		// Only server-made values are encoded; fall back to an empty object.
		data = []byte("{}")
	}
	return sseEvent{name: name, data: data, terminal: terminal}
}

// subscription is one open event stream. Until it is handed off (see
// handoff.go) its handler reads ch and done; afterwards the hub writes to conn.
type subscription struct {
	key  string
	ch   chan sseEvent
	done chan struct{} // closed when the stream must end without a further event
	once sync.Once
	conn *streamConn // the handed-off connection, or nil; guarded by hub.mu
}

func (sub *subscription) end() { sub.once.Do(func() { close(sub.done) }) }

// hub fans events out to the open streams of each key.
type hub struct {
	mu     sync.Mutex
	subs   map[string]map[*subscription]struct{}
	closed bool
}

func newHub() *hub { return &hub{subs: make(map[string]map[*subscription]struct{})} }

// subscribe opens a stream for key; on a closed hub the stream is already ended.
func (h *hub) subscribe(key string) *subscription {
	sub := &subscription{key: key, ch: make(chan sseEvent, subscriberBuffer), done: make(chan struct{})}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		sub.end()
		return sub
	}
	if h.subs[key] == nil {
		h.subs[key] = make(map[*subscription]struct{})
	}
	h.subs[key][sub] = struct{}{}
	return sub
}

func (h *hub) unsubscribe(sub *subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.removeLocked(sub)
}

func (h *hub) removeLocked(sub *subscription) {
	if m := h.subs[sub.key]; m != nil {
		delete(m, sub)
		if len(m) == 0 {
			delete(h.subs, sub.key)
		}
	}
}

// publish sends ev to every stream of key. After a terminal event the
// streams are detached: nothing more will reach them. Handed-off streams are
// written after the hub's lock is released.
func (h *hub) publish(key string, ev sseEvent) {
	var direct []*streamConn
	defer func() {
		for _, sc := range direct {
			sc.flush()
		}
	}()
	h.mu.Lock()
	defer h.mu.Unlock()
	var evChunk []byte
	for sub := range h.subs[key] {
		if sub.conn != nil {
			if evChunk == nil {
				evChunk = eventChunk(ev)
			}
			if !sub.conn.push(evChunk, ev.terminal) {
				h.removeLocked(sub)
			}
			direct = append(direct, sub.conn)
			continue
		}
		select {
		case sub.ch <- ev:
			if ev.terminal {
				h.removeLocked(sub)
			}
		default: // too slow: end it, the client reconnects and reads the current state
			h.removeLocked(sub)
			sub.end()
		}
	}
}

// end closes every stream of key without an event.
func (h *hub) end(key string) {
	h.mu.Lock()
	var direct []*streamConn
	for sub := range h.subs[key] {
		h.removeLocked(sub)
		direct = h.endLocked(sub, direct)
	}
	h.mu.Unlock()
	for _, sc := range direct {
		sc.flush()
	}
}

// endLocked ends sub; a handed-off stream is added to direct, to be flushed
// (its response ended and its connection closed) once h.mu is released.
func (h *hub) endLocked(sub *subscription, direct []*streamConn) []*streamConn {
	sub.end()
	if sub.conn == nil {
		return direct
	}
	sub.conn.push(nil, true)
	return append(direct, sub.conn)
}

// keys returns the keys with open streams.
func (h *hub) keys() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]string, 0, len(h.subs))
	for k := range h.subs {
		out = append(out, k)
	}
	return out
}

// endAll closes every stream, handed-off ones included; the hub stays usable.
func (h *hub) endAll() {
	h.mu.Lock()
	var direct []*streamConn
	for _, m := range h.subs {
		for sub := range m {
			direct = h.endLocked(sub, direct)
		}
	}
	h.subs = make(map[string]map[*subscription]struct{})
	h.mu.Unlock()
	for _, sc := range direct {
		sc.flush()
	}
}

// closeAll ends every stream and refuses new ones.
func (h *hub) closeAll() {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	h.endAll()
}

// serveEvents writes a text/event-stream: first the initial events, then
// whatever sub receives, with a heartbeat comment every Config.Heartbeat, until
// a terminal event, the end of sub or the client leaving. When it can (see
// handoff.go) it hands the connection to h after the initial events and
// returns; h then writes the rest.
func (s *Server) serveEvents(w http.ResponseWriter, r *http.Request, h *hub, sub *subscription, initial ...sseEvent) {
	handedOff := false
	defer func() {
		if !handedOff {
			h.unsubscribe(sub)
		}
	}()
	rc := http.NewResponseController(w)
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Accel-Buffering", "no")
	handOff := canHandOff(r)
	if handOff {
		// The hub closes the connection when the stream ends; say so, so the
		// client does not keep it for another request.
		hd.Set("Connection", "close")
	}
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprint(w, ": connected\n\n"); err != nil {
		return
	}
	for _, ev := range initial {
		if writeEvent(w, ev) != nil || ev.terminal {
			_ = rc.Flush() // best effort: the stream ends here either way
			return
		}
	}
	if rc.Flush() != nil {
		return
	}
	if handOff {
		// Everything written so far is flushed, so Hijack loses nothing; it
		// fails when a middleware's writer cannot hijack (a fault's body swap).
		if conn, _, err := rc.Hijack(); err == nil {
			h.handOff(sub, conn)
			handedOff = true
			return
		}
	}
	heartbeat := time.NewTicker(s.cfg.Heartbeat)
	defer heartbeat.Stop()
	for {
		select {
		case ev := <-sub.ch:
			if writeEvent(w, ev) != nil || rc.Flush() != nil || ev.terminal {
				return
			}
		case <-heartbeat.C:
			if _, err := fmt.Fprint(w, ": heartbeat\n\n"); err != nil || rc.Flush() != nil {
				return
			}
		case <-sub.done:
			return
		case <-r.Context().Done():
			return
		}
	}
}

func writeEvent(w http.ResponseWriter, ev sseEvent) error {
	_, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev.name, ev.data)
	return err
}

// grantReplay keeps the grant of an approved login in memory until the
// pending login would have expired, so a desktop whose event stream dropped
// at the moment of approval still receives its token on reconnecting. It is
// never written to the store, and only handed to the desktop that started
// the login.
type grantReplay struct {
	mu     sync.Mutex
	grants map[string]replayedGrant
}

type replayedGrant struct {
	grant       pairing.Grant
	fingerprint string // of the desktop that started the login
	until       time.Time
}

func newGrantReplay() *grantReplay { return &grantReplay{grants: make(map[string]replayedGrant)} }

func (g *grantReplay) put(loginID string, grant pairing.Grant, fingerprint string, until time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.grants[loginID] = replayedGrant{grant: grant, fingerprint: fingerprint, until: until}
}

// get returns the grant of loginID if device (the caller's Linkdesk-Device
// header) is the desktop that started it and its time is not up.
func (g *grantReplay) get(loginID, device string, now time.Time) (pairing.Grant, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	rg, ok := g.grants[loginID]
	if !ok || !now.Before(rg.until) || !sameDevice(device, rg.fingerprint) {
		return pairing.Grant{}, false
	}
	return rg.grant, true
}

// drop forgets grants whose time is up, or all of them with a zero now.
func (g *grantReplay) drop(now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for id, rg := range g.grants {
		if now.IsZero() || !now.Before(rg.until) {
			delete(g.grants, id)
		}
	}
}
