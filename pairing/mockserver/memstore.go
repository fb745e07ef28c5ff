package mockserver

import (
	"slices"
	"sync"
	"time"
)

// memGuard is the one lock of a memory store's tables, and whether the
// store is closed.
type memGuard struct {
	mu     sync.Mutex
	closed bool
}

// do runs fn under the lock unless the store is closed.
func (g *memGuard) do(fn func() error) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return errStoreClosed
	}
	return fn()
}

// guarded is do for calls that return a value.
func guarded[T any](g *memGuard, fn func() (T, error)) (T, error) {
	var out T
	err := g.do(func() error {
		var err error
		out, err = fn()
		return err
	})
	return out, err
}

// memTable is one kind of record kept in memory, under its store's lock.
// Records are cloned on the way in and out, so callers may keep them.
type memTable[T any] struct {
	g     *memGuard
	rows  map[string]T
	clone func(T) T
}

func newMemTable[T any](g *memGuard, clone func(T) T) *memTable[T] {
	if clone == nil {
		clone = func(v T) T { return v }
	}
	return &memTable[T]{g: g, rows: make(map[string]T), clone: clone}
}

func (t *memTable[T]) create(key string, v T) error {
	return t.g.do(func() error {
		if _, ok := t.rows[key]; ok {
			return errAlreadyExists
		}
		t.rows[key] = t.clone(v)
		return nil
	})
}

func (t *memTable[T]) get(key string) (T, error) {
	return guarded(t.g, func() (T, error) {
		v, ok := t.rows[key]
		if !ok {
			var zero T
			return zero, errNotFound
		}
		return t.clone(v), nil
	})
}

func (t *memTable[T]) update(key string, missing func() T, fn func(T) (T, error)) error {
	return t.g.do(func() error {
		v, ok := t.rows[key]
		if !ok {
			if missing == nil {
				return errNotFound
			}
			v = missing()
		}
		nv, err := fn(t.clone(v))
		if err != nil {
			return err
		}
		t.rows[key] = t.clone(nv)
		return nil
	})
}

func (t *memTable[T]) remove(key string) error {
	return t.g.do(func() error {
		if _, ok := t.rows[key]; !ok {
			return errNotFound
		}
		delete(t.rows, key)
		return nil
	})
}

// list orders the records by key. It filters before sorting, so listing one
// account's rows sorts only those.
func (t *memTable[T]) list(keep func(T) bool) ([]T, error) {
	return guarded(t.g, func() ([]T, error) {
		var keys []string
		if keep == nil {
			keys = make([]string, 0, len(t.rows))
		}
		for k, v := range t.rows {
			if keep == nil || keep(v) {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		out := make([]T, len(keys))
		for i, k := range keys {
			out[i] = t.clone(t.rows[k])
		}
		return out, nil
	})
}

// clearLocked empties the table; the store's lock is held.
func (t *memTable[T]) clearLocked() { clear(t.rows) }

// memStore keeps every record in memory. The zero value is not usable; use newMemStore.
type memStore struct {
	records
	g      *memGuard
	tables []interface{ clearLocked() } // the same tables, for Reset
	offset time.Duration                // the clock's; kept by Reset
}

func newMemStore() *memStore {
	g := &memGuard{}
	accounts, throttle := newMemTable(g, accountRecord.clone), newMemTable[throttleRecord](g, nil)
	logins, sessions := newMemTable(g, loginRecord.clone), newMemTable[sessionRecord](g, nil)
	phones := newMemTable[phoneTokenRecord](g, nil)
	return &memStore{
		records: records{accounts: accounts, throttle: throttle, logins: logins, sessions: sessions, phones: phones},
		g:       g,
		tables:  []interface{ clearLocked() }{accounts, throttle, logins, sessions, phones},
	}
}

func (m *memStore) ClockOffset() (time.Duration, error) {
	return guarded(m.g, func() (time.Duration, error) { return m.offset, nil })
}

func (m *memStore) SaveClockOffset(d time.Duration) error {
	return m.g.do(func() error { m.offset = d; return nil })
}

func (m *memStore) Reset() error {
	return m.g.do(func() error {
		for _, t := range m.tables {
			t.clearLocked()
		}
		return nil
	})
}

func (m *memStore) Close() error {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	m.g.closed = true
	return nil
}
