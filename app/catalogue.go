package app

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"maps"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
)

// This file is the one place that turns an error into what the person sees:
// a message key (what happened), an action key (what to do) and the template
// data both need. The ui translates the keys; DefaultText gives English.

// Local problem codes: failures that never came from the server. Server and
// client-side protocol failures use the pairing.Code* constants.
const (
	CodeKeychainUnavailable = "keychain_unavailable"
	CodeKeychainLocked      = "keychain_locked"
	CodeKeychainTimeout     = "keychain_timeout"
	CodeKeychainTooBig      = "keychain_too_big"
	CodeKeychainUnreadable  = "keychain_unreadable"
	CodeInsecureServer      = pairing.CodeInsecureServer // refused by pairing.NewClient
	CodeServerCertificate   = "server_certificate"
	CodeEmailRequired       = "email_required"
	CodePasswordRequired    = "password_required"
	CodeSignedOutOffline    = "signed_out_offline"
	CodeSettingsUnwritable  = "settings_unwritable"
	CodeUnknown             = "unknown_error"
)

// Local errors the Core turns into Problems.
var (
	ErrEmailRequired  = errors.New("e-mail is empty")
	ErrPasswordEmpty  = errors.New("password is empty")
	ErrSignOutOffline = errors.New("signed out here; the server could not be told")
	ErrSettings       = errors.New("settings could not be saved")
)

// Template parameter names of Problem.Params.
const (
	ParamServer       = "Server"       // server origin
	ParamAttemptsLeft = "AttemptsLeft" // wrong passwords or codes still allowed
	ParamRetryAt      = "RetryAt"      // when a lock or block lifts, local time ("15:04", or "2006-01-02 15:04" on another day)
	ParamLength       = "Length"       // digits of the security code
)

