package app

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"maps"
	"strings"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
)

// This file is the catalogue: the one place that turns an error into what
// the person sees, a message key (what happened), an action key (what to
// do) and the template data both need. The words themselves are only in
// assets/en.json and ko.json.

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

// Template parameter names of Problem.Params.
const (
	ParamServer       = "Server"       // server origin
	ParamAttemptsLeft = "AttemptsLeft" // wrong passwords or codes still allowed
	ParamRetryAt      = "RetryAt"      // when a lock or block lifts, in local time: filled in by Problem.Text
	ParamLength       = "Length"       // digits of the security code
)

// entry is what the catalogue knows about one code.
type entry struct {
	key, action string
	retryable   bool
}

// catalogue is the entry of every code whose words do not depend on what
// the server told; lookup chooses the variant for the others.
var catalogue = map[string]entry{
	pairing.CodeMaintenance:       {"error.maintenance", "action.retry_later", true},
	pairing.CodeNetwork:           {"error.server_unreachable", "action.check_connection", true},
	pairing.CodeTimeout:           {"error.server_timeout", "action.check_connection", true},
	pairing.CodeInternal:          {"error.server_error", "action.retry_later", true},
	pairing.CodeBadResponse:       {"error.bad_response", "action.retry_or_support", true},
	pairing.CodeStreamEnded:       {"error.connection_lost", "action.retry_or_support", true},
	pairing.CodeBadRequest:        {"error.bad_request", "action.update_or_support", false},
	pairing.CodeCanceled:          {"error.canceled", "action.try_again", false},
	pairing.CodeCodeExpired:       {"error.code_expired", "action.get_new_code", false},
	pairing.CodeLoginExpired:      {"error.login_expired", "action.sign_in_again", false},
	pairing.CodeLoginNotFound:     {"error.login_not_found", "action.sign_in_again", false},
	pairing.CodeLoginDeclined:     {"error.login_declined", "action.declined", false},
	pairing.CodeWrongCheck:        {"error.wrong_check", "action.wrong_check", false},
	pairing.CodeAlreadyScanned:    {"error.already_scanned", "action.already_scanned", false},
	pairing.CodeInvalidFormat:     {"error.invalid_code_format", "action.enter_digits", false},
	pairing.CodeInvalidQR:         {"error.invalid_qr", "action.use_code", false},
	pairing.CodeInvalidToken:      {"error.session_invalid", "action.sign_in", false},
	pairing.CodeSessionExpired:    {"error.session_expired", "action.sign_in", false},
	pairing.CodeSessionRevoked:    {"error.session_revoked", "action.sign_in_or_secure", false},
	pairing.CodeSignedInElsewhere: {"error.signed_in_elsewhere", "action.sign_in_here", false},
	pairing.CodePasswordChanged:   {"error.password_changed", "action.sign_in_new_password", false},
	pairing.CodeDeviceChanged:     {"error.device_changed", "action.verify_again", false},
	CodeKeychainUnavailable:       {"error.keychain_unavailable", "action.keychain_setup", false},
	CodeKeychainLocked:            {"error.keychain_locked", "action.keychain_unlock", true},
	CodeKeychainTimeout:           {"error.keychain_timeout", "action.keychain_unlock", true},
	CodeKeychainTooBig:            {"error.keychain_too_big", "action.contact_support", false},
	CodeKeychainUnreadable:        {"error.keychain_unreadable", "action.sign_in", false},
	CodeInsecureServer:            {"error.insecure_server", "action.check_server", false},
	CodeServerCertificate:         {"error.server_certificate", "action.check_certificate", false},
	CodeEmailRequired:             {"error.email_required", "action.enter_email", false},
	CodePasswordRequired:          {"error.password_required", "action.enter_password", false},
	CodeSignedOutOffline:          {"error.signed_out_offline", "action.remove_in_phone", false},
	CodeSettingsUnwritable:        {"error.settings_unwritable", "action.check_disk", false},
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
	case pairing.CodeInvalidCode:
		if attemptsLeft == 0 {
			return entry{"error.invalid_code_last", "action.sign_in_again", false}
		}
		return entry{counted("error.invalid_code", "error.invalid_code_no_count"), "action.check_code", false}
	}
	if e, ok := catalogue[code]; ok {
		return e
	}
	return entry{"error.unknown", "action.contact_support", false}
}

// problemEnv is what the catalogue needs besides the error.
type problemEnv struct {
	now    time.Time
	loc    *time.Location
	server string
}

