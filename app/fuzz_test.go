package app

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// FuzzStoredSessionValue: whatever the keychain holds, Load never panics and
// never quotes the value in its error.
func FuzzStoredSessionValue(f *testing.F) {
	f.Add(`{"token":"ldk_abc","session_id":"s","device_id":"d","email":"a@b","issued_at":"2026-11-23T10:00:00Z"}`)
	f.Add(`{"token":""}`)
	f.Add(`ldk_secret-not-json`)
	f.Add(`{"token":123}`)
	f.Fuzz(func(t *testing.T, v string) {
		kr := newMemKeyring()
		if err := kr.Set(KeychainService, "o a@b", v); err != nil {
			t.Fatal(err)
		}
		ss, err := NewSessionStore(SessionStoreOptions{Keyring: kr}).Load(context.Background(), "o", "a@b")
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("unexpected error kind %v", err)
			}
			if len(v) > 8 && strings.Contains(err.Error(), v) {
				t.Fatal("the error quotes the stored value")
			}
			return
		}
		if ss.Token == "" {
			t.Fatal("loaded a session without a token")
		}
	})
}

// FuzzMaskEmail: the mask keeps the domain and only the first letter of the
// local part, whatever was typed.
func FuzzMaskEmail(f *testing.F) {
	for _, s := range []string{"anna@example.com", "a@b", "", "@", "x@y@z", "김철수@example.kr"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, email string) {
		m := MaskEmail(email)
		local, domain, ok := strings.Cut(strings.TrimSpace(email), "@")
		switch {
		case email == "":
			if m != "" {
				t.Fatalf("MaskEmail(\"\") = %q", m)
			}
		case !ok || local == "":
			if m != "***" {
				t.Fatalf("MaskEmail(%q) = %q, want ***", email, m)
			}
		default:
			if want := string([]rune(local)[0]) + "***@" + domain; m != want {
				t.Fatalf("MaskEmail(%q) = %q, want %q", email, m, want)
			}
		}
	})
}
