package pairing

import (
	"fmt"
	"time"
)

// Error codes carried in error.code of every error response.
const (
	CodeBadRequest         = "bad_request"
	CodeInvalidCredentials = "invalid_credentials"
	CodeAccountLocked      = "account_locked"
	CodeTooManyRequests    = "too_many_requests"
	CodeMaintenance        = "maintenance"
	CodeInvalidCode        = "invalid_code"
	CodeLoginNotFound      = "login_not_found"
	CodeLoginExpired       = "login_expired"
	CodeCodeExpired        = "code_expired"
	CodeLoginDeclined      = "login_declined"
	CodeNotFound           = "not_found"
	CodeUnauthorized       = "unauthorized"
	CodeForbidden          = "forbidden"
	CodeInternal           = "internal_error"

	// CodeAlreadyScanned (409): a phone has scanned this login's QR code
	// already; no other scan is accepted, and only that phone may approve.
	CodeAlreadyScanned = "already_scanned"
	// CodeWrongCheck (400): the phone picked another number than the one the
	// computer shows; the login is declined and ended. It is also the reason
	// of the desktop's "declined" event then.
	CodeWrongCheck = "wrong_check"

	// Session end reasons: error codes of 401 answers to session calls and the
	// reason of a "revoked" session event.
	CodeInvalidToken      = "invalid_token"
	CodeSessionExpired    = "session_expired"
	CodeSessionRevoked    = "session_revoked"
	CodeSignedInElsewhere = "signed_in_elsewhere"
	CodePasswordChanged   = "password_changed"
	CodeDeviceChanged     = "device_changed"

	// Client-side codes: failures that never came from the server.
	CodeNetwork       = "network_error"
	CodeTimeout       = "timeout"
	CodeBadResponse   = "bad_response"
	CodeStreamEnded   = "stream_ended"
	CodeInvalidQR     = "invalid_qr"
	CodeInvalidFormat = "invalid_code_format"
	// CodeInsecureServer: the server URL is plain http:// to a host that is not
	// loopback, so a password or token would cross the network in clear text.
	CodeInsecureServer = "insecure_server"
	// CodeCanceled: the caller's context was canceled; errors.Is(err,
	// context.Canceled) also holds.
	CodeCanceled = "canceled"
)

// Error is the one error type of the protocol. Callers inspect it with errors.As.
// It never carries a secret: messages come from the server's catalogue or from
// this package, never from request bodies.
type Error struct {
	Code         string    // one of the Code* constants
	Message      string    // human-readable, English, for logs and support reports
	AttemptsLeft *int      // wrong passwords or codes still allowed, when the server says
	RetryAt      time.Time // when a lock or block lifts, zero if none
	RequestID    string    // X-Request-ID of the response, empty for client-side errors
	Status       int       // HTTP status, 0 for client-side errors
	Err          error     // underlying cause for client-side errors (never a secret)
}

func (e *Error) Error() string {
	msg := e.Code
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Status != 0 {
		msg = fmt.Sprintf("%s (HTTP %d)", msg, e.Status)
	}
	if e.Err != nil && e.Status == 0 {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// IsSessionEnd reports whether code ends a desktop session (the token is no longer good).
func IsSessionEnd(code string) bool {
	switch code {
	case CodeInvalidToken, CodeSessionExpired, CodeSessionRevoked,
		CodeSignedInElsewhere, CodePasswordChanged, CodeDeviceChanged:
		return true
	}
	return false
}

// Temporary reports whether err is worth retrying unchanged later: network
// failures, timeouts, 5xx, maintenance and 429 without a 24 h block.
func Temporary(err error) bool {
	var pe *Error
	if !asError(err, &pe) {
		return false
	}
	switch pe.Code {
	case CodeNetwork, CodeTimeout, CodeMaintenance, CodeInternal, CodeBadResponse, CodeStreamEnded:
		return true
	}
	return pe.Status >= 500
}
