package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/linkdesk/linkdesk/app"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
	"github.com/linkdesk/linkdesk/ui"
)

// startDemo runs the mock server inside the app on a free loopback port and
// prints where its phone simulator is. stop shuts it down.
func startDemo(stdout io.Writer) (demo *ui.Demo, server string, stop func(), err error) {
	srv, err := mockserver.New(mockserver.DefaultConfig())
	if err != nil {
		return nil, "", nil, fmt.Errorf("starting the demo server: %w", err)
	}
	server, err = srv.Start("127.0.0.1:0")
	if err != nil {
		_ = srv.Close() // the start error is the one to report
		return nil, "", nil, fmt.Errorf("starting the demo server: %w", err)
	}
	demo = &ui.Demo{PhoneURL: srv.PhoneURL(), Email: mockserver.DemoEmail, Password: mockserver.DemoPassword}
	fmt.Fprintf(stdout, "Linkdesk demo mode: a mock server runs at %s\n", server)
	fmt.Fprintf(stdout, "Phone simulator: %s\n", demo.PhoneURL)
	fmt.Fprintf(stdout, "Demo account: %s / %s\n", demo.Email, demo.Password)
	stop = func() {
		if err := srv.Close(); err != nil {
			fmt.Fprintf(os.Stderr, "linkdesk: stopping the demo server: %v\n", err)
		}
	}
	return demo, server, stop, nil
}

// demoSettingsPath keeps demo runs apart from the real settings, so the demo
// account is never remembered as the person's e-mail.
func demoSettingsPath() (string, error) {
	p, err := app.DefaultSettingsPath()
	if err != nil {
		return "", err
	}
	return filepath.Join(filepath.Dir(p), "settings-demo.json"), nil
}

// memoryKeyring is the keychain of demo mode: the demo server's port changes
// every run, so its sessions are worth nothing afterwards and must not pile
// up in the real keychain.
type memoryKeyring struct {
	mu    sync.Mutex
	items map[string]string
}

func newMemoryKeyring() *memoryKeyring { return &memoryKeyring{items: map[string]string{}} }

func (m *memoryKeyring) Get(service, user string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.items[service+"\x00"+user]
	if !ok {
		return "", app.ErrNotFound
	}
	return v, nil
}

func (m *memoryKeyring) Set(service, user, secret string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.items[service+"\x00"+user] = secret
	return nil
}

func (m *memoryKeyring) Delete(service, user string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := service + "\x00" + user
	if _, ok := m.items[k]; !ok {
		return app.ErrNotFound
	}
	delete(m.items, k)
	return nil
}
