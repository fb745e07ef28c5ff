package app

import "sync"

// MemoryKeyring is a Keyring kept in memory, for runs whose sessions must
// not outlive the process (a demo server that keeps no state) and for tests
// that must not touch the real keychain. The zero value is ready to use.
type MemoryKeyring struct {
	mu    sync.Mutex
	items map[string]string // service + "\x00" + user -> secret
}

func memoryKey(service, user string) string { return service + "\x00" + user }

// Get implements Keyring.
func (m *MemoryKeyring) Get(service, user string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.items[memoryKey(service, user)]
	if !ok {
		return "", ErrNotFound
	}
	return v, nil
}

// Set implements Keyring.
func (m *MemoryKeyring) Set(service, user, secret string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.items == nil {
		m.items = map[string]string{}
	}
	m.items[memoryKey(service, user)] = secret
	return nil
}

// Delete implements Keyring.
func (m *MemoryKeyring) Delete(service, user string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := memoryKey(service, user)
	if _, ok := m.items[k]; !ok {
		return ErrNotFound
	}
	delete(m.items, k)
	return nil
}