// sentinelCodes are the catalogue codes of app's own errors (errors.go),
// checked in this order after a keychain timeout.
var sentinelCodes = []struct {
	err  error
	code string
}{
	{ErrLocked, CodeKeychainLocked},
	{ErrTooBig, CodeKeychainTooBig},
	{ErrCorrupt, CodeKeychainUnreadable},
	{ErrUnavailable, CodeKeychainUnavailable},
	{ErrEmailRequired, CodeEmailRequired},
	{ErrPasswordEmpty, CodePasswordRequired},
	{ErrSignOutOffline, CodeSignedOutOffline},
	{ErrSettings, CodeSettingsUnwritable},
}

// codeOf classifies err into a catalogue code.
func codeOf(err error) string {
	var te *TimeoutError
	if errors.As(err, &te) {
		return CodeKeychainTimeout
	}
	for _, s := range sentinelCodes {
		if errors.Is(err, s.err) {
			return s.code
		}
	}
	var pe *pairing.Error
	if errors.As(err, &pe) {
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

// ProblemFor turns err into the catalogue's Problem as the Core would, for
// callers outside it such as the command line; nil for nil.
func ProblemFor(err error, server string) *Problem {
	return newProblem(err, problemEnv{now: time.Now(), loc: time.Local, server: server})
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
	var fe *CodeFormatError
	if errors.As(err, &fe) {
		p.Params[ParamLength] = fe.Length
	}
	p.loc = env.loc
	e := lookup(p.Code, p.AttemptsLeft, p.RetryAt, env.now)
	p.Key, p.Action, p.Retryable = e.key, e.action, e.retryable
	return p
}

// Texts renders the catalogue's message keys in one language: the ui's
// translations, or assets.Words for the command line. A key it does not
// know comes back unchanged.
type Texts interface {
	Text(key string, params map[string]any) string
}

// Text returns what happened and what to do, in the language of t.
func (p *Problem) Text(t Texts) (message, action string) {
	params := maps.Clone(p.Params)
	if params == nil {
		params = map[string]any{}
	}
	if !p.RetryAt.IsZero() {
		params[ParamRetryAt] = FormatTime(p.RetryAt, p.At, p.loc, t)
	}
	message = t.Text(p.Key, params)
	if p.Action != "" {
		action = t.Text(p.Action, params)
	}
	return message, action
}

// FormatTime writes t for a person in loc in the layouts of texts: the key
// "format.time" when t is on the same day as now there, "format.day_time"
// in the same year, "format.datetime" otherwise. loc nil is time.Local.
func FormatTime(t, now time.Time, loc *time.Location, texts Texts) string {
	if loc == nil {
		loc = time.Local
	}
	t, now = t.In(loc), now.In(loc)
	y1, m1, d1 := t.Date()
	y2, m2, d2 := now.Date()
	switch {
	case y1 == y2 && m1 == m2 && d1 == d2:
		return formatWith(t, texts, "format.time", "15:04")
	case y1 == y2:
		return formatWith(t, texts, "format.day_time", "01-02 15:04")
	}
	return formatWith(t, texts, "format.datetime", "2006-01-02 15:04")
}

// FormatDateTime writes t in local time with its date, in the layout
// "format.datetime" of texts.
func FormatDateTime(t time.Time, texts Texts) string {
	return formatWith(t.Local(), texts, "format.datetime", "2006-01-02 15:04")
}

// formatWith formats t in the layout of texts' key (fallback when texts has
// none); the "AM" and "PM" of a layout become "format.am" and "format.pm",
// so Korean reads 오전 and 오후.
func formatWith(t time.Time, texts Texts, key, fallback string) string {
	layout := texts.Text(key, nil)
	if layout == key || layout == "" {
		layout = fallback
	}
	out := t.Format(layout)
	if strings.Contains(layout, "PM") {
		marker, markerKey := "AM", "format.am"
		if t.Hour() >= 12 {
			marker, markerKey = "PM", "format.pm"
		}
		if word := texts.Text(markerKey, nil); word != markerKey && word != "" {
			out = strings.Replace(out, marker, word, 1)
		}
	}
	return out
}

// DefaultCodeLength is the number of digits of the phone's security code.
const DefaultCodeLength = pairing.DefaultCodeLength

// CodeDigits keeps the digits of what a person typed or pasted as a
// security code (full-width digits become ASCII; spaces and dashes are
// dropped); ok is false when it holds anything else.
func CodeDigits(s string) (digits string, ok bool) {
	d, err := pairing.NormalizeCode(s, 0)
	return d, err == nil
}
