package app

import (
	"context"
	"encoding/base64"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

func TestMaskEmail(t *testing.T) {
	for in, want := range map[string]string{
		"anna@example.com":  "a***@example.com",
		" 김@example.kr ":    "김***@example.kr",
		"a@b":               "a***@b",
		"not-an-address":    "***",
		"@example.com":      "***",
		"":                  "",
		"x.y+tag@sub.ex.io": "x***@sub.ex.io",
	} {
		if got := MaskEmail(in); got != want {
			t.Errorf("MaskEmail(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSupportReportSaysWhatSupportNeedsAndNoSecret(t *testing.T) {
	r := newRig(t)
	c := r.newCore(func(o *Options) { o.Location = seoul })
	ctx := context.Background()

	// Given a person who mistyped the password, then a code, asked for a new
	// code and looked at the QR tab
	c.SignIn(ctx, mockserver.DemoEmail, "not-the-password-42", true)
	r.startSignIn(c, true)
	right := r.codeFor(c)
	wrong := "918273"
	if wrong == right {
		wrong = "827364"
	}
	c.SubmitCode(ctx, wrong)
	c.RenewCode(ctx)
	c.UseMethod(MethodQR)
	qr := c.State().Login.QRPayload
	c.UseMethod(MethodCode)
	right = r.codeFor(c)
	c.SubmitCode(ctx, wrong) // wrong again, to have a problem to report
	st := c.State()
	if st.Problem == nil || st.Problem.Code != pairing.CodeInvalidCode {
		t.Fatalf("setup: %+v", st.Problem)
	}

	// When the details for support are copied
	report := c.SupportReport(nil, english)

	// Then they hold what a support desk asks for: the ID, the exact error, the time, what was tried
	p := st.Problem
	for _, want := range []string{
		"d***@linkdesk.test",
		"Error code:      invalid_code",
		shown(p),
		"Request ID:      " + p.RequestID,
		"Time (local):    " + p.At.In(seoul).Format("2006-01-02 15:04:05 KST"),
		"Time (UTC):      " + p.At.UTC().Format(time.RFC3339),
		"App version:     1.2.3-test",
		"OS:              " + runtime.GOOS + "/" + runtime.GOARCH,
		"Server:          " + r.client.BaseURL(),
		"Device:          ANNA-LAPTOP (windows)",
		"Screen:          verifying",
		"sign-in attempts:      2",
		"wrong passwords:       1",
		"codes entered:         2",
		"wrong codes:           2",
		"new codes requested:   1",
		"switches code/QR:      2",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q\n%s", want, report)
		}
	}
	if p.RequestID == "" {
		t.Error("the problem has no request ID")
	}

	// And never a secret: password, codes, QR payload and secret, token, the full address
	c.SubmitCode(ctx, right)
	waitFor(t, c, "signed in", time.Second, func(s State) bool { return s.Phase == PhaseSignedIn && !s.Busy })
	ss, _ := r.stored()
	parsed, err := pairing.ParseQR(qr)
	if err != nil {
		t.Fatal(err)
	}
	reports := report + c.SupportReport(nil, english) + c.SupportReport(p, english)
	for name, secret := range map[string]string{
		"password": mockserver.DemoPassword, "wrong password": "not-the-password-42",
		"right code": right, "wrong code": wrong, "QR payload": qr, "token": ss.Token,
		"QR secret": base64.RawURLEncoding.EncodeToString(parsed.Secret), "full e-mail": mockserver.DemoEmail,
	} {
		if secret != "" && strings.Contains(reports, secret) {
			t.Errorf("the report contains the %s", name)
		}
	}
}

func TestSupportReportWithoutAProblem(t *testing.T) {
	r := newRig(t)
	c := r.newCore()
	report := c.SupportReport(nil, english)
	for _, want := range []string{"Error code:      none", "Account:         -", "Screen:          starting"} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q\n%s", want, report)
		}
	}
}
