package mockserver

import (
	"sync"
	"time"

	"github.com/linkdesk/linkdesk/internal/subscribers"
)

// Clock is the server's notion of now. Every lifetime, lock and limit reads
// it, so testers can move time forward (Advance) instead of waiting. It never
// goes backwards.
//
// A real clock follows the system clock plus everything advanced so far; a
// fake clock stands still until advanced. Both are safe for concurrent use.
type Clock struct {
	mu     sync.Mutex
	fake   bool
	start  time.Time               // fake: the starting instant
	offset time.Duration           // everything advanced so far
	hooks  subscribers.Set[func()] // run after every Advance
}

// NewClock returns a clock that follows the system clock.
func NewClock() *Clock { return &Clock{} }

// NewFakeClock returns a clock frozen at start; only Advance moves it.
func NewFakeClock(start time.Time) *Clock { return &Clock{fake: true, start: start.UTC()} }

// Now returns the current time in UTC (a real clock to the millisecond).
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked()
}

func (c *Clock) nowLocked() time.Time {
	if c.fake {
		return c.start.Add(c.offset)
	}
	return time.Now().Add(c.offset).UTC().Truncate(time.Millisecond) // milliseconds read better and sort well enough
}

// advanced is everything Advance moved the clock so far.
func (c *Clock) advanced() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.offset
}

// Advance moves the clock forward by d (d ≤ 0 does nothing) and, before it
// returns, lets every server using this clock process what became due: QR
// codes rotate, pending logins and sessions expire.
func (c *Clock) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
	for _, h := range c.hooks.Snapshot() {
		h()
	}
}

// onAdvance registers f to run after every Advance; the returned func removes it.
func (c *Clock) onAdvance(f func()) (remove func()) { return c.hooks.Add(f) }
