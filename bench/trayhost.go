package main

import (
	"fmt"

	"github.com/godbus/dbus/v5"
)

// trayHost is the least a desktop panel does for tray icons: it owns
// org.kde.StatusNotifierWatcher on the session bus and accepts the icons
// that register. With it on the bus the app adds its tray, as it does on a
// desktop with a panel; the benchmark's private bus has none otherwise.
type trayHost struct {
	conn  *dbus.Conn
	items []string
}

func startTrayHost() (*trayHost, error) {
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		return nil, fmt.Errorf("tray host: session bus: %w", err)
	}
	h := &trayHost{conn: conn}
	const path, iface = "/StatusNotifierWatcher", "org.kde.StatusNotifierWatcher"
	if err := conn.ExportMethodTable(map[string]any{
		"RegisterStatusNotifierItem": func(sender dbus.Sender, item string) *dbus.Error {
			h.items = append(h.items, string(sender)) // godbus calls methods one at a time
			return nil
		},
		"RegisterStatusNotifierHost": func(string) *dbus.Error { return nil },
	}, path, iface); err != nil {
		conn.Close()
		return nil, err
	}
	reply, err := conn.RequestName(iface, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		conn.Close()
		return nil, fmt.Errorf("tray host: taking %s: reply %v, %v", iface, reply, err)
	}
	return h, nil
}

func (h *trayHost) close() { _ = h.conn.Close() } // the name goes with the connection
