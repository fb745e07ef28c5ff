package app

import (
	"sync"

	"github.com/linkdesk/linkdesk/internal/subscribers"
)

// notifier delivers state snapshots to subscribers in order, from its own
// goroutine, so a subscriber may call back into the Core without deadlock.
type notifier struct {
	mu     sync.Mutex
	queue  []State
	subs   subscribers.Set[func(State)]
	closed bool
	wake   chan struct{} // capacity 1: a pending wake-up is enough
	done   chan struct{} // closed when run has returned
}

func newNotifier() *notifier {
	return &notifier{wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// subscribe adds fn; the returned func removes it.
func (n *notifier) subscribe(fn func(State)) func() { return n.subs.Add(fn) }

// publish queues s for delivery.
func (n *notifier) publish(s State) {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return
	}
	n.queue = append(n.queue, s)
	n.mu.Unlock()
	select {
	case n.wake <- struct{}{}:
	default: // a wake-up is already pending
	}
}

// run delivers until close; what is queued at close is still delivered.
func (n *notifier) run() {
	defer close(n.done)
	for range n.wake {
		for {
			n.mu.Lock()
			if len(n.queue) == 0 {
				closed := n.closed
				n.mu.Unlock()
				if closed {
					return
				}
				break
			}
			s := n.queue[0]
			n.queue = n.queue[1:]
			n.mu.Unlock()
			for _, fn := range n.subs.Snapshot() {
				fn(s)
			}
		}
	}
}

// close delivers what is queued, then stops run and waits for it.
func (n *notifier) close() {
	n.mu.Lock()
	n.closed = true
	n.mu.Unlock()
	select {
	case n.wake <- struct{}{}:
	default:
	}
	<-n.done
}
