//go:build !windows && !darwin

package app

import (
	"os"
	"strings"
)

// systemMachineID reads the systemd or dbus machine ID.
func systemMachineID() (string, error) {
	for _, p := range []string{"/etc/machine-id", "/var/lib/dbus/machine-id"} {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // try the next place; none found is ErrNoMachineID
		}
		if id := strings.TrimSpace(string(b)); id != "" {
			return id, nil
		}
	}
	return "", ErrNoMachineID
}
