package app

import (
	"sync"
)

// memKeyring is an in-memory Keyring whose calls can fail or hang, to play
// the OS keychain's failure paths.
type memKeyring struct {
	MemoryKeyring // the items, read and written once a call gets through

	mu    sync.Mutex
	err   error         // returned by every call when set
	hang  chan struct{} // when set, calls block until it is closed
	calls int
}

func newMemKeyring() *memKeyring { return &memKeyring{} }

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
	return m.MemoryKeyring.Get(service, user)
}

func (m *memKeyring) Set(service, user, secret string) error {
	if err := m.wait(); err != nil {
		return err
	}
	return m.MemoryKeyring.Set(service, user, secret)
}

func (m *memKeyring) Delete(service, user string) error {
	if err := m.wait(); err != nil {
		return err
	}
	return m.MemoryKeyring.Delete(service, user)
}

// get reads an item directly, bypassing failures.
func (m *memKeyring) get(service, user string) (string, bool) {
	v, err := m.MemoryKeyring.Get(service, user)
	return v, err == nil
}

// len counts the items.
func (m *memKeyring) len() int {
	m.MemoryKeyring.mu.Lock()
	defer m.MemoryKeyring.mu.Unlock()
	return len(m.MemoryKeyring.items)
}

// setErr makes every later call fail with err (nil: succeed again).
func (m *memKeyring) setErr(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.err = err
}
