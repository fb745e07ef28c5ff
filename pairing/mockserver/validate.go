package mockserver

import (
	"github.com/linkdesk/linkdesk/pairing"
)

// Limits on what a desktop may say about itself.
const (
	maxDeviceIDLen    = 128
	maxDeviceNameLen  = 128
	maxFingerprintLen = 128
)

// decodeLoginRequest decodes and checks the body of POST /v1/logins. The
// e-mail address comes back normalised. Errors never quote the input.
func decodeLoginRequest(data []byte) (pairing.LoginRequest, error) {
	var req pairing.LoginRequest
	if err := decodeJSONBytes(data, &req); err != nil {
		return pairing.LoginRequest{}, err
	}
	req.Email = normalizeEmail(req.Email)
	if !validEmail(req.Email) {
		return pairing.LoginRequest{}, badRequest("enter a valid e-mail address")
	}
	if !givenPassword(req.Password) {
		return pairing.LoginRequest{}, badRequest("enter the password")
	}
	if err := checkDevice(req.Device); err != nil {
		return pairing.LoginRequest{}, err
	}
	return req, nil
}

// checkDevice requires every device field: the phone shows name and
// platform, and the fingerprint binds the session to this computer.
func checkDevice(d pairing.Device) error {
	switch {
	case d.ID == "" || len(d.ID) > maxDeviceIDLen || !token68(d.ID):
		return badRequest("device.id is missing or malformed")
	case d.Name == "" || chars(d.Name) > maxDeviceNameLen || !printable(d.Name):
		return badRequest("device.name is missing, too long or has control characters")
	case d.Platform != pairing.PlatformWindows && d.Platform != pairing.PlatformMacOS && d.Platform != pairing.PlatformLinux:
		return badRequest("device.platform must be windows, macos or linux")
	case d.Fingerprint == "" || len(d.Fingerprint) > maxFingerprintLen || !token68(d.Fingerprint):
		return badRequest("device.fingerprint is missing or malformed")
	}
	return nil
}

// token68 reports whether s is visible ASCII without spaces, safe in a header.
func token68(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
