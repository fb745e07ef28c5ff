//go:build windows

package singleinstance

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/windows"
)

// On Windows the instance listens on a loopback TCP port written to the
// user's folder: nothing beyond this computer can connect, and both sides
// prove they hold the key in that folder before anything is acted on.
// (A named pipe would do too on Windows, but Wine, where the Windows build
// is tested, never completes its overlapped accept.)

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

func portPath(dir string) string { return filepath.Join(dir, "instance.port") }

// listen listens on a free loopback port and tells it in the user's folder.
func listen(dir string) (net.Listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	if err := writeFile(dir, "instance.port", []byte(port)); err != nil {
		_ = ln.Close() // the write error is the one to report
		return nil, err
	}
	return ln, nil
}

func removeSocket(dir string) { _ = os.Remove(portPath(dir)) } // a leftover is replaced next start

func dial(ctx context.Context, dir string) (net.Conn, error) {
	b, err := os.ReadFile(portPath(dir))
	if err != nil {
		return nil, err // still starting: the caller tries again
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", net.JoinHostPort("127.0.0.1", strings.TrimSpace(string(b))))
}

// checkPrivate: %AppData% is the user's own, with the user's ACL.
func checkPrivate(string) error { return nil }
