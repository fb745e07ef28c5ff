//go:build !((dragonfly && cgo) || (freebsd && cgo) || linux || netbsd || openbsd)

package app

// dbusErrorName returns ""; this platform's keychain does not speak D-Bus.
func dbusErrorName(error) string { return "" }
