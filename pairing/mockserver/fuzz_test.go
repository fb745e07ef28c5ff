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
