package app

import (
	"fmt"
	"runtime"
	"strings"
	"time"
)

// SupportReport returns the plain-text "details for support" of p (or of the
// current Problem when p is nil), in the language of t: masked account,
// error code and the message as the person saw it, local and UTC time,
// request ID, app version, OS, server, where this run's token lives and what
// was already tried (what a support desk asks for: the ID, the exact error,
// the time, the remedies tried). It never contains a password, code, QR
// secret or token: it is built only from the catalogue, the protocol's error
// (whose messages never carry one) and counters.
func (c *Core) SupportReport(p *Problem, t Texts) string {
	st, tried := c.r.snapshot()
	if p == nil {
		p = st.Problem
	}
	now := c.opts.Now()
	var b strings.Builder
	line := func(key, value string) {
		if value == "" {
			value = "-"
		}
		fmt.Fprintf(&b, "%-16s %s\n", t.Text(key, nil)+":", value)
	}
	b.WriteString(t.Text("report.title", nil) + "\n")
	line("report.account", MaskEmail(st.Email))
	when := now
	if p != nil {
		if !p.At.IsZero() {
			when = p.At
		}
		message, action := p.Text(t)
		line("report.error_code", p.Code)
		line("report.message", strings.TrimSpace(message+" "+action))
		if p.Err != nil {
			line("report.technical", p.Err.Error())
		}
	} else {
		line("report.error_code", t.Text("report.no_error", nil))
	}
	line("report.time_local", when.In(c.opts.Location).Format("2006-01-02 15:04:05 MST"))
	line("report.time_utc", when.UTC().Format(time.RFC3339))
	if p != nil {
		line("report.request_id", p.RequestID)
		if !p.RetryAt.IsZero() {
			line("report.retry_at", p.RetryAt.UTC().Format(time.RFC3339))
		}
	}
	line("report.app_version", c.opts.Version)
	line("report.os", runtime.GOOS+"/"+runtime.GOARCH)
	line("report.device", fmt.Sprintf("%s (%s)", c.opts.Device.Name, c.opts.Device.Platform))
	line("report.server", st.Server)
	line("report.screen", st.Phase.String())
	line("report.token", st.Storage.String())
	if st.Ended != "" {
		line("report.ended", st.Ended)
	}
	b.WriteString(t.Text("report.tried", nil) + ":\n")
	for _, n := range []struct {
		key   string
		count int
	}{
		{"report.sign_ins", tried.SignIns},
		{"report.wrong_passwords", tried.WrongPasswords},
		{"report.codes_entered", tried.CodesSubmitted},
		{"report.wrong_codes", tried.WrongCodes},
		{"report.wrong_checks", tried.WrongChecks},
		{"report.new_codes", tried.NewCodes},
		{"report.method_switches", tried.MethodSwitches},
		{"report.auto_retries", tried.AutoRetries},
		{"report.manual_retries", tried.ManualRetries},
		{"report.restores", tried.Restores},
	} {
		fmt.Fprintf(&b, "  %-22s %d\n", t.Text(n.key, nil)+":", n.count)
	}
	out := b.String()
	if st.Email != "" {
		// A server or OS message might quote the address; the report never does.
		out = strings.ReplaceAll(out, st.Email, MaskEmail(st.Email))
	}
	return out
}

// MaskEmail hides most of an e-mail address for a report: a***@example.com.
func MaskEmail(email string) string {
	local, domain, ok := strings.Cut(strings.TrimSpace(email), "@")
	if !ok || local == "" {
		if email == "" {
			return ""
		}
		return "***"
	}
	r := []rune(local)
	return string(r[0]) + "***@" + domain
}
