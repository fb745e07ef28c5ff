package mockserver

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
)

// The seeded demo account, present unless Config.DemoAccount is false.
const (
	DemoEmail    = "demo@linkdesk.test"
	DemoPassword = "linkdesk-demo"
	DemoName     = "Demo User"
)

// SeedAccount is an account the server creates at start and after a reset.
// Password is a secret: it is hashed at once and never kept.
type SeedAccount struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Name     string `json:"name"`
}

// Config holds every number of DESIGN.md's "Numbers" table and the server's
// wiring. DefaultConfig gives the documented defaults; every number is also a
// flag of cmd/mockserver.
type Config struct {
	// Security code shown on the phone.
	CodeLength   int           // digits of a security code
	CodeLifetime time.Duration // how long one code is accepted
	CodeAttempts int           // wrong codes per pending login before it is destroyed

	// Pending logins.
	LoginLifetime time.Duration // how long a pending login waits for the phone
	LoginBudget   int           // pending logins + new codes per account in BudgetWindow
	BudgetWindow  time.Duration // rolling window of LoginBudget
	BudgetBlock   time.Duration // block once the budget is spent

	// Wrong passwords.
	PasswordAttempts int           // wrong passwords in a row before a lock
	LockBase         time.Duration // first lock; each further lock doubles
	LockMax          time.Duration // longest lock

	// QR codes.
	QRRotation time.Duration // a QR payload is replaced this often while pending

	// Sessions.
	TokenBytes      int           // random bytes of a session token
	SessionIdle     time.Duration // a session unused this long expires
	SessionAbsolute time.Duration // a session expires this long after sign-in in any case
	MaxDesktops     int           // desktops per account; a new one signs the oldest out

	// Password hashing (argon2id).
	Argon2Memory  uint32 // KiB
	Argon2Time    uint32 // passes
	Argon2Threads uint8  // lanes

	// Connections of Start.
	ReadTimeout time.Duration // a request's headers and body must arrive within this (event streams are not cut)

	// Streams and timers.
	Heartbeat    time.Duration // SSE comment sent this often (real time)
	TickInterval time.Duration // real-time period of the timer loop (QR rotation, expiry)

	// Accounts.
	DemoAccount bool          // seed DemoEmail / DemoPassword
	Accounts    []SeedAccount // further seeded accounts (--accounts FILE)

	// Wiring.
	AdminToken  string       // when set, /mock/v1 needs "Authorization: Bearer <AdminToken>" and is reachable from anywhere
	StatePath   string       // bbolt file; empty keeps everything in memory
	CORSOrigins []string     // browser origins ("http://localhost:3000") allowed to call the server; none by default
	TLS         *tls.Config  // when set, Start serves HTTPS
	Clock       *Clock       // nil: the real clock (which testers can still advance)
	Logger      *slog.Logger // nil: discard
	JournalSize int          // requests kept in the journal
}

// DefaultConfig returns the defaults of DESIGN.md's "Numbers" table.
func DefaultConfig() Config {
	return Config{
		CodeLength:       6,
		CodeLifetime:     180 * time.Second,
		CodeAttempts:     5,
		LoginLifetime:    10 * time.Minute,
		LoginBudget:      10,
		BudgetWindow:     24 * time.Hour,
		BudgetBlock:      24 * time.Hour,
		PasswordAttempts: 5,
		LockBase:         5 * time.Minute,
		LockMax:          24 * time.Hour,
		QRRotation:       30 * time.Second,
		TokenBytes:       32,
		SessionIdle:      30 * 24 * time.Hour,
		SessionAbsolute:  90 * 24 * time.Hour,
		MaxDesktops:      1,
		Argon2Memory:     19 * 1024,
		Argon2Time:       2,
		Argon2Threads:    1,
		ReadTimeout:      30 * time.Second,
		Heartbeat:        pairing.DefaultHeartbeat,
		TickInterval:     250 * time.Millisecond,
		DemoAccount:      true,
		JournalSize:      1000,
	}
}

// TestConfig is DefaultConfig made for automated tests: cheap password
// hashing (the same algorithm, far less memory) and a frozen clock starting
// now, which only moves when the test advances it.
func TestConfig() Config {
	cfg := DefaultConfig()
	cfg.Argon2Memory = 64
	cfg.Argon2Time = 1
	cfg.Clock = NewFakeClock(time.Now().UTC().Truncate(time.Second))
	return cfg
}

// validate rejects numbers that would make the server misbehave.
func (c *Config) validate() error {
	var errs []error
	positive := func(name string, v int) {
		if v <= 0 {
			errs = append(errs, fmt.Errorf("%s must be positive, got %d", name, v))
		}
	}
	positiveDur := func(name string, d time.Duration) {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("%s must be positive, got %s", name, d))
		}
	}
	if c.CodeLength < 4 || c.CodeLength > 12 {
		errs = append(errs, fmt.Errorf("code length must be 4 to 12 digits, got %d", c.CodeLength))
	}
	positiveDur("code lifetime", c.CodeLifetime)
	positive("code attempts", c.CodeAttempts)
	positiveDur("login lifetime", c.LoginLifetime)
	positive("login budget", c.LoginBudget)
	positiveDur("budget window", c.BudgetWindow)
	positiveDur("budget block", c.BudgetBlock)
	positive("password attempts", c.PasswordAttempts)
	positiveDur("lock base", c.LockBase)
	if c.LockMax < c.LockBase {
		errs = append(errs, fmt.Errorf("lock max %s is shorter than lock base %s", c.LockMax, c.LockBase))
	}
	positiveDur("QR rotation", c.QRRotation)
	if c.TokenBytes < 16 || c.TokenBytes > 128 {
		errs = append(errs, fmt.Errorf("token bytes must be 16 to 128, got %d", c.TokenBytes))
	}
	positiveDur("session idle", c.SessionIdle)
	if c.SessionAbsolute < c.SessionIdle {
		errs = append(errs, fmt.Errorf("session absolute lifetime %s is shorter than idle %s", c.SessionAbsolute, c.SessionIdle))
	}
	positive("max desktops", c.MaxDesktops)
	if c.Argon2Threads == 0 || c.Argon2Time == 0 || c.Argon2Memory < 8*uint32(c.Argon2Threads) {
		errs = append(errs, errors.New("argon2 needs time ≥ 1, threads ≥ 1 and memory ≥ 8 KiB per thread"))
	}
	positiveDur("read timeout", c.ReadTimeout)
	positiveDur("heartbeat", c.Heartbeat)
	positiveDur("tick interval", c.TickInterval)
	positive("journal size", c.JournalSize)
	if err := checkCORSOrigins(c.CORSOrigins); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
