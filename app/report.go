package app

import (
	"fmt"
	"runtime"
	"strings"
	"time"
)

// SupportReport returns the plain-text "details for support" of p (or of the
// current Problem when p is nil): masked account, error code and message,
// local and UTC time, request ID, app version, OS, server, where this run's
// token lives and what was already tried (seed 004: the ID, the exact error,
// the time, the remedies tried). It never contains a password, code, QR
// secret or token: it is built only from the catalogue, the protocol's error
// (whose messages never carry one) and counters.
func (c *Core) SupportReport(p *Problem) string {
	c.mu.Lock()
	st := c.state.clone()
	tried := c.tried
	c.mu.Unlock()
	if p == nil {
		p = st.Problem
	}
	now := c.opts.Now()
	var b strings.Builder
	line := func(label, value string) {
		if value == "" {
			value = "-"
		}
		fmt.Fprintf(&b, "%-16s %s\n", label+":", value)
	}
	b.WriteString("Linkdesk support details\n")
	line("Account", MaskEmail(st.Email))
	if p != nil {
		when := p.At
		if when.IsZero() {
			when = now
		}
		line("Error code", p.Code)
		line("Message", p.Message())
		if p.Err != nil {
			line("Technical", p.Err.Error())
		}
		line("Time (local)", when.In(c.opts.Location).Format("2006-01-02 15:04:05 MST"))
		line("Time (UTC)", when.UTC().Format(time.RFC3339))
		line("Request ID", p.RequestID)
		if !p.RetryAt.IsZero() {
			line("Retry at (UTC)", p.RetryAt.UTC().Format(time.RFC3339))
		}
	} else {
		line("Error code", "none")
		line("Time (local)", now.In(c.opts.Location).Format("2006-01-02 15:04:05 MST"))
		line("Time (UTC)", now.UTC().Format(time.RFC3339))
	}
	line("App version", c.opts.Version)
	line("OS", runtime.GOOS+"/"+runtime.GOARCH)
	line("Device", fmt.Sprintf("%s (%s)", c.opts.Device.Name, c.opts.Device.Platform))
	line("Server", c.server)
	line("Screen", st.Phase.String())
	line("Token kept in", st.Storage.String())
	if st.Ended != "" {
		line("Session ended", st.Ended)
	}
	b.WriteString("Already tried:\n")
	for _, t := range []struct {
		label string
		n     int
	}{
		{"sign-in attempts", tried.SignIns},
		{"wrong passwords", tried.WrongPasswords},
		{"codes entered", tried.CodesSubmitted},
		{"wrong codes", tried.WrongCodes},
		{"new codes requested", tried.NewCodes},
		{"switches code/QR", tried.MethodSwitches},
		{"automatic retries", tried.AutoRetries},
		{"retries by hand", tried.ManualRetries},
		{"stored sign-in checks", tried.Restores},
	} {
		fmt.Fprintf(&b, "  %-22s %d\n", t.label+":", t.n)
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
