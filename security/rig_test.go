package security

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
	"github.com/linkdesk/linkdesk/pairing/mockserver/mocktest"
)

// rig is the real mock server in-process (mocktest): a fake clock, cheap
// password hashing, every answer checked against the OpenAPI description
// (attacks too must get documented answers) and its debug log in Log.
type rig struct {
	*mocktest.Server
	t *testing.T
}

// newRig starts a server; mods change its configuration first.
func newRig(t *testing.T, mods ...func(*mockserver.Config)) *rig {
	t.Helper()
	return &rig{Server: mocktest.Run(t, mods...), t: t}
}

// account creates an account and returns its e-mail and password.
func (r *rig) account(name string) (email, password string) {
	r.t.Helper()
	email, password = name+"@security.test", "pw-"+name+"-Secret1"
	if err := r.AddAccount(email, password, name); err != nil {
		r.t.Fatal(err)
	}
	return email, password
}

// victim creates an account and signs its phone in: the person whose
// password the attacker has, and the phone that shows the codes.
func (r *rig) victim(name string) (email, password string, phone *mocktest.Phone) {
	r.t.Helper()
	email, password = r.account(name)
	return email, password, r.phone(email, password)
}

// client is a desktop protocol client on the server's clock.
func (r *rig) client() *pairing.Client { return r.Client(pairing.Options{}) }

// phone is a phone signed in to the account.
func (r *rig) phone(email, password string) *mocktest.Phone { return r.Phone(email, password) }

// device is desktop n as it presents itself.
func device(n int) pairing.Device {
	return pairing.Device{ID: fmt.Sprintf("dev-%d", n), Name: fmt.Sprintf("PC-%d", n),
		Platform: pairing.PlatformWindows, Fingerprint: fmt.Sprintf("%064x", n+1)}
}

// startLogin sends the password; it fails the test unless a login opens.
func (r *rig) startLogin(c *pairing.Client, email, password string, dev pairing.Device) *pairing.PendingLogin {
	r.t.Helper()
	pl, err := c.StartLogin(context.Background(), pairing.LoginRequest{Email: email, Password: password, Device: dev})
	if err != nil {
		r.t.Fatalf("start login: %v", err)
	}
	return pl
}

// phoneToken signs a phone in over raw HTTP and returns its token, for tests
// that must know it (the leak scan).
func (r *rig) phoneToken(email, password string) string {
	r.t.Helper()
	resp := r.Do("POST", "/phone/v1/signin", pairing.PhoneSignInRequest{Email: email, Password: password})
	var ps pairing.PhoneSignIn
	if resp.Status != http.StatusOK || json.Unmarshal(resp.Body, &ps) != nil || ps.PhoneToken == "" {
		r.t.Fatalf("phone sign-in: %d %s", resp.Status, resp.Body)
	}
	return ps.PhoneToken
}

// errCode returns the protocol error code of err ("" for nil or another error).
func errCode(err error) string {
	var pe *pairing.Error
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}