// defaultTexts are the English texts of every message and action key. Go
// template syntax, with Problem.Params as data.
func defaultTexts() map[string]string {
	return map[string]string{
		"error.invalid_credentials":          "The e-mail or password is not right. Tries left before the account is locked: {{.AttemptsLeft}}.",
		"error.invalid_credentials_no_count": "The e-mail or password is not right.",
		"action.check_password":              "Check the e-mail address and that Caps Lock is off, then try again. Forgot the password? Reset it in the phone app.",
		"error.account_locked":               "The account is locked after too many wrong passwords, until {{.RetryAt}}.",
		"error.account_locked_no_time":       "The account is locked for a while after too many wrong passwords.",
		"action.wait_or_reset":               "Try again once the lock lifts, or reset the password in the phone app.",
		"error.too_many_requests":            "Too many sign-ins or new codes for this account. It is blocked until {{.RetryAt}}.",
		"error.too_many_requests_no_time":    "Too many requests for this account right now.",
		"error.too_many_requests_brief":      "Several sign-ins for this account are being checked at this moment.",
		"action.try_again_moment":            "Wait a moment, then try again.",
		"action.wait_blocked":                "Try again once the block lifts (it lasts at most 24 hours). Check the phone app's Linked devices screen for a code already shown there.",
		"error.maintenance":                  "The server at {{.Server}} is down for maintenance.",
		"action.retry_later":                 "Try again in a few minutes.",
		"error.server_unreachable":           "Linkdesk could not reach the server at {{.Server}}.",
		"action.check_connection":            "Check the internet connection, then try again.",
		"error.server_timeout":               "The server at {{.Server}} did not answer in time.",
		"error.server_error":                 "The server had a problem and could not finish.",
		"error.bad_response":                 "The server's answer could not be understood.",
		"error.connection_lost":              "The connection to the server was lost.",
		"action.retry_or_support":            "Try again. If it keeps happening, copy the details for support.",
		"error.bad_request":                  "The server did not accept the request.",
		"error.canceled":                     "The request was cancelled.",
		"action.try_again":                   "Try again when you are ready.",
		"action.update_or_support":           "Make sure Linkdesk is up to date. If it keeps happening, copy the details for support.",
		"error.invalid_code":                 "That code is not right. Tries left: {{.AttemptsLeft}}.",
		"error.invalid_code_no_count":        "That code is not right.",
		"action.check_code":                  "Type the code shown next to this computer's name on the phone app's Linked devices screen.",
		"error.invalid_code_last":            "The code was wrong too many times, so this sign-in was stopped.",
		"action.sign_in_again":               "Sign in again to get a new code.",
		"error.code_expired":                 "The code has expired.",
		"action.get_new_code":                "Choose “Get a new code”, then type the new code from the phone.",
		"error.login_expired":                "This sign-in waited too long and has expired.",
		"error.login_not_found":              "This sign-in is no longer waiting: it was cancelled or has ended.",
		"error.login_declined":               "The sign-in was declined on the phone.",
		"action.declined":                    "If you declined it on the phone yourself, sign in again. If you did not, change your password in the phone app.",
		"error.invalid_code_format":          "The security code has {{.Length}} digits.",
		"action.enter_digits":                "Type only the digits shown on the phone.",
		"error.invalid_qr":                   "The QR code could not be read.",
		"action.use_code":                    "Type the security code instead.",
		"error.session_invalid":              "This computer's sign-in is no longer valid.",
		"action.sign_in":                     "Sign in with your e-mail and password, then verify with your phone.",
		"error.session_expired":              "You were signed out because the sign-in expired (unused for a long time, or too old).",
		"error.session_revoked":              "This computer was signed out from the phone.",
		"action.sign_in_or_secure":           "If that was you, nothing else to do; sign in again when you need to. If it was not, change your password in the phone app.",
		"error.signed_in_elsewhere":          "You were signed out because your account signed in on another computer.",
		"action.sign_in_here":                "Sign in again to use this computer; the other computer will then be signed out.",
		"error.password_changed":             "You were signed out because the account's password was changed.",
		"action.sign_in_new_password":        "Sign in with the new password.",
		"error.device_changed":               "This computer looks different to the server (a new computer, copied settings, or a system change), so it must be verified again.",
		"action.verify_again":                "Sign in and verify with your phone again.",
		"error.keychain_unavailable":         "The system keychain is not available, so you stay signed in only until Linkdesk closes.",
		"action.keychain_setup":              "To stay signed in, set up the system keychain (on Linux, a Secret Service such as GNOME Keyring), then sign in again.",
		"error.keychain_locked":              "The system keychain is locked.",
		"action.keychain_unlock":             "Unlock the keychain (it may ask for your computer password), then try again.",
		"error.keychain_timeout":             "The system keychain did not answer in time.",
		"error.keychain_too_big":             "The sign-in is too big to be saved in the system keychain, so you stay signed in only until Linkdesk closes.",
		"error.keychain_unreadable":          "The saved sign-in could not be read.",
		"action.contact_support":             "Copy the details for support and send them to us.",
		"error.insecure_server":              "The server address is not secure (no https), so Linkdesk will not send your password to it.",
		"action.check_server":                "Use the https address of the server.",
		"error.server_certificate":           "The security certificate of the server at {{.Server}} is not trusted.",
		"action.check_certificate":           "Check the server address and this computer's date and time. If it keeps happening, ask the server's owner.",
		"error.email_required":               "Enter your e-mail address.",
		"action.enter_email":                 "Use the e-mail of the account you use on your phone.",
		"error.password_required":            "Enter your password.",
		"action.enter_password":              "Use the password of the account you use on your phone.",
		"error.signed_out_offline":           "You are signed out on this computer, but the server could not be told.",
		"action.remove_in_phone":             "You can also choose Sign out next to this computer on the phone app's Linked devices screen.",
		"error.settings_unwritable":          "Linkdesk could not save its settings.",
		"action.check_disk":                  "Check that the disk is not full and that the settings folder can be written.",
		"error.unknown":                      "Something went wrong.",
	}
}

// entry is what the catalogue knows about one code.
type entry struct {
	key, action string
	retryable   bool
}

