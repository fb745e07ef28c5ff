package mocktest_test

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"strings"
	"testing"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
	"github.com/linkdesk/linkdesk/pairing/mockserver/mocktest"
)

// desktop is a computer named name.
func desktop(name string) pairing.Device {
	return pairing.Device{ID: "dev-" + name, Name: name, Platform: pairing.PlatformLinux, Fingerprint: strings.Repeat("a1", 32)}
}

// startLogin opens a pending login of the demo account from a new client.
func startLogin(t *testing.T, s *mocktest.Server, c *pairing.Client, name string) *pairing.PendingLogin {
	t.Helper()
	pl, err := c.StartLogin(t.Context(), pairing.LoginRequest{Email: mockserver.DemoEmail, Password: mockserver.DemoPassword, Device: desktop(name)})
	if err != nil {
		t.Fatalf("StartLogin: %v", err)
	}
	return pl
}

// assertError checks that err is the server's (or the phone's own) error
// code, and that no secret leaked into it.
func assertError(t *testing.T, err error, code string, status int) {
	t.Helper()
	var pe *pairing.Error
	if !errors.As(err, &pe) || pe.Code != code || pe.Status != status {
		t.Fatalf("err = %v, want %s (HTTP %d)", err, code, status)
	}
	if status != 0 && pe.RequestID == "" {
		t.Errorf("no request ID in %v", err)
	}
	if strings.Contains(err.Error(), mockserver.DemoPassword) || strings.Contains(err.Error(), pairing.TokenPrefix) {
		t.Errorf("error %q carries a secret", err)
	}
}

func TestPhoneNeedsSignIn(t *testing.T) {
	s := mocktest.Run(t)
	p := mocktest.NewPhone(s.URL)
	// When a phone that never signed in reads its link screen
	_, err := p.Link(t.Context())
	// Then it is refused before any request is made.
	assertError(t, err, pairing.CodeUnauthorized, 0)

	// And a wrong password is refused by the server with the tries left.
	err = p.SignIn(t.Context(), mockserver.DemoEmail, "not-the-password")
	assertError(t, err, pairing.CodeInvalidCredentials, 401)
	var pe *pairing.Error
	if errors.As(err, &pe) && pe.AttemptsLeft == nil {
		t.Error("no attempts_left")
	}
}

// The phone's camera: a picture of the desktop's QR code read by the
// server's QR reader, as the phone page does.
func TestPhoneReadsTheQRCodeInAPicture(t *testing.T) {
	s := mocktest.Run(t)
	pl := startLogin(t, s, s.Client(pairing.Options{}), "Desk")
	picture, err := qrcode.Encode(pl.QR.Payload, qrcode.Medium, 256)
	if err != nil {
		t.Fatal(err)
	}
	// Given a phone that never signed in, its camera is refused before any request.
	_, err = mocktest.NewPhone(s.URL).ReadQR(t.Context(), picture)
	assertError(t, err, pairing.CodeUnauthorized, 0)

	// When the signed-in phone photographs the QR code, it reads the payload.
	phone := s.Phone(mockserver.DemoEmail, mockserver.DemoPassword)
	got, err := phone.ReadQR(t.Context(), picture)
	if err != nil || got != pl.QR.Payload {
		t.Fatalf("ReadQR = %.24q…, %v; want the login's payload", got, err)
	}
	// And a picture without a code is the server's qr_not_found.
	var blank bytes.Buffer
	if err := png.Encode(&blank, image.NewGray(image.Rect(0, 0, 64, 64))); err != nil {
		t.Fatal(err)
	}
	_, err = phone.ReadQR(t.Context(), blank.Bytes())
	assertError(t, err, "qr_not_found", 422)
}

func TestPhoneLinkScreen(t *testing.T) {
	s := mocktest.Run(t)
	c := s.Client(pairing.Options{})
	p := s.Phone(mockserver.DemoEmail, mockserver.DemoPassword)
	anna := startLogin(t, s, c, "ANNA-LAPTOP")
	code, err := p.CodeFor(t.Context(), anna.LoginID)
	if err != nil {
		t.Fatal(err)
	}
	g, err := c.SubmitCode(t.Context(), anna.LoginID, code)
	if err != nil {
		t.Fatal(err)
	}
	office := startLogin(t, s, c, "OFFICE-PC")

	// When the phone opens its device-link screen
	screen, err := p.Link(t.Context())
	// Then it lists the linked desktop and the pending request with its code.
	if err != nil {
		t.Fatal(err)
	}
	if len(screen.Devices) != 1 || screen.Devices[0].SessionID != g.Session.ID || screen.Devices[0].Name != "ANNA-LAPTOP" {
		t.Errorf("devices = %+v, want ANNA-LAPTOP", screen.Devices)
	}
	if len(screen.Pending) != 1 || screen.Pending[0].LoginID != office.LoginID {
		t.Errorf("pending = %+v, want %s", screen.Pending, office.LoginID)
	}
	_, err = p.CodeFor(t.Context(), "lgn_other")
	assertError(t, err, pairing.CodeLoginNotFound, 0)
}

func TestPhoneRefusals(t *testing.T) {
	s := mocktest.Run(t)
	c := s.Client(pairing.Options{})
	p := s.Phone(mockserver.DemoEmail, mockserver.DemoPassword)
	pl := startLogin(t, s, c, "PC")
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
		// client-side checks never reach the server
		{"approve without a login", p.Approve(ctx, "", "42"), pairing.CodeBadRequest, 0},
		{"approve with no number", p.Approve(ctx, pl.LoginID, ""), pairing.CodeBadRequest, 0},
		{"approve with one digit", p.Approve(ctx, pl.LoginID, "4"), pairing.CodeBadRequest, 0},
		{"approve with three digits", p.Approve(ctx, pl.LoginID, "042"), pairing.CodeBadRequest, 0},
		{"approve with a letter", p.Approve(ctx, pl.LoginID, "4a"), pairing.CodeBadRequest, 0},
		{"approve with full-width digits", p.Approve(ctx, pl.LoginID, "４２"), pairing.CodeBadRequest, 0},
		{"revoke without a session", p.RevokeDevice(ctx, ""), pairing.CodeBadRequest, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assertError(t, tc.err, tc.code, tc.status)
		})
	}
}
