package pairing

import (
	"context"
	"crypto/x509"
	"net/http"
	"net/url"
	"time"
)

// Default timeouts (docs/PROTOCOL.md): never hang the UI.
const (
	DefaultConnectTimeout    = 5 * time.Second
	DefaultRequestTimeout    = 15 * time.Second
	DefaultStreamIdleTimeout = 45 * time.Second
	DefaultHeartbeat         = 15 * time.Second // the server's SSE heartbeat; a third of the idle timeout
)

// Stream reconnection defaults.
const (
	DefaultReconnectDelay    = time.Second      // first wait after a dropped stream
	DefaultMaxReconnectDelay = 30 * time.Second // cap of the exponential backoff
	DefaultStreamMaxFailures = 8                // failed connects in a row before EventError
	// MaxRetryAfterWait caps how long a stream obeys a server's Retry-After.
	MaxRetryAfterWait = 10 * time.Minute
)

// Options configure a Client. The zero value gives the protocol's default timeouts.
type Options struct {
	HTTPClient        *http.Client   // nil: a client with the timeouts below
	RootCAs           *x509.CertPool // extra trust for --ca, on top of the system roots
	UserAgent         string
	ConnectTimeout    time.Duration
	RequestTimeout    time.Duration
	StreamIdleTimeout time.Duration // a stream with no byte (not even a heartbeat) this long is reconnected
	Now               func() time.Time

	// ReconnectDelay is the first wait before reconnecting a stream; it
	// doubles (with jitter) after each failed connect up to MaxReconnectDelay.
	ReconnectDelay    time.Duration
	MaxReconnectDelay time.Duration
	// StreamMaxFailures is how many connects in a row may fail before a
	// stream gives up with an EventError (whose Err is Temporary). 0 means
	// DefaultStreamMaxFailures; negative means never give up.
	StreamMaxFailures int
	// Sleep waits between stream reconnects; it returns early with ctx's error.
	// nil: a real timer. Tests substitute it to observe the delays.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Credentials authenticate session calls: the bearer token and this computer's
// fingerprint. Token is a secret.
type Credentials struct {
	Token       string
	Fingerprint string
}

// Client speaks the desktop side of the protocol. It is safe for concurrent use.
// Every error it returns is an *Error.
//
// The server lets only the desktop that started a pending login follow or
// finish it: the Client remembers the device fingerprint of every login its
// StartLogin opened and sends it (Linkdesk-Device) with every later call on
// that login. Calls on a login this Client did not start answer
// login_not_found.
type Client struct {
	t      *transport
	stream streamConfig
	logins loginDevices
}

// NewClient returns a client for the server at baseURL (scheme and host, no
// path). Plain http:// is refused with CodeInsecureServer unless the host is
// this computer (localhost, 127.0.0.0/8, ::1); a malformed address is
// CodeBadRequest.
func NewClient(baseURL string, opts Options) (*Client, error) {
	t, err := newTransport(baseURL, opts)
	if err != nil {
		return nil, err
	}
	return &Client{t: t, stream: newStreamConfig(opts)}, nil
}

// BaseURL returns the server origin the client talks to.
func (c *Client) BaseURL() string { return c.t.base }

// StartLogin checks the password and opens a pending login (POST /v1/logins).
// The answer's QR payload must be a Linkdesk link (ParseQR) naming the new
// login; anything else is CodeBadResponse, so a hostile server or network
// cannot make the desktop show a web address or another login's QR code.
func (c *Client) StartLogin(ctx context.Context, req LoginRequest) (*PendingLogin, error) {
	var out PendingLogin
	err := c.t.do(ctx, call{method: http.MethodPost, path: "/v1/logins", body: req, out: &out})
	if err != nil {
		return nil, err
	}
	if out.LoginID == "" || out.Code.Length <= 0 {
		return nil, &Error{Code: CodeBadResponse, Message: "pending login without id or code length"}
	}
	if err := checkQR(out.QR.Payload, out.LoginID); err != nil {
		return nil, err
	}
	c.logins.remember(out.LoginID, req.Device.Fingerprint)
	return &out, nil
}

// SubmitCode sends the code shown on the phone (POST /v1/logins/{id}/code).
// The code is sent as given; normalise it with NormalizeCode first.
func (c *Client) SubmitCode(ctx context.Context, loginID, code string) (*Grant, error) {
	var out Grant
	if err := c.onLogin(ctx, http.MethodPost, loginID, "/code", CodeRequest{Code: code}, &out); err != nil {
		return nil, err
	}
	if err := checkGrant(&out); err != nil {
		return nil, err
	}
	c.logins.forget(loginID)
	return &out, nil
}

// RenewCode asks for a new code (POST /v1/logins/{id}/code/renew).
func (c *Client) RenewCode(ctx context.Context, loginID string) (*CodeInfo, error) {
	var out CodeRenewal
	if err := c.onLogin(ctx, http.MethodPost, loginID, "/code/renew", nil, &out); err != nil {
		return nil, err
	}
	if out.Code.Length <= 0 {
		return nil, &Error{Code: CodeBadResponse, Message: "renewed code without length"}
	}
	return &out.Code, nil
}

// RotateQR asks for a new QR payload now (POST /v1/logins/{id}/qr). As with
// StartLogin, a payload that is not a Linkdesk link for loginID is
// CodeBadResponse.
func (c *Client) RotateQR(ctx context.Context, loginID string) (*QRInfo, error) {
	var out QRRotation
	if err := c.onLogin(ctx, http.MethodPost, loginID, "/qr", nil, &out); err != nil {
		return nil, err
	}
	if out.QR.Payload == "" {
		return nil, &Error{Code: CodeBadResponse, Message: "QR rotation without payload"}
	}
	if err := checkQR(out.QR.Payload, loginID); err != nil {
		return nil, err
	}
	return &out.QR, nil
}

// CancelLogin cancels a pending login (DELETE /v1/logins/{id}).
func (c *Client) CancelLogin(ctx context.Context, loginID string) error {
	if err := c.onLogin(ctx, http.MethodDelete, loginID, "", nil, nil); err != nil {
		return err
	}
	c.logins.forget(loginID)
	return nil
}

// LoginEvents follows GET /v1/logins/{id}/events. The channel delivers events
// in order and is closed exactly once: after a terminal event (approved,
// declined, expired), after an EventError, or when ctx ends. Dropped and idle
// connections are reconnected without an event; the server replays the
// current state on connect, so no approval is lost and a repeated QR payload
// is not delivered twice. Connecting to a declined or expired login gives
// EventDeclined or EventExpired; other 4xx answers one EventError. A QR
// payload that is not a Linkdesk link for loginID ends the stream with an
// EventError (CodeBadResponse): a hostile server cannot put its own address
// or another login's QR code on the screen (docs/PROTOCOL.md has the details).
func (c *Client) LoginEvents(ctx context.Context, loginID string) <-chan LoginEvent {
	ch := make(chan LoginEvent, 4)
	p, err := loginPath(loginID, "/events")
	if err != nil {
		go func() {
			defer close(ch)
			ch <- LoginEvent{Type: EventError, Err: err}
		}()
		return ch
	}
	h := &loginStream{ctx: ctx, ch: ch, loginID: loginID}
	// Read now: a login forgotten meanwhile (approved by code) still replays.
	cr := Credentials{Fingerprint: c.logins.fingerprint(loginID)}
	go func() {
		defer close(ch)
		c.follow(ctx, p, cr, h)
		if h.ended {
			c.logins.forget(loginID)
		}
	}()
	return ch
}

// Session checks the token (GET /v1/session).
func (c *Client) Session(ctx context.Context, cr Credentials) (*Session, error) {
	if err := cr.check(); err != nil {
		return nil, err
	}
	var out SessionInfo
	err := c.t.do(ctx, call{method: http.MethodGet, path: "/v1/session",
		bearer: cr.Token, device: cr.Fingerprint, out: &out})
	if err != nil {
		return nil, err
	}
	if out.Session.ID == "" {
		return nil, &Error{Code: CodeBadResponse, Message: "session without id"}
	}
	return &out.Session, nil
}

// SessionEvents follows GET /v1/session/events; the channel is closed exactly
// once, after a "revoked" event, an EventError or when ctx ends.
//
// A 401 answer with a session-end code (IsSessionEnd) when connecting is
// delivered as a "revoked" event with that Reason, since the session has
// ended either way; other 4xx answers as one EventError.
func (c *Client) SessionEvents(ctx context.Context, cr Credentials) <-chan SessionEvent {
	ch := make(chan SessionEvent, 2)
	if err := cr.check(); err != nil {
		go func() {
			defer close(ch)
			ch <- SessionEvent{Type: EventError, Err: err}
		}()
		return ch
	}
	h := &sessionStream{ctx: ctx, ch: ch}
	go func() {
		defer close(ch)
		c.follow(ctx, "/v1/session/events", cr, h)
	}()
	return ch
}

// SignOut ends the session on the server (DELETE /v1/session).
func (c *Client) SignOut(ctx context.Context, cr Credentials) error {
	if err := cr.check(); err != nil {
		return err
	}
	return c.t.do(ctx, call{method: http.MethodDelete, path: "/v1/session",
		bearer: cr.Token, device: cr.Fingerprint})
}

// check rejects credentials that cannot be sent.
func (cr Credentials) check() error {
	if cr.Token == "" {
		return &Error{Code: CodeInvalidToken, Message: "no token"}
	}
	if cr.Fingerprint == "" {
		return &Error{Code: CodeBadRequest, Message: "no device fingerprint"}
	}
	return nil
}

// onLogin makes a call on a pending login (/v1/logins/{id}{suffix}) with the
// device fingerprint it was started with, and forgets the login when the
// answer says it has ended.
func (c *Client) onLogin(ctx context.Context, method, loginID, suffix string, body, out any) error {
	p, err := loginPath(loginID, suffix)
	if err != nil {
		return err
	}
	err = c.t.do(ctx, call{method: method, path: p, body: body, device: c.logins.fingerprint(loginID), out: out})
	if err != nil {
		c.logins.forgetIfEnded(loginID, err)
	}
	return err
}

// loginPath builds /v1/logins/{id}{suffix}, escaping the id.
func loginPath(loginID, suffix string) (string, error) {
	if loginID == "" || len(loginID) > MaxLoginIDLen {
		return "", &Error{Code: CodeBadRequest, Message: "missing or overlong login id"}
	}
	return "/v1/logins/" + url.PathEscape(loginID) + suffix, nil
}

// checkQR accepts a QR payload from the server only if it is a Linkdesk link
// (ParseQR) naming loginID: a web address would be opened by the phone's
// camera, and another login's link would have the person approve someone
// else's desktop. The payload itself (it holds the QR secret) is never
// quoted in the error.
func checkQR(payload, loginID string) *Error {
	p, err := ParseQR(payload)
	if err != nil {
		return &Error{Code: CodeBadResponse, Message: "the QR payload is not a Linkdesk link", Err: err}
	}
	if p.LoginID != loginID {
		return &Error{Code: CodeBadResponse, Message: "the QR payload names another login"}
	}
	return nil
}

// checkGrant rejects a grant without token or session.
func checkGrant(g *Grant) error {
	if g.Token == "" || g.Session.ID == "" {
		return &Error{Code: CodeBadResponse, Message: "grant without token or session"}
	}
	return nil
}
