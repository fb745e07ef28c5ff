package mocktest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
)

// Phone plays the phone app against a server's phone API (/phone/v1/...):
// tests, benchmarks and the end-to-end suite read codes, scan QR payloads
// and approve or decline sign-ins with it. It is safe for concurrent use;
// every error it returns is a *pairing.Error.
type Phone struct {
	base string
	hc   *http.Client

	mu    sync.Mutex
	token string // phone token from SignIn; a secret
}

// NewPhone returns a phone, not signed in, for the server at baseURL.
func NewPhone(baseURL string) *Phone {
	return &Phone{base: strings.TrimSuffix(baseURL, "/"), hc: &http.Client{Timeout: pairing.DefaultRequestTimeout}}
}

// SignIn signs the phone in (POST /phone/v1/signin) and keeps the phone token
// for the other calls.
func (p *Phone) SignIn(ctx context.Context, email, password string) error {
	var out pairing.PhoneSignIn
	if err := p.call(ctx, http.MethodPost, "/phone/v1/signin", "", pairing.PhoneSignInRequest{Email: email, Password: password}, &out); err != nil {
		return err
	}
	if out.PhoneToken == "" {
		return &pairing.Error{Code: pairing.CodeBadResponse, Message: "sign-in answer without phone token"}
	}
	p.mu.Lock()
	p.token = out.PhoneToken
	p.mu.Unlock()
	return nil
}

// Link reads the device-link screen (GET /phone/v1/link): pending sign-ins
// with their codes, and the desktops signed in.
func (p *Phone) Link(ctx context.Context) (*pairing.LinkScreen, error) {
	var out pairing.LinkScreen
	if err := p.do(ctx, http.MethodGet, "/phone/v1/link", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CodeFor returns the security code the phone shows for loginID. It fails
// with CodeLoginNotFound when the phone lists no such pending login. The code
// is a secret: tests type it, nobody logs it.
func (p *Phone) CodeFor(ctx context.Context, loginID string) (string, error) {
	ls, err := p.Link(ctx)
	if err != nil {
		return "", err
	}
	for _, pr := range ls.Pending {
		if pr.LoginID == loginID {
			return pr.Code, nil
		}
	}
	return "", &pairing.Error{Code: pairing.CodeLoginNotFound, Message: "the phone shows no such pending sign-in"}
}

// Scan sends a scanned QR payload (POST /phone/v1/qr/scan) and returns what
// the phone shows for confirmation: the desktop, its network against the
// phone's, and three check numbers to pick from. Nothing is approved yet,
// and no other scan of this login is accepted after it (CodeAlreadyScanned).
func (p *Phone) Scan(ctx context.Context, payload string) (*pairing.ScanResult, error) {
	var out pairing.ScanResult
	if err := p.do(ctx, http.MethodPost, "/phone/v1/qr/scan", pairing.ScanRequest{Payload: payload}, &out); err != nil {
		return nil, err
	}
	bad := func(what string) error {
		return &pairing.Error{Code: pairing.CodeBadResponse, Message: "scan answer without " + what}
	}
	switch {
	case out.LoginID == "":
		return nil, bad("login id")
	case out.Network != pairing.NetworkSame && out.Network != pairing.NetworkDifferent:
		return nil, bad("network")
	case len(out.CheckChoices) != 3 || !distinctChecks(out.CheckChoices):
		return nil, bad("three distinct check numbers")
	}
	return &out, nil
}

// distinctChecks reports whether every choice is a check number and no two are alike.
func distinctChecks(choices []string) bool {
	seen := make(map[string]bool, len(choices))
	for _, c := range choices {
		if !pairing.ValidCheck(c) || seen[c] {
			return false
		}
		seen[c] = true
	}
	return true
}

// Approve confirms a scanned sign-in with the number the person picked
// (POST /phone/v1/logins/{id}/approve). A wrong number declines and ends
// the sign-in (CodeWrongCheck); the desktop hears why.
func (p *Phone) Approve(ctx context.Context, loginID, check string) error {
	if !pairing.ValidCheck(check) {
		return &pairing.Error{Code: pairing.CodeBadRequest, Message: "the check number must be two digits"}
	}
	return p.onLogin(ctx, loginID, "/approve", pairing.ApproveRequest{Check: check})
}

// Decline refuses a pending sign-in (POST /phone/v1/logins/{id}/decline).
func (p *Phone) Decline(ctx context.Context, loginID string) error {
	return p.onLogin(ctx, loginID, "/decline", nil)
}

// RevokeDevice signs a desktop out (DELETE /phone/v1/devices/{session_id});
// that desktop learns reason session_revoked.
func (p *Phone) RevokeDevice(ctx context.Context, sessionID string) error {
	if sessionID == "" {
		return &pairing.Error{Code: pairing.CodeBadRequest, Message: "missing session id"}
	}
	return p.do(ctx, http.MethodDelete, "/phone/v1/devices/"+url.PathEscape(sessionID), nil, nil)
}

// ChangePassword changes the account password (POST /phone/v1/password);
// every desktop is signed out with reason password_changed.
func (p *Phone) ChangePassword(ctx context.Context, oldPassword, newPassword string) error {
	return p.do(ctx, http.MethodPost, "/phone/v1/password", pairing.PasswordChange{Old: oldPassword, New: newPassword}, nil)
}

func (p *Phone) onLogin(ctx context.Context, loginID, action string, body any) error {
	if loginID == "" {
		return &pairing.Error{Code: pairing.CodeBadRequest, Message: "missing login id"}
	}
	return p.do(ctx, http.MethodPost, "/phone/v1/logins/"+url.PathEscape(loginID)+action, body, nil)
}

// ReadQR is the phone's camera: it sends picture (PNG, JPEG or GIF) to the
// server's QR reader (POST /phone/v1/qr/decode), as the phone page does with
// a photo, and returns what the QR code in it encodes; with no code in the
// picture the error's Code is "qr_not_found".
func (p *Phone) ReadQR(ctx context.Context, picture []byte) (string, error) {
	token, err := p.signedIn()
	if err != nil {
		return "", err
	}
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	part, err := mw.CreateFormFile("image", "camera")
	if err == nil {
		_, err = part.Write(picture)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return "", &pairing.Error{Code: pairing.CodeBadRequest, Err: err}
	}
	var out struct {
		Payload string `json:"payload"`
	}
	if err := p.send(ctx, http.MethodPost, "/phone/v1/qr/decode", token, mw.FormDataContentType(), &form, &out); err != nil {
		return "", err
	}
	return out.Payload, nil
}

// signedIn is the phone token, or an error before SignIn.
func (p *Phone) signedIn() (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.token == "" {
		return "", &pairing.Error{Code: pairing.CodeUnauthorized, Message: "the phone is not signed in"}
	}
	return p.token, nil
}

// do makes a call as the signed-in phone.
func (p *Phone) do(ctx context.Context, method, path string, body, out any) error {
	token, err := p.signedIn()
	if err != nil {
		return err
	}
	return p.call(ctx, method, path, token, body, out)
}

// call sends body as JSON (a POST says it is JSON even without one); see send.
func (p *Phone) call(ctx context.Context, method, path, token string, body, out any) error {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return &pairing.Error{Code: pairing.CodeBadRequest, Err: err}
		}
		rd = bytes.NewReader(data)
	}
	contentType := ""
	if rd != nil || method == http.MethodPost {
		contentType = "application/json"
	}
	return p.send(ctx, method, path, token, contentType, rd, out)
}

