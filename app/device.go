package app

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/user"
	"runtime"
	"strings"

	"github.com/linkdesk/linkdesk/pairing"
)

// DeviceIdentity is how this computer presents itself to the server and the
// phone. Fingerprint binds the session to this device ID, machine and OS user.
type DeviceIdentity struct {
	ID          string // random, from the settings
	Name        string // host name, shown on the phone
	Platform    string // pairing.PlatformWindows, PlatformMacOS or PlatformLinux
	Fingerprint string // hex SHA-256 of device ID, machine ID and OS user
}

// Pairing returns the identity as the protocol sends it.
func (d DeviceIdentity) Pairing() pairing.Device {
	return pairing.Device{ID: d.ID, Name: d.Name, Platform: d.Platform, Fingerprint: d.Fingerprint}
}

// DeviceSources read the facts a DeviceIdentity is made of; tests replace them.
// A nil func uses the real source.
type DeviceSources struct {
	MachineID func() (string, error) // nil: ReadMachineID
	OSUser    func() (string, error) // nil: the current user's login name
	Hostname  func() (string, error) // nil: os.Hostname
	GOOS      string                 // "": runtime.GOOS
}

// LoadDeviceIdentity builds the identity of this computer for deviceID (from
// the settings). A missing machine ID or user name is not fatal: the part is
// left empty so the fingerprint stays stable on this computer, and a host
// name that cannot be read becomes "Linkdesk desktop".
func LoadDeviceIdentity(deviceID string, src DeviceSources) DeviceIdentity {
	if src.GOOS == "" {
		src.GOOS = runtime.GOOS
	}
	if src.MachineID == nil {
		src.MachineID = ReadMachineID
	}
	if src.OSUser == nil {
		src.OSUser = currentUser
	}
	if src.Hostname == nil {
		src.Hostname = os.Hostname
	}
	machineID, err := src.MachineID()
	if err != nil {
		machineID = "" // the fingerprint still binds device ID and user
	}
	osUser, err := src.OSUser()
	if err != nil {
		osUser = "" // as above
	}
	name, err := src.Hostname()
	if err != nil || strings.TrimSpace(name) == "" {
		name = "Linkdesk desktop"
	}
	return DeviceIdentity{
		ID:          deviceID,
		Name:        strings.TrimSpace(name),
		Platform:    PlatformOf(src.GOOS),
		Fingerprint: Fingerprint(deviceID, strings.TrimSpace(machineID), osUser),
	}
}

// PlatformOf maps runtime.GOOS to the protocol's platform names; other Unix
// systems count as linux.
func PlatformOf(goos string) string {
	switch goos {
	case "windows":
		return pairing.PlatformWindows
	case "darwin", "ios":
		return pairing.PlatformMacOS
	}
	return pairing.PlatformLinux
}

// Fingerprint is the hex SHA-256 of device ID, machine ID and OS user. Each
// part is prefixed by its length, so ("ab","c") and ("a","bc") differ.
func Fingerprint(deviceID, machineID, osUser string) string {
	h := sha256.New()
	for _, part := range []string{"linkdesk-device-v1", deviceID, machineID, osUser} {
		fmt.Fprintf(h, "%d:%s;", len(part), part)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// currentUser returns the OS login name.
func currentUser() (string, error) {
	u, err := user.Current()
	if err != nil {
		return "", fmt.Errorf("reading the OS user: %w", err)
	}
	return u.Username, nil
}

// ReadMachineID returns the operating system's stable machine ID: on Linux
// and other Unix systems /etc/machine-id or /var/lib/dbus/machine-id, on macOS
// IOPlatformUUID, on Windows the MachineGuid of the registry.
func ReadMachineID() (string, error) { return systemMachineID() }
