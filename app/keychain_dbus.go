//go:build (dragonfly && cgo) || (freebsd && cgo) || linux || netbsd || openbsd

package app

import (
	"errors"

	"github.com/godbus/dbus/v5"
)

// dbusErrorName returns the D-Bus error name inside err, "" if none. The
// platforms match go-keyring's Secret Service build.
func dbusErrorName(err error) string {
	var de dbus.Error
	if errors.As(err, &de) {
		return de.Name
	}
	var dp *dbus.Error
	if errors.As(err, &dp) && dp != nil {
		return dp.Name
	}
	return ""
}
