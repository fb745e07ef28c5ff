package mockserver

import (
	"slices"
	"sync"
	"time"
)

// memTable is one kind of record kept in memory, keyed by a string.
// It is not locked itself: memStore holds one lock for all tables.
type memTable[T any] struct {
	rows  map[string]T
	clone func(T) T
}

func newMemTable[T any](clone func(T) T) memTable[T] {
	if clone == nil {
		clone = func(v T) T { return v }
	}
	return memTable[T]{rows: make(map[string]T), clone: clone}
}

func (t *memTable[T]) create(key string, v T) error {
	if _, ok := t.rows[key]; ok {
		return errAlreadyExists
	}
	t.rows[key] = t.clone(v)
	return nil
}

func (t *memTable[T]) get(key string) (T, error) {
	v, ok := t.rows[key]
	if !ok {
		var zero T
		return zero, errNotFound
	}
	return t.clone(v), nil
}

// update runs fn on the current row; a missing row is errNotFound unless
// missing supplies a fresh one.
func (t *memTable[T]) update(key string, missing func() T, fn func(T) (T, error)) error {
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
}

func (t *memTable[T]) remove(key string) error {
	if _, ok := t.rows[key]; !ok {
		return errNotFound
	}
	delete(t.rows, key)
	return nil
}

// list returns the rows kept by keep (nil keeps all), ordered by key. It
// filters before sorting, so listing one account's rows sorts only those.
func (t *memTable[T]) list(keep func(T) bool) []T {
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
	return out
}

// memStore keeps every record in memory. The zero value is not usable; use newMemStore.
type memStore struct {
	mu       sync.Mutex
	closed   bool
	accounts memTable[accountRecord]
	throttle memTable[throttleRecord]
	logins   memTable[loginRecord]
	sessions memTable[sessionRecord]
	phones   memTable[phoneTokenRecord]
	offset   time.Duration // the clock's; kept by Reset
}

func newMemStore() *memStore {
	m := &memStore{}
	m.resetLocked()
	return m
}

func (m *memStore) resetLocked() {
	m.accounts = newMemTable(accountRecord.clone)
	m.throttle = newMemTable[throttleRecord](nil)
	m.logins = newMemTable(loginRecord.clone)
	m.sessions = newMemTable[sessionRecord](nil)
	m.phones = newMemTable[phoneTokenRecord](nil)
}

// do runs fn under the store lock unless the store is closed.
func (m *memStore) do(fn func() error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return errStoreClosed
	}
	return fn()
}

// read is do for calls that return a value.
func read[T any](m *memStore, fn func() (T, error)) (T, error) {
	var out T
	err := m.do(func() error {
		var err error
		out, err = fn()
		return err
	})
	return out, err
}

func (m *memStore) CreateAccount(a accountRecord) error {
	return m.do(func() error { return m.accounts.create(a.Email, a) })
}

func (m *memStore) GetAccount(email string) (accountRecord, error) {
	return read(m, func() (accountRecord, error) { return m.accounts.get(email) })
}

func (m *memStore) UpdateAccount(email string, fn func(accountRecord) (accountRecord, error)) error {
	return m.do(func() error { return m.accounts.update(email, nil, fn) })
}

func (m *memStore) ListAccounts() ([]accountRecord, error) {
	return read(m, func() ([]accountRecord, error) { return m.accounts.list(nil), nil })
}

func (m *memStore) GetThrottle(email string) (throttleRecord, error) {
	return read(m, func() (throttleRecord, error) { return m.throttle.get(email) })
}

func (m *memStore) UpdateThrottle(email string, fn func(throttleRecord) (throttleRecord, error)) error {
	fresh := func() throttleRecord { return throttleRecord{Email: email} }
	return m.do(func() error { return m.throttle.update(email, fresh, fn) })
}

func (m *memStore) DeleteThrottle(email string) error {
	return m.do(func() error { return m.throttle.remove(email) })
}

func (m *memStore) ListThrottles() ([]throttleRecord, error) {
	return read(m, func() ([]throttleRecord, error) { return m.throttle.list(nil), nil })
}

func (m *memStore) CreateLogin(l loginRecord) error {
	return m.do(func() error { return m.logins.create(l.ID, l) })
}

func (m *memStore) GetLogin(id string) (loginRecord, error) {
	return read(m, func() (loginRecord, error) { return m.logins.get(id) })
}

func (m *memStore) UpdateLogin(id string, fn func(loginRecord) (loginRecord, error)) error {
	return m.do(func() error { return m.logins.update(id, nil, fn) })
}

func (m *memStore) DeleteLogin(id string) error {
	return m.do(func() error { return m.logins.remove(id) })
}

func (m *memStore) ListLogins() ([]loginRecord, error) {
	return read(m, func() ([]loginRecord, error) { return m.logins.list(nil), nil })
}

func (m *memStore) CreateSession(s sessionRecord) error {
	return m.do(func() error { return m.sessions.create(s.TokenHash, s) })
}

func (m *memStore) GetSession(hash string) (sessionRecord, error) {
	return read(m, func() (sessionRecord, error) { return m.sessions.get(hash) })
}

func (m *memStore) UpdateSession(hash string, fn func(sessionRecord) (sessionRecord, error)) error {
	return m.do(func() error { return m.sessions.update(hash, nil, fn) })
}

func (m *memStore) DeleteSession(hash string) error {
	return m.do(func() error { return m.sessions.remove(hash) })
}

func (m *memStore) ListSessions(email string) ([]sessionRecord, error) {
	return read(m, func() ([]sessionRecord, error) {
		return m.sessions.list(func(s sessionRecord) bool { return email == "" || s.Email == email }), nil
	})
}

func (m *memStore) CreatePhoneToken(p phoneTokenRecord) error {
	return m.do(func() error { return m.phones.create(p.TokenHash, p) })
}

func (m *memStore) GetPhoneToken(hash string) (phoneTokenRecord, error) {
	return read(m, func() (phoneTokenRecord, error) { return m.phones.get(hash) })
}

func (m *memStore) DeletePhoneToken(hash string) error {
	return m.do(func() error { return m.phones.remove(hash) })
}

func (m *memStore) ListPhoneTokens() ([]phoneTokenRecord, error) {
	return read(m, func() ([]phoneTokenRecord, error) { return m.phones.list(nil), nil })
}

func (m *memStore) ClockOffset() (time.Duration, error) {
	var d time.Duration
	err := m.do(func() error { d = m.offset; return nil })
	return d, err
}

func (m *memStore) SaveClockOffset(d time.Duration) error {
	return m.do(func() error { m.offset = d; return nil })
}

func (m *memStore) Reset() error {
	return m.do(func() error {
		m.resetLocked()
		return nil
	})
}

func (m *memStore) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	return nil
}
