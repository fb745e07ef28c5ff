package app

import (
	"time"

	"github.com/linkdesk/linkdesk/pairing"
)

// Phase of the sign-in state machine.
type Phase int

// Phases, in the order a person usually meets them.
const (
	PhaseStarting   Phase = iota // checking a stored session at start (Restore)
	PhaseSignedOut               // sign-in form
	PhaseSubmitting              // password sent, waiting for the server
	PhaseVerifying               // pending login: code or QR
	PhaseSignedIn                // home
)

// String names the phase for logs and the support report.
func (p Phase) String() string {
	switch p {
	case PhaseStarting:
		return "starting"
	case PhaseSignedOut:
		return "signed-out"
	case PhaseSubmitting:
		return "submitting"
	case PhaseVerifying:
		return "verifying"
	case PhaseSignedIn:
		return "signed-in"
	}
	return "unknown"
}

// Method of proving the phone.
type Method int

// Methods: type the code shown on the phone, or scan the desktop's QR code with it.
const (
	MethodCode Method = iota
	MethodQR
)

// String names the method for the support report.
func (m Method) String() string {
	if m == MethodQR {
		return "qr"
	}
	return "code"
}

// TokenStorage says where this run's token lives.
type TokenStorage int

// Where the token is kept.
const (
	StorageNone             TokenStorage = iota // no token
	StorageKeychain                             // OS keychain: the next start needs no sign-in
	StorageMemoryByChoice                       // keep-me-signed-in off: this run only
	StorageMemoryNoKeychain                     // keychain unavailable: this run only
)

// String names the storage for the support report.
func (s TokenStorage) String() string {
	switch s {
	case StorageKeychain:
		return "keychain"
	case StorageMemoryByChoice:
		return "memory (keep signed in off)"
	case StorageMemoryNoKeychain:
		return "memory (keychain unavailable)"
	}
	return "none"
}

// Problem is one entry of the error catalogue, ready to show: the ui translates
// Key and Action with fyne lang (lang.L / lang.LocalizeKey with Params as
// template data). A Problem is never modified after it is made.
type Problem struct {
	Code         string         // pairing.Code* or a local code such as "keychain_unavailable"
	Key          string         // message key, e.g. "error.invalid_credentials" (what happened)
	Action       string         // action key, e.g. "action.check_password" (what to do)
	Params       map[string]any // template data: "AttemptsLeft", "RetryAt" (local time), "Server", ...
	RetryAt      time.Time      // zero if none
	AttemptsLeft int            // -1 if unknown
	RequestID    string
	Retryable    bool      // ui shows a Retry button that calls Core.Retry
	Err          error     // the underlying error (never contains a secret)
	At           time.Time // when it happened
}

// State is a snapshot the ui renders; it is a value copy, safe to keep.
type State struct {
	Phase        Phase
	Busy         bool                  // a call is under way (ui disables buttons, shows activity)
	Email        string                // remembered e-mail (pre-filled)
	KeepSignedIn bool                  // remembered "Keep me signed in" choice (pre-filled)
	Server       string                // server origin
	Method       Method                // while verifying
	Login        *pairing.PendingLogin // while verifying: Code.Length, Code.ExpiresAt, QR.Payload, QR.ExpiresAt, ExpiresAt
	Session      *pairing.Session      // while signed in
	Storage      TokenStorage          // where the token is kept (after sign-in/restore)
	Problem      *Problem              // last error, nil when none; also set when a session ended (Code = the reason)
	Ended        string                // reason code when returned to sign-in because the session ended ("" otherwise)
}

// clone returns a deep copy so that callers may keep and modify it freely.
func (s State) clone() State {
	if s.Login != nil {
		l := *s.Login
		s.Login = &l
	}
	if s.Session != nil {
		ss := *s.Session
		s.Session = &ss
	}
	if s.Problem != nil {
		p := *s.Problem
		if p.Params != nil {
			m := make(map[string]any, len(p.Params))
			for k, v := range p.Params {
				m[k] = v
			}
			p.Params = m
		}
		s.Problem = &p
	}
	return s
}
