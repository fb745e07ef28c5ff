package mockserver

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/linkdesk/linkdesk/pairing"
)

// The decoders of every JSON request body of the phone API and the tester
// controls: each returns a request the handler can trust or a 400
// bad_request that never quotes the input. They are pure, so the fuzz
// targets run them on any bytes (fuzz_test.go).

// chars counts the characters of s: every limit on what a person types is in
// characters, so 43 Hangul characters (129 bytes) are a short name.
func chars(s string) int { return utf8.RuneCountInString(s) }

// validPassword reports whether a new password has minPasswordLen to
// maxPasswordLen characters.
func validPassword(p string) bool { n := chars(p); return n >= minPasswordLen && n <= maxPasswordLen }

// givenPassword reports whether a typed password may be checked at all:
// present and not longer than any password can be.
func givenPassword(p string) bool { return p != "" && chars(p) <= maxPasswordLen }

// decodeCodeRequest decodes POST /v1/logins/{id}/code and returns the code
// normalised to length digits.
func decodeCodeRequest(data []byte, length int) (string, error) {
	var req pairing.CodeRequest
	if err := decodeJSONBytes(data, &req); err != nil {
		return "", err
	}
	code, err := pairing.NormalizeCode(req.Code, length)
	if err != nil {
		return "", badRequest(fmt.Sprintf("the code must be %d digits", length))
	}
	return code, nil
}

// decodePhoneSignIn decodes POST /phone/v1/signin; the e-mail comes back normalised.
func decodePhoneSignIn(data []byte) (pairing.PhoneSignInRequest, error) {
	var req pairing.PhoneSignInRequest
	if err := decodeJSONBytes(data, &req); err != nil {
		return req, err
	}
	req.Email = normalizeEmail(req.Email)
	if !validEmail(req.Email) || !givenPassword(req.Password) {
		return pairing.PhoneSignInRequest{}, badRequest("enter a valid e-mail address and the password")
	}
	return req, nil
}

// decodeScanRequest decodes POST /phone/v1/qr/scan; the payload is parsed by the handler.
func decodeScanRequest(data []byte) (pairing.ScanRequest, error) {
	var req pairing.ScanRequest
	if err := decodeJSONBytes(data, &req); err != nil {
		return pairing.ScanRequest{}, err
	}
	return req, nil
}

// decodeApproveRequest decodes POST /phone/v1/logins/{id}/approve and
// returns the picked check number.
func decodeApproveRequest(data []byte) (string, error) {
	var req pairing.ApproveRequest
	if err := decodeJSONBytes(data, &req); err != nil {
		return "", err
	}
	if !pairing.ValidCheck(req.Check) {
		return "", badRequest(`send the number picked on the phone: {"check":"NN"}, two digits`)
	}
	return req.Check, nil
}

// decodePasswordChange decodes POST /phone/v1/password.
func decodePasswordChange(data []byte) (pairing.PasswordChange, error) {
	var req pairing.PasswordChange
	if err := decodeJSONBytes(data, &req); err != nil {
		return pairing.PasswordChange{}, err
	}
	if !validPassword(req.New) || !givenPassword(req.Old) {
		return pairing.PasswordChange{}, badRequest(fmt.Sprintf("the new password must have %d to %d characters", minPasswordLen, maxPasswordLen))
	}
	return req, nil
}

// decodeAccountRequest decodes POST /mock/v1/accounts, checked like a seeded account.
func decodeAccountRequest(data []byte) (SeedAccount, error) {
	var req SeedAccount
	if err := decodeJSONBytes(data, &req); err != nil {
		return SeedAccount{}, err
	}
	return checkAccount(req)
}

// checkAccount validates an account; e-mail and name come back normalised.
func checkAccount(a SeedAccount) (SeedAccount, error) {
	a.Email = normalizeEmail(a.Email)
	a.Name = strings.TrimSpace(a.Name)
	switch {
	case !validEmail(a.Email):
		return SeedAccount{}, badRequest("the e-mail address is not valid")
	case !validPassword(a.Password):
		return SeedAccount{}, badRequest(fmt.Sprintf("the password must have %d to %d characters", minPasswordLen, maxPasswordLen))
	case chars(a.Name) > maxNameLen || !printable(a.Name):
		return SeedAccount{}, badRequest(fmt.Sprintf("the name must have at most %d characters and no control characters", maxNameLen))
	}
	return a, nil
}

// decodeFaultRequest decodes and checks POST /mock/v1/faults.
func decodeFaultRequest(data []byte) (Fault, error) {
	var req faultWire
	if err := decodeJSONBytes(data, &req); err != nil {
		return Fault{}, err
	}
	f, err := req.fault()
	if err != nil {
		return Fault{}, err
	}
	return f, f.check()
}

// decodeClockRequest decodes POST /mock/v1/clock: how far to move the clock.
func decodeClockRequest(data []byte) (time.Duration, error) {
	var req clockRequest
	if err := decodeJSONBytes(data, &req); err != nil {
		return 0, err
	}
	d, err := time.ParseDuration(req.Advance)
	if err != nil || d <= 0 || d > maxClockAdvance {
		return 0, badRequest("advance must be a positive Go duration such as \"24h\" (the clock never goes back)")
	}
	return d, nil
}

// decodeMaintenanceRequest decodes POST /mock/v1/maintenance.
func decodeMaintenanceRequest(data []byte) (bool, error) {
	var req maintenanceBody
	if err := decodeJSONBytes(data, &req); err != nil {
		return false, err
	}
	if req.On == nil {
		return false, badRequest(`send {"on":true} or {"on":false}`)
	}
	return *req.On, nil
}
