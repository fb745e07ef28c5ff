// Package pairing is the Linkdesk wire protocol: request and response types,
// error codes, the HTTP client, the QR payload codec and code normalisation.
// It imports only the standard library, so the desktop core and the mock
// server share one definition of every message.
package pairing

import (
	"errors"
	"time"
)

// APIVersion is the path prefix of the desktop API.
const APIVersion = "v1"

// Header names used by the protocol.
const (
	HeaderRequestID = "X-Request-ID"
	HeaderDevice    = "Linkdesk-Device"
	TokenPrefix     = "ldk_"
)

// Platform names a desktop operating system as shown on the phone.
const (
	PlatformWindows = "windows"
	PlatformMacOS   = "macos"
	PlatformLinux   = "linux"
)

// Device describes the desktop asking to sign in. Fingerprint is the SHA-256
// (hex) of device ID, machine ID and OS user; it binds the session to this computer.
type Device struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Platform    string `json:"platform"`
	Fingerprint string `json:"fingerprint,omitempty"`
}

// LoginRequest is the body of POST /v1/logins.
type LoginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Device   Device `json:"device"`
}

// CodeInfo tells the desktop how long the phone's code is and when it expires.
// The code itself is only ever shown on the phone.
type CodeInfo struct {
	Length    int       `json:"length"`
	ExpiresAt time.Time `json:"expires_at"`
}

// QRInfo is the current QR payload of a pending login.
type QRInfo struct {
	Payload   string    `json:"payload"`
	ExpiresAt time.Time `json:"expires_at"`
}

// PendingLogin is the answer to POST /v1/logins: a login waiting for the phone.
type PendingLogin struct {
	LoginID   string    `json:"login_id"`
	ExpiresAt time.Time `json:"expires_at"`
	Code      CodeInfo  `json:"code"`
	QR        QRInfo    `json:"qr"`
}

// CodeRequest is the body of POST /v1/logins/{id}/code.
type CodeRequest struct {
	Code string `json:"code"`
}

// CodeRenewal is the answer to POST /v1/logins/{id}/code/renew.
type CodeRenewal struct {
	Code CodeInfo `json:"code"`
}

// QRRotation is the answer to POST /v1/logins/{id}/qr.
type QRRotation struct {
	QR QRInfo `json:"qr"`
}

// Account is the public part of an account.
type Account struct {
	Email string `json:"email"`
	Name  string `json:"name"`
}

// Session is a desktop session as the server describes it.
type Session struct {
	ID         string    `json:"id"`
	Account    Account   `json:"account"`
	Device     Device    `json:"device"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// Grant is a freshly issued session: the bearer token and what it stands for.
// The token is a secret: never log it or put it in an error.
type Grant struct {
	Token   string  `json:"token"`
	Session Session `json:"session"`
}

// SessionInfo is the answer to GET /v1/session.
type SessionInfo struct {
	Session Session `json:"session"`
}

// Login event types of GET /v1/logins/{id}/events.
const (
	EventQR       = "qr"       // data: QRInfo
	EventScanned  = "scanned"  // data: ScanNotice; the QR code stops rotating
	EventApproved = "approved" // data: Grant
	EventDeclined = "declined" // data: Decline
	EventExpired  = "expired"  // data: {}
)

// CheckDigits is the length of the check number the desktop shows after a
// scan and the phone picks among three.
const CheckDigits = 2

// ScanNotice is the data of a "scanned" event: a phone scanned the QR
// code, and the person must pick Check on it.
type ScanNotice struct {
	Check string `json:"check"`
}

// Reasons of a "declined" event.
const (
	DeclinedOnPhone    = "declined"     // the person tapped Decline
	DeclinedWrongCheck = CodeWrongCheck // the phone picked another number than the computer shows
)

// Decline is the data of a "declined" event.
type Decline struct {
	Reason string `json:"reason"`
}

// Session event types of GET /v1/session/events.
const (
	EventRevoked = "revoked" // data: SessionEnd
)

// LoginEvent is one event of a pending login's stream. QR is set for "qr",
// Check for "scanned", Grant for "approved"; Reason may be set for
// "declined" (DeclinedOnPhone, DeclinedWrongCheck, or "" from an older
// server); nothing for "expired".
type LoginEvent struct {
	Type   string
	QR     *QRInfo
	Check  string
	Grant  *Grant
	Reason string
	Err    error // set for EventError only
}

// SessionEnd is the data of a "revoked" session event.
type SessionEnd struct {
	Reason string `json:"reason"`
}

// ErrorBody is the one shape of every error response.
type ErrorBody struct {
	Error     ErrorDetail `json:"error"`
	RequestID string      `json:"request_id"`
}

// ErrorDetail is the "error" member of ErrorBody.
type ErrorDetail struct {
	Code         string     `json:"code"`
	Message      string     `json:"message"`
	AttemptsLeft *int       `json:"attempts_left,omitempty"`
	RetryAt      *time.Time `json:"retry_at,omitempty"`
}

// Phone side.

// PhoneSignInRequest is the body of POST /phone/v1/signin.
type PhoneSignInRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// PhoneSignIn is the answer to POST /phone/v1/signin.
type PhoneSignIn struct {
	PhoneToken string `json:"phone_token"`
}

// PendingRequest is a pending login as the phone's device-link screen shows it.
type PendingRequest struct {
	LoginID       string    `json:"login_id"`
	Code          string    `json:"code"`
	CodeExpiresAt time.Time `json:"code_expires_at"`
	Device        Device    `json:"device"`
	IP            string    `json:"ip"`
	Network       string    `json:"network"` // NetworkSame or NetworkDifferent: the phone's address against IP
	CreatedAt     time.Time `json:"created_at"`
	Scanned       bool      `json:"scanned"`
}

// Network values: whether the phone calls from the desktop's network (the
// same IPv4 /24 or IPv6 /56, or both on loopback).
const (
	NetworkSame      = "same"
	NetworkDifferent = "different"
)

// LinkedDevice is a desktop signed in to the account, as the phone lists it.
type LinkedDevice struct {
	SessionID  string    `json:"session_id"`
	Name       string    `json:"name"`
	Platform   string    `json:"platform"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
}

// LinkScreen is the answer to GET /phone/v1/link.
type LinkScreen struct {
	Pending []PendingRequest `json:"pending"`
	Devices []LinkedDevice   `json:"devices"`
}

// ScanRequest is the body of POST /phone/v1/qr/scan.
type ScanRequest struct {
	Payload string `json:"payload"`
}

// ScanResult is what the phone shows for confirmation after a scan: who
// asks, from which network, and three numbers to pick from, one of them
// the one the computer now shows.
type ScanResult struct {
	LoginID      string    `json:"login_id"`
	Device       Device    `json:"device"`
	IP           string    `json:"ip"`
	Network      string    `json:"network"`
	CheckChoices []string  `json:"check_choices"`
	CreatedAt    time.Time `json:"created_at"`
}

// ApproveRequest is the body of POST /phone/v1/logins/{id}/approve: the
// number the person picked.
type ApproveRequest struct {
	Check string `json:"check"`
}

// PasswordChange is the body of POST /phone/v1/password.
type PasswordChange struct {
	Old string `json:"old"`
	New string `json:"new"`
}

func asError(err error, target **Error) bool { return errors.As(err, target) }

// EventError is the client-side event type that carries a stream failure the
// client could not recover from (for example login_not_found or a session end
// answered with 401). Its Err is an *Error.
const EventError = "error"

// SessionEvent is one event of the session stream: "revoked" with a Reason, or
// EventError with Err.
type SessionEvent struct {
	Type   string
	Reason string
	Err    error
}
