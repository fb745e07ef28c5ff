package mockserver

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/pairing"
)

// FuzzDecodeLoginRequest: whatever a client sends to POST /v1/logins, the
// decoder returns either a request the rest of the server can trust or a
// 400 bad_request whose message does not echo the input, and never panics.
func FuzzDecodeLoginRequest(f *testing.F) {
	good, err := json.Marshal(pairing.LoginRequest{Email: "demo@linkdesk.test", Password: "linkdesk-demo",
		Device: pairing.Device{ID: "dev-1", Name: "ANNA-LAPTOP", Platform: "windows", Fingerprint: "abc123"}})
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		string(good), "", "{}", "null", "[]", `{"email":1}`, `{"email":"a@b","password":"p","device":null}`,
		`{"email":"A@B.C ","password":"p","device":{"id":"i","name":"n","platform":"linux","fingerprint":"f"}} `,
		`{"email":"a@b","password":"p","device":{"id":"i","name":"\u0000","platform":"linux","fingerprint":"f"}}`,
		`{"email":"a@b"}{"email":"c@d"}`, "\xff\xfe", `{"device":{"platform":"macos"}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := decodeLoginRequest(data)
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || ae.status != 400 || ae.code != pairing.CodeBadRequest {
				t.Fatalf("error %v is not a 400 bad_request", err)
			}
			if len(data) > 3 && strings.Contains(ae.message, string(data)) {
				t.Fatalf("message echoes the input")
			}
			return
		}
		if !validEmail(req.Email) || req.Email != normalizeEmail(req.Email) {
			t.Fatalf("accepted e-mail %q", req.Email)
		}
		if req.Password == "" || len(req.Password) > maxPasswordLen || checkDevice(req.Device) != nil {
			t.Fatalf("accepted request %+v", req.Device)
		}
	})
}

// bodyDecoders are the decoders of the JSON bodies of the phone API and the
// tester controls, each with the secrets it reads (for the redaction check).
var bodyDecoders = []struct {
	name    string
	decode  func([]byte) error
	secrets func([]byte) []string // the secret values the decoder reads from data, if it accepts it
}{
	{"POST /v1/logins/{id}/code", func(d []byte) error { _, err := decodeCodeRequest(d, 6); return err },
		func(d []byte) []string {
			var r pairing.CodeRequest
			_ = json.Unmarshal(d, &r)
			return []string{r.Code}
		}},
	{"POST /phone/v1/signin", func(d []byte) error { _, err := decodePhoneSignIn(d); return err },
		func(d []byte) []string {
			var r pairing.PhoneSignInRequest
			_ = json.Unmarshal(d, &r)
			return []string{r.Password}
		}},
	{"POST /phone/v1/qr/scan", func(d []byte) error { _, err := decodeScanRequest(d); return err },
		func(d []byte) []string {
			var r pairing.ScanRequest
			_ = json.Unmarshal(d, &r)
			return []string{qrSecretOf(r.Payload)}
		}},
	{"POST /phone/v1/password", func(d []byte) error { _, err := decodePasswordChange(d); return err },
		func(d []byte) []string {
			var r pairing.PasswordChange
			_ = json.Unmarshal(d, &r)
			return []string{r.Old, r.New}
		}},
	{"POST /mock/v1/accounts", func(d []byte) error { _, err := decodeAccountRequest(d); return err },
		func(d []byte) []string { var r SeedAccount; _ = json.Unmarshal(d, &r); return []string{r.Password} }},
	{"POST /mock/v1/faults", func(d []byte) error { _, err := decodeFaultRequest(d); return err }, nil},
	{"POST /mock/v1/clock", func(d []byte) error { _, err := decodeClockRequest(d); return err }, nil},
	{"POST /mock/v1/maintenance", func(d []byte) error { _, err := decodeMaintenanceRequest(d); return err }, nil},
	// The check number is no secret: the computer shows it, and the scan answer lists it among three.
	{"POST /phone/v1/logins/{id}/approve", func(d []byte) error { _, err := decodeApproveRequest(d); return err }, nil},
}

// qrSecretOf is the secret of a valid QR payload, "" otherwise.
func qrSecretOf(payload string) string {
	p, err := pairing.ParseQR(payload)
	if err != nil {
		return ""
	}
	return pairing.QRPayload{LoginID: p.LoginID, Secret: p.Secret}.String()
}

// FuzzDecodePhoneAndTesterRequests: whatever a client sends to a phone or
// tester endpoint, its decoder accepts it or answers 400 bad_request without
// echoing it, never panics; and whatever secret Go's JSON decoder would read
// from a body (member names folded, as json.Unmarshal matches them), the
// journal's copy of that body does not hold it.
func FuzzDecodePhoneAndTesterRequests(f *testing.F) {
	payload := pairing.QRPayload{LoginID: "lgn_x", Secret: make([]byte, pairing.QRSecretBytes)}.String()
	for i, seed := range []string{
		`{"code":"123 456"}`, `{"CODE":"123456"}`,
		`{"email":"demo@linkdesk.test","password":"linkdesk-demo"}`, `{"email":"a@b","paſſword":"secret-pw"}`,
		`{"payload":"` + payload + `"}`, `{"PAYLOAD":"` + payload + `"}`, `{"Payload":"x","payload":"` + payload + `"}`,
		`{"old":"old-secret","new":"new-secret"}`, `{"OLD":"old-secret","nEw":"new-secret"}`,
		`{"email":"x@y.z","password":"long-enough","name":"X"}`, `{"email":"x@y.z","PASSWORD":"long-enough"}`,
		`{"path":"/v1/**","status":503,"body":"<html>","content_type":"text/html"}`, `{"path":"/mock/**","status":500}`,
		`{"delay":"1s","count":-1,"probability":0.5}`, `{"advance":"24h"}`, `{"advance":"-1h"}`,
		`{"on":true}`, `{"on":null}`, `{}`, `[]`, `null`, `{"a":1}}`, "\xff", "",
		`{"check":"42"}`, `{"CHECK":"42"}`, `{"check":"4２"}`, `{"check":42}`,
	} {
		f.Add(uint8(i), []byte(seed))
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		d := bodyDecoders[int(which)%len(bodyDecoders)]
		err := d.decode(data)
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || ae.status != 400 || ae.code != pairing.CodeBadRequest {
				t.Fatalf("%s: error %v is not a 400 bad_request", d.name, err)
			}
			if len(data) > 3 && strings.Contains(ae.message, string(data)) {
				t.Fatalf("%s: message echoes the input", d.name)
			}
		}
		if d.secrets == nil || json.Unmarshal(data, new(any)) != nil { // the journal keeps refused bodies too
			return
		}
		kept := redactJSON(data)
		for _, secret := range d.secrets(kept) {
			if secret != "" && secret != redacted {
				t.Fatalf("%s: the journal keeps %q, which the decoder reads as a secret", d.name, secret)
			}
		}
	})
}