// send makes one request and decodes a success into out; an error answer
// becomes the *pairing.Error it describes.
func (p *Phone) send(ctx context.Context, method, path, token, contentType string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, p.base+path, body)
	if err != nil {
		return &pairing.Error{Code: pairing.CodeBadRequest, Err: err}
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		return &pairing.Error{Code: pairing.CodeNetwork, Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return &pairing.Error{Code: pairing.CodeNetwork, Err: err}
	}
	if resp.StatusCode >= 300 {
		return answerError(resp, data)
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return &pairing.Error{Code: pairing.CodeBadResponse, Status: resp.StatusCode, Err: err}
		}
	}
	return nil
}

// answerError is the *pairing.Error of an error answer.
func answerError(resp *http.Response, data []byte) error {
	pe := &pairing.Error{Status: resp.StatusCode, RequestID: resp.Header.Get(pairing.HeaderRequestID)}
	var eb pairing.ErrorBody
	if err := json.Unmarshal(data, &eb); err != nil || eb.Error.Code == "" {
		pe.Code, pe.Err = pairing.CodeBadResponse, errors.Join(fmt.Errorf("HTTP %d without the error shape", resp.StatusCode), err)
		return pe
	}
	pe.Code, pe.Message, pe.AttemptsLeft = eb.Error.Code, eb.Error.Message, eb.Error.AttemptsLeft
	if eb.Error.RetryAt != nil {
		pe.RetryAt = eb.Error.RetryAt.In(time.UTC)
	}
	if eb.RequestID != "" {
		pe.RequestID = eb.RequestID
	}
	return pe
}