// lookup returns the catalogue entry for code, choosing the variant that
// matches what the server told (attempts left, retry time).
func lookup(code string, attemptsLeft int, retryAt, now time.Time) entry {
	counted := func(withCount, noCount string) string {
		if attemptsLeft >= 0 {
			return withCount
		}
		return noCount
	}
	timed := func(withTime, noTime string) string {
		if !retryAt.IsZero() {
			return withTime
		}
		return noTime
	}
	switch code {
	case pairing.CodeInvalidCredentials:
		return entry{counted("error.invalid_credentials", "error.invalid_credentials_no_count"), "action.check_password", false}
	case pairing.CodeAccountLocked:
		return entry{timed("error.account_locked", "error.account_locked_no_time"), "action.wait_or_reset", false}
	case pairing.CodeTooManyRequests:
		// One that lifts within a minute is not the 24 h block but a brief
		// refusal (password checks already under way for the account).
		if !retryAt.IsZero() && retryAt.Sub(now) < time.Minute {
			return entry{"error.too_many_requests_brief", "action.try_again_moment", true}
		}
		return entry{timed("error.too_many_requests", "error.too_many_requests_no_time"), "action.wait_blocked", false}
	case pairing.CodeMaintenance:
		return entry{"error.maintenance", "action.retry_later", true}
	case pairing.CodeNetwork:
		return entry{"error.server_unreachable", "action.check_connection", true}
	case pairing.CodeTimeout:
		return entry{"error.server_timeout", "action.check_connection", true}
	case pairing.CodeInternal:
		return entry{"error.server_error", "action.retry_later", true}
	case pairing.CodeBadResponse:
		return entry{"error.bad_response", "action.retry_or_support", true}
	case pairing.CodeStreamEnded:
		return entry{"error.connection_lost", "action.retry_or_support", true}
	case pairing.CodeBadRequest:
		return entry{"error.bad_request", "action.update_or_support", false}
	case pairing.CodeCanceled:
		return entry{"error.canceled", "action.try_again", false}
	case pairing.CodeInvalidCode:
		if attemptsLeft == 0 {
			return entry{"error.invalid_code_last", "action.sign_in_again", false}
		}
		return entry{counted("error.invalid_code", "error.invalid_code_no_count"), "action.check_code", false}
	case pairing.CodeCodeExpired:
		return entry{"error.code_expired", "action.get_new_code", false}
	case pairing.CodeLoginExpired:
		return entry{"error.login_expired", "action.sign_in_again", false}
	case pairing.CodeLoginNotFound:
		return entry{"error.login_not_found", "action.sign_in_again", false}
	case pairing.CodeLoginDeclined:
		return entry{"error.login_declined", "action.declined", false}
	case pairing.CodeInvalidFormat:
		return entry{"error.invalid_code_format", "action.enter_digits", false}
	case pairing.CodeInvalidQR:
		return entry{"error.invalid_qr", "action.use_code", false}
	case pairing.CodeInvalidToken:
		return entry{"error.session_invalid", "action.sign_in", false}
	case pairing.CodeSessionExpired:
		return entry{"error.session_expired", "action.sign_in", false}
	case pairing.CodeSessionRevoked:
		return entry{"error.session_revoked", "action.sign_in_or_secure", false}
	case pairing.CodeSignedInElsewhere:
		return entry{"error.signed_in_elsewhere", "action.sign_in_here", false}
	case pairing.CodePasswordChanged:
		return entry{"error.password_changed", "action.sign_in_new_password", false}
	case pairing.CodeDeviceChanged:
		return entry{"error.device_changed", "action.verify_again", false}
	case CodeKeychainUnavailable:
		return entry{"error.keychain_unavailable", "action.keychain_setup", false}
	case CodeKeychainLocked:
		return entry{"error.keychain_locked", "action.keychain_unlock", true}
	case CodeKeychainTimeout:
		return entry{"error.keychain_timeout", "action.keychain_unlock", true}
	case CodeKeychainTooBig:
		return entry{"error.keychain_too_big", "action.contact_support", false}
	case CodeKeychainUnreadable:
		return entry{"error.keychain_unreadable", "action.sign_in", false}
	case CodeInsecureServer:
		return entry{"error.insecure_server", "action.check_server", false}
	case CodeServerCertificate:
		return entry{"error.server_certificate", "action.check_certificate", false}
	case CodeEmailRequired:
		return entry{"error.email_required", "action.enter_email", false}
	case CodePasswordRequired:
		return entry{"error.password_required", "action.enter_password", false}
	case CodeSignedOutOffline:
		return entry{"error.signed_out_offline", "action.remove_in_phone", false}
	case CodeSettingsUnwritable:
		return entry{"error.settings_unwritable", "action.check_disk", false}
	}
	return entry{"error.unknown", "action.contact_support", false}
}

// Codes lists every code the catalogue knows, server and local.
func Codes() []string {
	return []string{
		pairing.CodeBadRequest, pairing.CodeInvalidCredentials, pairing.CodeAccountLocked,
		pairing.CodeTooManyRequests, pairing.CodeMaintenance, pairing.CodeInvalidCode,
		pairing.CodeLoginNotFound, pairing.CodeLoginExpired, pairing.CodeCodeExpired,
		pairing.CodeLoginDeclined, pairing.CodeNotFound, pairing.CodeUnauthorized,
		pairing.CodeForbidden, pairing.CodeInternal, pairing.CodeInvalidToken,
		pairing.CodeSessionExpired, pairing.CodeSessionRevoked, pairing.CodeSignedInElsewhere,
		pairing.CodePasswordChanged, pairing.CodeDeviceChanged, pairing.CodeNetwork,
		pairing.CodeTimeout, pairing.CodeBadResponse, pairing.CodeStreamEnded,
		pairing.CodeInvalidQR, pairing.CodeInvalidFormat, pairing.CodeCanceled,
		CodeKeychainUnavailable, CodeKeychainLocked, CodeKeychainTimeout, CodeKeychainTooBig,
		CodeKeychainUnreadable, CodeInsecureServer, CodeServerCertificate, CodeEmailRequired,
		CodePasswordRequired, CodeSignedOutOffline, CodeSettingsUnwritable, CodeUnknown,
	}
}

