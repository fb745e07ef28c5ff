package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

// options are the flags that are not part of mockserver.Config.
type options struct {
	addr         string
	accountsFile string
	noDemo       bool
	tls          bool
	tlsCert      string
	tlsKey       string
	tlsCertOut   string
	logLevel     string
	version      bool
}

// bindFlags registers every flag on fs: the wiring in opts and every number
// of DESIGN.md's table in cfg, with cfg's current values as defaults.
func bindFlags(fs *flag.FlagSet, cfg *mockserver.Config, opts *options) {
	fs.StringVar(&opts.addr, "addr", "127.0.0.1:8470", `listen address; ":0" or "127.0.0.1:0" picks a free port`)
	fs.StringVar(&cfg.StatePath, "state", "", "bbolt `file` keeping accounts, locks and sessions across restarts (default: memory only)")
	fs.StringVar(&opts.accountsFile, "accounts", "", `JSON `+"`file`"+` of further accounts: [{"email","password","name"}]`)
	fs.BoolVar(&opts.noDemo, "no-demo-account", false, "do not create the demo account "+mockserver.DemoEmail)
	fs.StringVar(&cfg.AdminToken, "admin-token", "", "bearer `token` for /mock/v1; when set the tester controls answer from anywhere")
	fs.BoolVar(&opts.tls, "tls", false, "serve HTTPS with a generated self-signed certificate (ECDSA P-256, 127.0.0.1 and localhost)")
	fs.StringVar(&opts.tlsCert, "tls-cert", "", "serve HTTPS with this PEM certificate `file` (needs --tls-key)")
	fs.StringVar(&opts.tlsKey, "tls-key", "", "PEM private key `file` for --tls-cert")
	fs.StringVar(&opts.tlsCertOut, "tls-cert-out", "", "`file` --tls writes the generated certificate to (default: linkdesk-mockserver/cert.pem in the temp directory)")
	fs.Var((*listFlag)(&cfg.CORSOrigins), "cors-origin", "let a browser tool on this `origin` (http://localhost:3000) call the server; repeatable; off by default")
	fs.StringVar(&opts.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.BoolVar(&opts.version, "version", false, "print the version and exit")

	fs.IntVar(&cfg.CodeLength, "code-length", cfg.CodeLength, "digits of a security code")
	fs.DurationVar(&cfg.CodeLifetime, "code-lifetime", cfg.CodeLifetime, "how long a security code is accepted")
	fs.IntVar(&cfg.CodeAttempts, "code-attempts", cfg.CodeAttempts, "wrong codes before a pending login is destroyed")
	fs.DurationVar(&cfg.LoginLifetime, "login-lifetime", cfg.LoginLifetime, "how long a pending login waits for the phone")
	fs.IntVar(&cfg.LoginBudget, "login-budget", cfg.LoginBudget, "pending logins + new codes per account in --budget-window")
	fs.DurationVar(&cfg.BudgetWindow, "budget-window", cfg.BudgetWindow, "rolling window of --login-budget")
	fs.DurationVar(&cfg.BudgetBlock, "budget-block", cfg.BudgetBlock, "block once the budget is spent")
	fs.IntVar(&cfg.PasswordAttempts, "password-attempts", cfg.PasswordAttempts, "wrong passwords in a row before the account locks")
	fs.DurationVar(&cfg.LockBase, "lock-base", cfg.LockBase, "first lock; each further lock doubles")
	fs.DurationVar(&cfg.LockMax, "lock-max", cfg.LockMax, "longest lock")
	fs.DurationVar(&cfg.QRRotation, "qr-rotation", cfg.QRRotation, "a QR payload is replaced this often")
	fs.IntVar(&cfg.TokenBytes, "token-bytes", cfg.TokenBytes, "random bytes of a session token")
	fs.DurationVar(&cfg.SessionIdle, "session-idle", cfg.SessionIdle, "a session unused this long expires")
	fs.DurationVar(&cfg.SessionAbsolute, "session-absolute", cfg.SessionAbsolute, "a session expires this long after sign-in")
	fs.IntVar(&cfg.MaxDesktops, "max-desktops", cfg.MaxDesktops, "desktops per account; a new one signs the oldest out (4: WhatsApp, 5: Signal)")
	fs.Var(uintFlag[uint32]{&cfg.Argon2Memory}, "argon2-memory", "argon2id memory in KiB")
	fs.Var(uintFlag[uint32]{&cfg.Argon2Time}, "argon2-time", "argon2id passes")
	fs.Var(uintFlag[uint8]{&cfg.Argon2Threads}, "argon2-threads", "argon2id lanes")
	fs.DurationVar(&cfg.Heartbeat, "heartbeat", cfg.Heartbeat, "SSE heartbeat comment interval")
	fs.DurationVar(&cfg.ReadTimeout, "read-timeout", cfg.ReadTimeout, "a request's headers and body must arrive within this, else 408 (event streams are not cut)")
	fs.IntVar(&cfg.JournalSize, "journal-size", cfg.JournalSize, "requests kept in the journal (GET /mock/v1/requests)")
}

// listFlag is a repeatable string flag.
type listFlag []string

func (f *listFlag) String() string { return strings.Join(*f, ",") }

func (f *listFlag) Set(s string) error {
	*f = append(*f, s)
	return nil
}

// uintFlag is a flag.Value for a small unsigned integer field.
type uintFlag[T uint8 | uint32] struct{ p *T }

func (f uintFlag[T]) String() string {
	if f.p == nil {
		return "0"
	}
	return strconv.FormatUint(uint64(*f.p), 10)
}

func (f uintFlag[T]) Set(s string) error {
	limit := ^T(0) // the largest T
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || v > uint64(limit) {
		return fmt.Errorf("want a whole number from 0 to %d", limit)
	}
	*f.p = T(v)
	return nil
}
