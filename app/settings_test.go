package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestSettingsFirstRunCreatesDeviceIDAndFile(t *testing.T) {
	// Given no settings file
	path := filepath.Join(t.TempDir(), "linkdesk", "settings.json")

	// When the settings are opened
	s, err := OpenSettings(path)
	if err != nil {
		t.Fatal(err)
	}

	// Then a random device ID exists, keep-signed-in starts on, and the file is written 0600
	if len(s.DeviceID()) != 32 {
		t.Fatalf("device ID %q, want 32 hex digits", s.DeviceID())
	}
	if !s.KeepSignedIn() {
		t.Error("keep signed in should start on")
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}

	// And a second run reads the same device ID
	again, err := OpenSettings(path)
	if err != nil {
		t.Fatal(err)
	}
	if again.DeviceID() != s.DeviceID() {
		t.Errorf("device ID changed between runs: %q then %q", s.DeviceID(), again.DeviceID())
	}
	other, err := OpenSettings(filepath.Join(t.TempDir(), "settings.json"))
	if err != nil {
		t.Fatal(err)
	}
	if other.DeviceID() == s.DeviceID() {
		t.Error("two installations got the same device ID")
	}
}

func TestSettingsRememberChoicesAcrossRuns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "settings.json")
	s, err := OpenSettings(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{s.SetLastEmail("anna@example.com"), s.SetLanguage("ko"), s.SetKeepSignedIn(false)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	again, err := OpenSettings(path)
	if err != nil {
		t.Fatal(err)
	}
	if again.LastEmail() != "anna@example.com" || again.Language() != "ko" || again.KeepSignedIn() {
		t.Errorf("after reopening: email %q language %q keep %v", again.LastEmail(), again.Language(), again.KeepSignedIn())
	}
	// No temporary files are left behind by the atomic writes.
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("settings folder holds %d files, want only settings.json", len(entries))
	}
}

func TestSettingsFileHoldsOnlyKnownFields(t *testing.T) {
	// The settings file is not secret: it must never grow a token field.
	path := filepath.Join(t.TempDir(), "settings.json")
	s, err := OpenSettings(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetLastEmail("anna@example.com"); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for k := range m {
		switch k {
		case "device_id", "last_email", "language", "keep_signed_in":
		default:
			t.Errorf("unexpected settings field %q", k)
		}
	}
}

func TestSettingsCorruptFileIsAnErrorAndKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "settings.json")
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenSettings(path); err == nil || !strings.Contains(err.Error(), "settings") {
		t.Fatalf("err = %v, want a settings error", err)
	}
	b, err := os.ReadFile(path)
	if err != nil || string(b) != "{not json" {
		t.Errorf("the unreadable file was changed: %q, %v", b, err)
	}
}

func TestSettingsWriteFailureIsReported(t *testing.T) {
	// Given settings whose folder has been replaced by a file (works as root too)
	sub := filepath.Join(t.TempDir(), "linkdesk")
	s, err := OpenSettings(filepath.Join(sub, "settings.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(sub); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sub, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// When a choice is saved, Then the failure is reported and the choice holds for this run
	if err := s.SetLastEmail("anna@example.com"); err == nil {
		t.Fatal("writing into a file-that-is-not-a-folder succeeded")
	}
	if s.LastEmail() != "anna@example.com" {
		t.Error("the change should still hold for this run")
	}
}
