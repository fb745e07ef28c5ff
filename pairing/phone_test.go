package pairing_test

import (
	"testing"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

func TestPhoneNeedsSignIn(t *testing.T) {
	m := startMock(t)
	p, err := pairing.NewPhoneClient(m.ts.URL, pairing.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// When a phone that never signed in reads its link screen
	_, err = p.Link(t.Context())
	// Then it is refused before any request is made.
	assertCode(t, err, pairing.CodeUnauthorized)

	// And a wrong password is refused by the server with the tries left.
	err = p.SignIn(t.Context(), mockserver.DemoEmail, "not-the-password")
	pe := assertServerError(t, err, pairing.CodeInvalidCredentials, 401)
	if pe.AttemptsLeft == nil {
		t.Error("no attempts_left")
	}
}

func TestPhoneLinkScreen(t *testing.T) {
	m := startMock(t)
	c := m.client(pairing.Options{})
	p := m.phone()
	dev := desktop("ANNA-LAPTOP")
	g, _ := m.signIn(c, p, dev)
	pl := m.startLogin(c, desktop("OFFICE-PC"))

	// When the phone opens its device-link screen
	screen, err := p.Link(t.Context())
	// Then it lists the linked desktop and the pending request with its code.
	if err != nil {
		t.Fatal(err)
	}
	if len(screen.Devices) != 1 || screen.Devices[0].SessionID != g.Session.ID || screen.Devices[0].Name != dev.Name {
		t.Errorf("devices = %+v, want %s", screen.Devices, dev.Name)
	}
	if len(screen.Pending) != 1 || screen.Pending[0].LoginID != pl.LoginID {
		t.Errorf("pending = %+v, want %s", screen.Pending, pl.LoginID)
	}
	_, err = p.CodeFor(t.Context(), "lgn_other")
	assertCode(t, err, pairing.CodeLoginNotFound)
}

func TestPhoneRefusals(t *testing.T) {
	m := startMock(t)
	c := m.client(pairing.Options{})
	p := m.phone()
	pl := m.startLogin(c, desktop("PC"))
	ctx := t.Context()
	forged := pairing.QRPayload{LoginID: pl.LoginID, Secret: make([]byte, pairing.QRSecretBytes)}.String()
	cases := []struct {
		name   string
		err    error
		code   string
		status int
	}{
		{"scan of something else", func() error { _, err := p.Scan(ctx, "https://example.com"); return err }(), pairing.CodeInvalidQR, 400},
		{"scan with a guessed secret", func() error { _, err := p.Scan(ctx, forged); return err }(), pairing.CodeInvalidQR, 400},
		{"approve before scanning", p.Approve(ctx, pl.LoginID, "42"), pairing.CodeBadRequest, 409},
		{"revoke an unknown desktop", p.RevokeDevice(ctx, "ses_unknown"), pairing.CodeNotFound, 404},
		{"password change with the wrong old password", p.ChangePassword(ctx, "wrong-old-pass", "a-new-password-42"), pairing.CodeInvalidCredentials, 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assertServerError(t, tc.err, tc.code, tc.status)
		})
	}
	// And client-side checks never reach the server.
	assertCode(t, p.Approve(ctx, "", "42"), pairing.CodeBadRequest)
	for _, check := range []string{"", "4", "042", "4a", "４２"} {
		assertCode(t, p.Approve(ctx, pl.LoginID, check), pairing.CodeBadRequest)
	}
	assertCode(t, p.RevokeDevice(ctx, ""), pairing.CodeBadRequest)
}
