package pairing

import (
	"context"
	"fmt"
	"testing"
)

func TestLoginDevicesRemembersBoundedly(t *testing.T) {
	var d loginDevices // the zero value is ready
	if got := d.fingerprint("lgn_unknown"); got != "" {
		t.Errorf("unknown login has fingerprint %q", got)
	}
	// Given more logins than a client keeps,
	for i := range maxRememberedLogins + 1 {
		d.remember(fmt.Sprintf("lgn_%d", i), fmt.Sprintf("fp%d", i))
	}
	// Then the oldest is forgotten and the others are kept.
	if got := d.fingerprint("lgn_0"); got != "" {
		t.Errorf("the oldest login is still remembered (%q)", got)
	}
	for _, i := range []int{1, maxRememberedLogins} {
		if got, want := d.fingerprint(fmt.Sprintf("lgn_%d", i)), fmt.Sprintf("fp%d", i); got != want {
			t.Errorf("login %d: fingerprint %q, want %q", i, got, want)
		}
	}
	if n := len(d.byID); n != maxRememberedLogins {
		t.Errorf("%d logins remembered, want at most %d", n, maxRememberedLogins)
	}
	// An empty fingerprint is nothing to remember.
	d.remember("lgn_empty", "")
	if _, ok := d.byID["lgn_empty"]; ok {
		t.Error("an empty fingerprint was remembered")
	}
}

func TestLoginDevicesForgetsEndedLogins(t *testing.T) {
	zero, three := 0, 3
	cases := []struct {
		name   string
		err    error
		forget bool
	}{
		{"login_not_found", &Error{Code: CodeLoginNotFound, Status: 404}, true},
		{"login_expired", &Error{Code: CodeLoginExpired, Status: 410}, true},
		{"login_declined", &Error{Code: CodeLoginDeclined, Status: 409}, true},
		{"last wrong code", &Error{Code: CodeInvalidCode, Status: 400, AttemptsLeft: &zero}, true},
		{"wrong code with tries left", &Error{Code: CodeInvalidCode, Status: 400, AttemptsLeft: &three}, false},
		{"code_expired", &Error{Code: CodeCodeExpired, Status: 410}, false},
		{"too_many_requests", &Error{Code: CodeTooManyRequests, Status: 429}, false},
		{"maintenance", &Error{Code: CodeMaintenance, Status: 503}, false},
		{"network failure", &Error{Code: CodeNetwork, Err: context.DeadlineExceeded}, false},
		{"not from the server", &Error{Code: CodeLoginNotFound}, false},
		{"not an *Error", context.Canceled, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Given a remembered login,
			var d loginDevices
			d.remember("lgn_1", "fp")
			// When a call on it fails with err,
			d.forgetIfEnded("lgn_1", tc.err)
			// Then it is forgotten only if the server said the login is over.
			if forgotten := d.fingerprint("lgn_1") == ""; forgotten != tc.forget {
				t.Errorf("forgotten = %v, want %v", forgotten, tc.forget)
			}
		})
	}
}
