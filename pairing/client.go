package pairing

import (
	"context"
	"crypto/x509"
	"errors"
	"net/http"
	"time"
)

// Default timeouts of DESIGN.md: never hang the UI.
const (
	DefaultConnectTimeout    = 5 * time.Second
	DefaultRequestTimeout    = 15 * time.Second
	DefaultStreamIdleTimeout = 45 * time.Second
	DefaultHeartbeat         = 15 * time.Second
)

// Options configure a Client. The zero value gives DESIGN.md's defaults.
type Options struct {
	HTTPClient        *http.Client   // nil: a client with the timeouts below
	RootCAs           *x509.CertPool // extra trust for --ca; nil: system roots
	UserAgent         string
	ConnectTimeout    time.Duration
	RequestTimeout    time.Duration
	StreamIdleTimeout time.Duration // a stream with no byte (not even a heartbeat) this long is reconnected
	Now               func() time.Time
}

// Credentials authenticate session calls: the bearer token and this computer's
// fingerprint. Token is a secret.
type Credentials struct {
	Token       string
	Fingerprint string
}

// Client speaks the desktop side of the protocol. It is safe for concurrent use.
// Every error it returns is an *Error.
type Client struct {
	// implementation detail
}

// NewClient returns a client for the server at baseURL (scheme and host, no path).
func NewClient(baseURL string, opts Options) (*Client, error) {
	return nil, errors.New("TODO")
}

// BaseURL returns the server origin the client talks to.
func (c *Client) BaseURL() string { return "" }

// StartLogin checks the password and opens a pending login (POST /v1/logins).
func (c *Client) StartLogin(ctx context.Context, req LoginRequest) (*PendingLogin, error) {
	panic("TODO: pairing client")
}

// SubmitCode sends the code shown on the phone (POST /v1/logins/{id}/code).
func (c *Client) SubmitCode(ctx context.Context, loginID, code string) (*Grant, error) {
	panic("TODO: pairing client")
}

// RenewCode asks for a new code (POST /v1/logins/{id}/code/renew).
func (c *Client) RenewCode(ctx context.Context, loginID string) (*CodeInfo, error) {
	panic("TODO: pairing client")
}

// RotateQR asks for a new QR payload now (POST /v1/logins/{id}/qr).
func (c *Client) RotateQR(ctx context.Context, loginID string) (*QRInfo, error) {
	panic("TODO: pairing client")
}

// CancelLogin cancels a pending login (DELETE /v1/logins/{id}).
func (c *Client) CancelLogin(ctx context.Context, loginID string) error {
	panic("TODO: pairing client")
}

// LoginEvents follows GET /v1/logins/{id}/events. The channel delivers events in
// order and is closed exactly once: after a terminal event (approved, declined,
// expired), after an EventError, or when ctx ends. Dropped connections and idle
// streams are reconnected (honouring Retry-After) without a visible event.
func (c *Client) LoginEvents(ctx context.Context, loginID string) <-chan LoginEvent {
	panic("TODO: pairing client")
}

// Session checks the token (GET /v1/session).
func (c *Client) Session(ctx context.Context, cr Credentials) (*Session, error) {
	panic("TODO: pairing client")
}

// SessionEvents follows GET /v1/session/events; the channel is closed exactly
// once, after a "revoked" event, an EventError or when ctx ends.
func (c *Client) SessionEvents(ctx context.Context, cr Credentials) <-chan SessionEvent {
	panic("TODO: pairing client")
}

// SignOut ends the session on the server (DELETE /v1/session).
func (c *Client) SignOut(ctx context.Context, cr Credentials) error { panic("TODO: pairing client") }
