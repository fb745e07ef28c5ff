//go:build windows

package singleinstance

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net"
	"os"

	"github.com/Microsoft/go-winio"
	"golang.org/x/sys/windows"
)

// DefaultDir is linkdesk in the user's roaming config folder (%AppData%).
func DefaultDir() (string, error) { return configDir() }

// lockExclusive takes a lock on f's first byte without waiting.
func lockExclusive(f *os.File) error {
	err := windows.LockFileEx(windows.Handle(f.Fd()),
		windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, new(windows.Overlapped))
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		return errLocked
	}
	return err
}

func unlock(f *os.File) error {
	return f.Close() // closing the handle releases the lock
}

// pipeName is per user: it is derived from the user's own folder.
func pipeName(dir string) string {
	sum := sha256.Sum256([]byte(dir))
	return `\\.\pipe\linkdesk-` + hex.EncodeToString(sum[:8])
}

// listen opens the pipe for this user only (its DACL grants the user's SID).
func listen(dir string) (net.Listener, error) {
	sd := "D:P(A;;GA;;;OW)" // the creator-owner: this user
	if u, err := windows.GetCurrentProcessToken().GetTokenUser(); err == nil {
		sd = "D:P(A;;GA;;;" + u.User.Sid.String() + ")"
	}
	return winio.ListenPipe(pipeName(dir), &winio.PipeConfig{SecurityDescriptor: sd})
}

func removeSocket(string) {} // a pipe goes away with its last handle

func dial(ctx context.Context, dir string) (net.Conn, error) {
	return winio.DialPipeContext(ctx, pipeName(dir))
}

// checkPrivate: %AppData% is the user's own, with the user's ACL.
func checkPrivate(string) error { return nil }
