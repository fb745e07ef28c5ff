//go:build linux || freebsd || openbsd || netbsd || dragonfly

package ui

import (
	"os"
	"path/filepath"

	"github.com/godbus/dbus/v5"
)

// trayWatcher is the D-Bus name a tray host (the panel that shows tray
// icons) owns; fyne's tray registers its icon with it.
const trayWatcher = "org.kde.StatusNotifierWatcher"

// TrayHostPresent reports whether the desktop shows tray icons: a
// StatusNotifierWatcher owns its name on the session bus. Without one,
// fyne's tray only costs a hidden GL window at start and logs an error.
func TrayHostPresent() bool {
	addr := os.Getenv("DBUS_SESSION_BUS_ADDRESS")
	if addr == "" {
		// the systemd user bus; never autolaunch a bus just to ask
		rt := os.Getenv("XDG_RUNTIME_DIR")
		if rt == "" {
			return false
		}
		p := filepath.Join(rt, "bus")
		if _, err := os.Stat(p); err != nil {
			return false
		}
		addr = "unix:path=" + p
	}
	conn, err := dbus.Connect(addr)
	if err != nil {
		return false
	}
	defer conn.Close()
	var has bool
	if err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, trayWatcher).Store(&has); err != nil {
		return false
	}
	return has
}
