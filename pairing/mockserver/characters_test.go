package mockserver_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/pairing"
)

// Names and passwords are limited in characters, as the docs and the error
// messages say, not in bytes: a Korean name of 43 characters takes 129 bytes.
func TestTextLimitsCountCharacters(t *testing.T) {
	h := newHarness(t)
	hangul := func(n int) string { return strings.Repeat("한", n) } // 3 bytes each in UTF-8

	// A device name of 43 to 128 Hangul characters is fine; 129 are too many.
	for _, n := range []int{43, 128} {
		dev := laptop
		dev.Name = hangul(n)
		h.do("POST", "/v1/logins", loginBody("demo@linkdesk.test", "linkdesk-demo", dev)).decode(t, http.StatusCreated, nil)
	}
	dev := laptop
	dev.Name = hangul(129)
	h.do("POST", "/v1/logins", loginBody("demo@linkdesk.test", "linkdesk-demo", dev)).apiErr(t, http.StatusBadRequest, pairing.CodeBadRequest)

	// Account names: 128 characters fit, 129 do not.
	account := func(email, password, name string) *response {
		return h.do("POST", "/mock/v1/accounts", map[string]string{"email": email, "password": password, "name": name})
	}
	account("name128@linkdesk.test", "long-enough", hangul(128)).decode(t, http.StatusCreated, nil)
	account("name129@linkdesk.test", "long-enough", hangul(129)).apiErr(t, http.StatusBadRequest, pairing.CodeBadRequest)

	// Passwords: 8 to 1024 characters, whatever their bytes.
	account("short@linkdesk.test", hangul(7), "").apiErr(t, http.StatusBadRequest, pairing.CodeBadRequest)
	account("long@linkdesk.test", hangul(1024), "").decode(t, http.StatusCreated, nil)
	account("toolong@linkdesk.test", hangul(1025), "").apiErr(t, http.StatusBadRequest, pairing.CodeBadRequest)
	h.do("POST", "/v1/logins", loginBody("long@linkdesk.test", hangul(1024), laptop)).decode(t, http.StatusCreated, nil)
	h.do("POST", "/phone/v1/signin", pairing.PhoneSignInRequest{Email: "long@linkdesk.test", Password: hangul(1024)}).decode(t, http.StatusOK, nil)
}
