package app

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// settingsFile is what settings.json holds. Never a token or a password.
type settingsFile struct {
	DeviceID     string `json:"device_id"`
	LastEmail    string `json:"last_email,omitempty"`
	Language     string `json:"language,omitempty"`
	KeepSignedIn bool   `json:"keep_signed_in"`
}

// Settings is the settings file: device ID (created on first run), last
// e-mail, language and the keep-signed-in choice. It is not secret and never
// holds the token. Every change is written at once, atomically, mode 0600.
// Settings is safe for concurrent use.
type Settings struct {
	path string

	mu   sync.Mutex
	data settingsFile
}

// DefaultSettingsPath returns os.UserConfigDir()/linkdesk/settings.json.
func DefaultSettingsPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("finding the settings folder: %w", err)
	}
	return filepath.Join(dir, "linkdesk", "settings.json"), nil
}

// OpenSettings reads the settings file at path ("" for DefaultSettingsPath).
// A missing file is a first run: a new random device ID is created, keep
// signed in starts on, and the file is written. A file that cannot be parsed
// is an error (it is not overwritten, so a person can look at it).
func OpenSettings(path string) (*Settings, error) {
	if path == "" {
		p, err := DefaultSettingsPath()
		if err != nil {
			return nil, err
		}
		path = p
	}
	s := &Settings{path: path}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		s.data.KeepSignedIn = true
	case err != nil:
		return nil, fmt.Errorf("reading settings: %w", err)
	default:
		if err := json.Unmarshal(b, &s.data); err != nil {
			return nil, fmt.Errorf("reading settings %s: %w", path, err)
		}
		if s.data.DeviceID != "" {
			return s, nil
		}
	}
	id, err := newDeviceID()
	if err != nil {
		return nil, err
	}
	s.data.DeviceID = id
	if err := writeSettings(s.path, s.data); err != nil {
		return nil, err
	}
	return s, nil
}

// newDeviceID returns 128 random bits, hex.
func newDeviceID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("creating a device ID: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// Path returns where the settings live.
func (s *Settings) Path() string { return s.path }

// DeviceID returns this installation's random device ID.
func (s *Settings) DeviceID() string { return s.read().DeviceID }

// LastEmail returns the e-mail of the last sign-in ("" if none): it pre-fills
// the form and names the keychain entry to restore.
func (s *Settings) LastEmail() string { return s.read().LastEmail }

// SetLastEmail remembers the e-mail of a sign-in.
func (s *Settings) SetLastEmail(email string) error {
	return s.update(func(d *settingsFile) { d.LastEmail = email })
}

// Language returns the chosen language tag ("" follows the system locale).
func (s *Settings) Language() string { return s.read().Language }

// SetLanguage remembers the chosen language tag ("" follows the system locale).
func (s *Settings) SetLanguage(tag string) error {
	return s.update(func(d *settingsFile) { d.Language = tag })
}

// KeepSignedIn returns the remembered "Keep me signed in" choice.
func (s *Settings) KeepSignedIn() bool { return s.read().KeepSignedIn }

// SetKeepSignedIn remembers the "Keep me signed in" choice.
func (s *Settings) SetKeepSignedIn(keep bool) error {
	return s.update(func(d *settingsFile) { d.KeepSignedIn = keep })
}

// read returns a copy of the settings, taken under the lock.
func (s *Settings) read() settingsFile {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data
}

// update changes the settings and writes them; on a write failure the change
// is kept in memory for this run and the error is returned.
func (s *Settings) update(change func(*settingsFile)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	before := s.data
	change(&s.data)
	if s.data == before {
		return nil
	}
	return writeSettings(s.path, s.data) // under s.mu: writes land in the order of the changes
}

// writeSettings writes data to path atomically: a temporary file in the same
// folder, synced, then renamed over the old one.
func writeSettings(path string, data settingsFile) error {
	b, err := json.MarshalIndent(data, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding settings: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating the settings folder: %w", err)
	}
	f, err := os.CreateTemp(dir, ".settings-*.tmp")
	if err != nil {
		return fmt.Errorf("writing settings: %w", err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			_ = f.Close()      // already failing; the write error is what matters
			_ = os.Remove(tmp) // best effort: do not leave half-written files behind
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("writing settings: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("writing settings: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("writing settings: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing settings: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing settings: %w", err)
	}
	ok = true
	return nil
}
