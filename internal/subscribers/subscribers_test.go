package subscribers

import (
	"sync"
	"testing"
)

func TestAddRemoveSnapshot(t *testing.T) {
	var s Set[func() int]
	if n := len(s.Snapshot()); n != 0 {
		t.Fatalf("empty set has %d callbacks", n)
	}
	removeOne := s.Add(func() int { return 1 })
	s.Add(func() int { return 2 })
	sum := 0
	for _, f := range s.Snapshot() {
		sum += f()
	}
	if sum != 3 {
		t.Fatalf("both callbacks: sum %d, want 3", sum)
	}
	removeOne()
	removeOne() // a second remove takes nothing else out
	got := s.Snapshot()
	if len(got) != 1 || got[0]() != 2 {
		t.Fatalf("after removing the first: %d callbacks", len(got))
	}
}

// A callback may change the set while the snapshot it came from is called.
func TestCallbacksMayChangeTheSet(t *testing.T) {
	var s Set[func()]
	var remove func()
	calls := 0
	remove = s.Add(func() { calls++; remove(); s.Add(func() {}) })
	for _, f := range s.Snapshot() {
		f()
	}
	if calls != 1 {
		t.Fatalf("calls %d", calls)
	}
	if n := len(s.Snapshot()); n != 1 {
		t.Fatalf("after the callback removed itself and added one: %d callbacks, want 1", n)
	}
}

func TestConcurrentUse(t *testing.T) {
	var s Set[func()]
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				remove := s.Add(func() {})
				_ = s.Snapshot()
				remove()
			}
		}()
	}
	wg.Wait()
	if n := len(s.Snapshot()); n != 0 {
		t.Fatalf("every callback was removed, yet %d are left", n)
	}
}
