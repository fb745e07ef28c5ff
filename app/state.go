package app

import (
	"maps"
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

// Problem is one entry of the error catalogue, ready to show: the ui
// translates Key and Action (with Params as template data). A Problem is
// never modified after it is made.
type Problem struct {
	Seq          uint64         // numbers Problems: a different Seq is a new occurrence, even of the same code
	Code         string         // pairing.Code* or a local code such as "keychain_unavailable"
	Key          string         // message key, e.g. "error.invalid_credentials" (what happened)
	Action       string         // action key, e.g. "action.check_password" (what to do)
	Params       map[string]any // template data: "AttemptsLeft", "Server", "Length"; Text adds "RetryAt"
	RetryAt      time.Time      // zero if none
	AttemptsLeft int            // -1 if unknown
	RequestID    string
	Retryable    bool      // ui shows a Retry button that calls Core.Retry
	Err          error     // the underlying error (never contains a secret)
	At           time.Time // when it happened

	loc *time.Location // where RetryAt is shown
}

// Input names the field of the form a Problem is about.
type Input int

// Inputs a Problem can be about.
const (
	InputNone     Input = iota
	InputEmail          // missing e-mail: the focus goes there
	InputPassword       // wrong or missing password: it is typed again
	InputCode           // wrong, expired or malformed code: it is typed again
)

// Input tells which field the person must correct, so the ui can clear it
// and move the focus there.
func (p *Problem) Input() Input {
	switch p.Code {
	case CodeEmailRequired:
		return InputEmail
	case pairing.CodeInvalidCredentials, CodePasswordRequired:
		return InputPassword
	case pairing.CodeInvalidCode, pairing.CodeCodeExpired, pairing.CodeInvalidFormat:
		return InputCode
	}
	return InputNone
}

// LoginView is the pending login as the verify screen shows it. The code
// itself is only ever shown on the phone.
type LoginView struct {
	ID            string
	ExpiresAt     time.Time // the whole pending login
	CodeLength    int       // digits of the phone's code
	CodeExpiresAt time.Time
	QRPayload     string // what the QR code encodes; it rotates until a phone scans it
	QRExpiresAt   time.Time
	// Scanned: a phone scanned the QR code; it no longer rotates, and the
	// person picks Check (two digits) on the phone to approve.
	Scanned bool
	Check   string
}

// loginView is the view of the server's pending login.
func loginView(pl *pairing.PendingLogin) *LoginView {
	v := &LoginView{ID: pl.LoginID, ExpiresAt: pl.ExpiresAt}
	v.setCode(pl.Code)
	v.setQR(pl.QR)
	return v
}

func (v *LoginView) setCode(c pairing.CodeInfo) {
	v.CodeLength, v.CodeExpiresAt = c.Length, c.ExpiresAt
	if v.CodeLength <= 0 {
		v.CodeLength = DefaultCodeLength
	}
}

func (v *LoginView) setQR(q pairing.QRInfo) { v.QRPayload, v.QRExpiresAt = q.Payload, q.ExpiresAt }

// setScanned shows the check number a scan brought.
func (v *LoginView) setScanned(check string) { v.Scanned, v.Check = true, check }

// SessionView is this computer's session as the home screen shows it.
type SessionView struct {
	ID             string
	Email          string // the account's
	Name           string // the account holder's, may be empty
	DeviceName     string // this computer as the phone lists it
	DevicePlatform string // "windows", "macos" or "linux"
	CreatedAt      time.Time
	LastSeenAt     time.Time
	ExpiresAt      time.Time
}

// sessionView is the view of the server's session.
func sessionView(s *pairing.Session) *SessionView {
	return &SessionView{
		ID: s.ID, Email: s.Account.Email, Name: s.Account.Name,
		DeviceName: s.Device.Name, DevicePlatform: s.Device.Platform,
		CreatedAt: s.CreatedAt, LastSeenAt: s.LastSeenAt, ExpiresAt: s.ExpiresAt,
	}
}

// PlatformName is how a platform of SessionView is written: "Windows",
// "macOS", "Linux"; "" for one this version does not know.
func PlatformName(platform string) string {
	return map[string]string{
		pairing.PlatformWindows: "Windows",
		pairing.PlatformMacOS:   "macOS",
		pairing.PlatformLinux:   "Linux",
	}[platform]
}

// State is a snapshot the ui renders; it is a value copy, safe to keep.
type State struct {
	Phase        Phase
	Busy         bool         // a call is under way (ui disables buttons, shows activity)
	Email        string       // remembered e-mail (pre-filled)
	KeepSignedIn bool         // remembered "Keep me signed in" choice (pre-filled)
	Server       string       // server origin
	Method       Method       // while verifying
	Login        *LoginView   // while verifying
	Session      *SessionView // while signed in
	Storage      TokenStorage // where the token is kept (after sign-in/restore)
	Problem      *Problem     // last error, nil when none; also set when a session ended (Code = the reason)
	Ended        string       // reason code when returned to sign-in because the session ended ("" otherwise)
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
		p.Params = maps.Clone(p.Params)
		s.Problem = &p
	}
	return s
}
