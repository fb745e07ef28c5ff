package app

import (
	"sync"
)

// memKeyring is an in-memory Keyring whose calls can fail or hang, to play
// the OS keychain's failure paths.
type memKeyring struct {
	mu    sync.Mutex
	items map[string]string // service + "\x00" + user -> secret
	err   error             // returned by every call when set
	hang  chan struct{}     // when set, calls block until it is closed
	calls int
}

func newMemKeyring() *memKeyring { return &memKeyring{items: map[string]string{}} }

func (m *memKeyring) wait() error {
	m.mu.Lock()
	m.calls++
	hang, err := m.hang, m.err
	m.mu.Unlock()
	if hang != nil {
		<-hang
	}
	return err
}

func (m *memKeyring) Get(service, user string) (string, error) {
	if err := m.wait(); err != nil {
		return "", err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.items[service+"\x00"+user]
	if !ok {
		return "", ErrNotFound
	}
	return v, nil
}

func (m *memKeyring) Set(service, user, secret string) error {
	if err := m.wait(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.items[service+"\x00"+user] = secret
	return nil
}

func (m *memKeyring) Delete(service, user string) error {
	if err := m.wait(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.items[service+"\x00"+user]; !ok {
		return ErrNotFound
	}
	delete(m.items, service+"\x00"+user)
	return nil
}

// get reads an item directly, bypassing failures.
func (m *memKeyring) get(service, user string) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.items[service+"\x00"+user]
	return v, ok
}

// len counts the items.
func (m *memKeyring) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.items)
}

// setErr makes every later call fail with err (nil: succeed again).
func (m *memKeyring) setErr(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.err = err
}
