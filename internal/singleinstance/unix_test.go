//go:build unix

package singleinstance

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAnAnswerWithoutTheUsersKeyIsRefused(t *testing.T) {
	dir := t.TempDir()
	// Given something that holds the lock and answers on the socket but cannot read the key
	lock, err := tryLock(filepath.Join(dir, "instance.lock"))
	if err != nil {
		t.Fatal(err)
	}
	defer unlock(lock)
	if err := os.WriteFile(filepath.Join(dir, "instance.key"), []byte("the user's key"), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("unix", socketPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			var req request
			_ = json.NewDecoder(c).Decode(&req)
			_ = json.NewEncoder(c).Encode(reply{Proof: strings.Repeat("00", 32)})
			c.Close()
		}
	}()
	// When Linkdesk starts, then it neither hands over nor starts a second window.
	inst, err := Acquire(Options{Dir: dir, Args: []string{"--server", "https://example.test"}})
	if err == nil {
		t.Fatalf("start accepted an impostor's answer (handed %v)", inst.Handed())
	}
	if !strings.Contains(err.Error(), "not this user's Linkdesk") {
		t.Errorf("error %q does not say why", err)
	}
}

func TestTheFolderIsMadePrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "linkdesk")
	if err := os.Mkdir(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil { // past the umask
		t.Fatal(err)
	}
	inst, err := Acquire(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close()
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("folder mode %v, want 0700: other users could reach the socket", fi.Mode().Perm())
	}
}