// MessageKeys lists every message and action key the catalogue uses, sorted,
// so the ui can check each has a translation.
func MessageKeys() []string {
	return slices.Sorted(maps.Keys(defaultTexts()))
}

// DefaultText returns the English text of key (a Go template over
// Problem.Params), or "" for an unknown key.
func DefaultText(key string) string { return defaultTexts()[key] }

// RenderDefault returns the English text of key filled in with params; a
// parameter that is missing shows as "(?)".
func RenderDefault(key string, params map[string]any) string {
	text := DefaultText(key)
	t, err := template.New(key).Option("missingkey=zero").Parse(text)
	if err != nil {
		return text // the texts are ours and tested; show them raw rather than nothing
	}
	var b bytes.Buffer
	if err := t.Execute(&b, params); err != nil {
		return text
	}
	return strings.ReplaceAll(b.String(), "<no value>", "(?)")
}

// Message returns the English "what happened. What to do." of p, for the CLI
// and the support report.
func (p *Problem) Message() string {
	if p == nil {
		return ""
	}
	return RenderDefault(p.Key, p.Params) + " " + RenderDefault(p.Action, p.Params)
}

// problemEnv is what the catalogue needs besides the error.
type problemEnv struct {
	now    time.Time
	loc    *time.Location
	server string
}

// codeOf classifies err into a catalogue code.
func codeOf(err error) string {
	var te *TimeoutError
	var pe *pairing.Error
	switch {
	case errors.As(err, &te):
		return CodeKeychainTimeout
	case errors.Is(err, ErrLocked):
		return CodeKeychainLocked
	case errors.Is(err, ErrTooBig):
		return CodeKeychainTooBig
	case errors.Is(err, ErrCorrupt):
		return CodeKeychainUnreadable
	case errors.Is(err, ErrUnavailable):
		return CodeKeychainUnavailable
	case errors.Is(err, ErrEmailRequired):
		return CodeEmailRequired
	case errors.Is(err, ErrPasswordEmpty):
		return CodePasswordRequired
	case errors.Is(err, ErrSignOutOffline):
		return CodeSignedOutOffline
	case errors.Is(err, ErrSettings):
		return CodeSettingsUnwritable
	case errors.As(err, &pe):
		if pe.Code == pairing.CodeNetwork && isCertificateError(pe.Err) {
			return CodeServerCertificate
		}
		return pe.Code
	}
	return CodeUnknown
}

// isCertificateError reports whether a TLS handshake refused the server.
func isCertificateError(err error) bool {
	var unknown x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	var host x509.HostnameError
	var verify *tls.CertificateVerificationError
	return errors.As(err, &unknown) || errors.As(err, &invalid) ||
		errors.As(err, &host) || errors.As(err, &verify)
}

// NewProblem turns err into the catalogue's Problem as the Core would, for
// callers outside it (the CLI, an error of pairing.NewClient); nil for nil.
// loc nil is time.Local.
func NewProblem(err error, server string, now time.Time, loc *time.Location) *Problem {
	return newProblem(err, problemEnv{now: now, loc: loc, server: server})
}

// newProblem turns err into the catalogue's Problem; nil for nil.
func newProblem(err error, env problemEnv) *Problem {
	if err == nil {
		return nil
	}
	p := &Problem{Code: codeOf(err), AttemptsLeft: -1, Err: err, At: env.now,
		Params: map[string]any{ParamServer: env.server}}
	var pe *pairing.Error
	if errors.As(err, &pe) {
		p.RequestID = pe.RequestID
		p.RetryAt = pe.RetryAt
		if pe.AttemptsLeft != nil {
			p.AttemptsLeft = *pe.AttemptsLeft
			p.Params[ParamAttemptsLeft] = p.AttemptsLeft
		}
	}
	if !p.RetryAt.IsZero() {
		p.Params[ParamRetryAt] = FormatLocalTime(p.RetryAt, env.now, env.loc)
	}
	e := lookup(p.Code, p.AttemptsLeft, p.RetryAt, env.now)
	p.Key, p.Action, p.Retryable = e.key, e.action, e.retryable
	return p
}

// FormatLocalTime formats t for a person in loc: "15:04" when it is today
// there, "2006-01-02 15:04" otherwise.
func FormatLocalTime(t, now time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.Local
	}
	t, now = t.In(loc), now.In(loc)
	y1, m1, d1 := t.Date()
	y2, m2, d2 := now.Date()
	if y1 == y2 && m1 == m2 && d1 == d2 {
		return t.Format("15:04")
	}
	return t.Format("2006-01-02 15:04")
}
