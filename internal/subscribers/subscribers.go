// Package subscribers keeps a set of callbacks that come and go while other
// goroutines call them: the desktop's state notifier and the mock server's
// clock both hold one.
package subscribers

import "sync"

// Set is a set of callbacks of type F; its zero value is empty and ready.
// It is safe for concurrent use.
type Set[F any] struct {
	mu   sync.Mutex
	fns  map[int]F
	next int
}

// Add puts f in the set; the returned func takes it out again (once is
// enough; more calls do nothing).
func (s *Set[F]) Add(f F) (remove func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fns == nil {
		s.fns = map[int]F{}
	}
	id := s.next
	s.next++
	s.fns[id] = f
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.fns, id)
	}
}

// Snapshot returns the callbacks in the set now, in no particular order, so
// the caller can call them without holding any lock: a callback may then add
// or remove callbacks itself.
func (s *Set[F]) Snapshot() []F {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]F, 0, len(s.fns))
	for _, f := range s.fns {
		out = append(out, f)
	}
	return out
}
