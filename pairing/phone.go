package pairing

import (
	"context"
	"net/http"
	"net/url"
	"sync"
)

// PhoneClient plays the phone app against a server's phone API
// (/phone/v1/...): tests, benchmarks and the end-to-end suite use it to read
// codes, scan QR payloads and approve or decline sign-ins. It is safe for
// concurrent use; every error it returns is an *Error.
type PhoneClient struct {
	t *transport

	mu    sync.Mutex
	token string // phone token from SignIn; a secret
}

// NewPhoneClient returns a phone client for the server at baseURL, with the
// same address rules and timeouts as NewClient (stream options are unused).
func NewPhoneClient(baseURL string, opts Options) (*PhoneClient, error) {
	t, err := newTransport(baseURL, opts)
	if err != nil {
		return nil, err
	}
	return &PhoneClient{t: t}, nil
}

// BaseURL returns the server origin the client talks to.
func (p *PhoneClient) BaseURL() string { return p.t.base }

// SignIn signs the phone in (POST /phone/v1/signin) and keeps the phone token
// for the other calls.
func (p *PhoneClient) SignIn(ctx context.Context, email, password string) error {
	var out PhoneSignIn
	err := p.t.do(ctx, call{method: http.MethodPost, path: "/phone/v1/signin",
		body: PhoneSignInRequest{Email: email, Password: password}, out: &out})
	if err != nil {
		return err
	}
	if out.PhoneToken == "" {
		return &Error{Code: CodeBadResponse, Message: "sign-in answer without phone token"}
	}
	p.mu.Lock()
	p.token = out.PhoneToken
	p.mu.Unlock()
	return nil
}

// Link reads the device-link screen (GET /phone/v1/link): pending sign-ins
// with their codes, and the desktops signed in.
func (p *PhoneClient) Link(ctx context.Context) (*LinkScreen, error) {
	var out LinkScreen
	if err := p.do(ctx, http.MethodGet, "/phone/v1/link", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CodeFor returns the security code the phone shows for loginID. It fails
// with CodeLoginNotFound when the phone lists no such pending login. The code
// is a secret: tests type it, nobody logs it.
func (p *PhoneClient) CodeFor(ctx context.Context, loginID string) (string, error) {
	ls, err := p.Link(ctx)
	if err != nil {
		return "", err
	}
	for _, pr := range ls.Pending {
		if pr.LoginID == loginID {
			return pr.Code, nil
		}
	}
	return "", &Error{Code: CodeLoginNotFound, Message: "the phone shows no such pending sign-in"}
}

// Scan sends a scanned QR payload (POST /phone/v1/qr/scan) and returns what
// the phone shows for confirmation: the desktop, its network against the
// phone's, and three check numbers to pick from. Nothing is approved yet,
// and no other scan of this login is accepted after it (CodeAlreadyScanned).
func (p *PhoneClient) Scan(ctx context.Context, payload string) (*ScanResult, error) {
	var out ScanResult
	if err := p.do(ctx, http.MethodPost, "/phone/v1/qr/scan", ScanRequest{Payload: payload}, &out); err != nil {
		return nil, err
	}
	if out.LoginID == "" {
		return nil, &Error{Code: CodeBadResponse, Message: "scan answer without login id"}
	}
	if out.Network != NetworkSame && out.Network != NetworkDifferent {
		return nil, &Error{Code: CodeBadResponse, Message: "scan answer without network"}
	}
	if len(out.CheckChoices) != 3 || !distinctChecks(out.CheckChoices) {
		return nil, &Error{Code: CodeBadResponse, Message: "scan answer without three distinct check numbers"}
	}
	return &out, nil
}

// distinctChecks reports whether every choice is a check number and no two are alike.
func distinctChecks(choices []string) bool {
	seen := make(map[string]bool, len(choices))
	for _, c := range choices {
		if !ValidCheck(c) || seen[c] {
			return false
		}
		seen[c] = true
	}
	return true
}

// Approve confirms a scanned sign-in with the number the person picked
// (POST /phone/v1/logins/{id}/approve). A wrong number declines and ends
// the sign-in (CodeWrongCheck); the desktop hears why.
func (p *PhoneClient) Approve(ctx context.Context, loginID, check string) error {
	if !ValidCheck(check) {
		return &Error{Code: CodeBadRequest, Message: "the check number must be two digits"}
	}
	return p.loginAction(ctx, loginID, "/approve", ApproveRequest{Check: check})
}

// Decline refuses a pending sign-in (POST /phone/v1/logins/{id}/decline).
func (p *PhoneClient) Decline(ctx context.Context, loginID string) error {
	return p.loginAction(ctx, loginID, "/decline", nil)
}

// RevokeDevice signs a desktop out (DELETE /phone/v1/devices/{session_id});
// that desktop learns reason session_revoked.
func (p *PhoneClient) RevokeDevice(ctx context.Context, sessionID string) error {
	if sessionID == "" {
		return &Error{Code: CodeBadRequest, Message: "missing session id"}
	}
	return p.do(ctx, http.MethodDelete, "/phone/v1/devices/"+url.PathEscape(sessionID), nil, nil)
}

// ChangePassword changes the account password (POST /phone/v1/password);
// every desktop is signed out with reason password_changed.
func (p *PhoneClient) ChangePassword(ctx context.Context, oldPassword, newPassword string) error {
	return p.do(ctx, http.MethodPost, "/phone/v1/password",
		PasswordChange{Old: oldPassword, New: newPassword}, nil)
}

func (p *PhoneClient) loginAction(ctx context.Context, loginID, action string, body any) error {
	if loginID == "" || len(loginID) > MaxLoginIDLen {
		return &Error{Code: CodeBadRequest, Message: "missing or overlong login id"}
	}
	return p.do(ctx, http.MethodPost, "/phone/v1/logins/"+url.PathEscape(loginID)+action, body, nil)
}

// do performs an authenticated phone call.
func (p *PhoneClient) do(ctx context.Context, method, path string, body, out any) error {
	p.mu.Lock()
	token := p.token
	p.mu.Unlock()
	if token == "" {
		return &Error{Code: CodeUnauthorized, Message: "the phone is not signed in"}
	}
	return p.t.do(ctx, call{method: method, path: path, body: body, bearer: token, out: out})
}
