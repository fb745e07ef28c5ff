//go:build windows

package app

import (
	"fmt"

	"golang.org/x/sys/windows/registry"
)

// systemMachineID reads MachineGuid from the 64-bit registry view, so a
// 32-bit build reads the same value.
func systemMachineID() (string, error) {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, `SOFTWARE\Microsoft\Cryptography`,
		registry.QUERY_VALUE|registry.WOW64_64KEY)
	if err != nil {
		return "", fmt.Errorf("registry: %w: %w", ErrNoMachineID, err)
	}
	defer k.Close() //nolint:errcheck // read-only key; nothing to flush
	id, _, err := k.GetStringValue("MachineGuid")
	if err != nil || id == "" {
		return "", fmt.Errorf("registry MachineGuid: %w", ErrNoMachineID)
	}
	return id, nil
}
