//go:build unix

package singleinstance

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
)

// DefaultDir is $XDG_RUNTIME_DIR/linkdesk (per user and per login, on
// tmpfs), else linkdesk in the user's config folder.
func DefaultDir() (string, error) {
	if rt := os.Getenv("XDG_RUNTIME_DIR"); rt != "" && filepath.IsAbs(rt) {
		return filepath.Join(rt, "linkdesk"), nil
	}
	return configDir()
}

// lockExclusive takes f's flock without waiting.
func lockExclusive(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return errLocked
	}
	return err
}

func unlock(f *os.File) error {
	return f.Close() // closing the descriptor releases the flock
}

func socketPath(dir string) string { return filepath.Join(dir, "instance.sock") }

func listen(dir string) (net.Listener, error) {
	p := socketPath(dir)
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	ln, err := net.Listen("unix", p)
	if err != nil {
		return nil, err
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false) // removeSocket does it, after the last answer
	return ln, nil
}

func removeSocket(dir string) { _ = os.Remove(socketPath(dir)) } // a leftover is replaced next start

func dial(ctx context.Context, dir string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "unix", socketPath(dir))
}

// checkPrivate refuses a folder another user owns or may write to.
func checkPrivate(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if ok && int(st.Uid) != os.Getuid() {
		return fmt.Errorf("single instance folder %s belongs to another user", dir)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("single instance folder %s is open to other users: %w", dir, err)
		}
	}
	return nil
}
