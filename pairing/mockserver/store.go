package mockserver

import (
	"errors"
	"slices"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
)

// Store errors. Updater functions may return their own errors, which the
// store passes back unchanged after discarding the update.
var (
	errNotFound      = errors.New("record not found")
	errAlreadyExists = errors.New("record already exists")
	errStoreClosed   = errors.New("store closed")
)

// store keeps the server's records. Every Update* call runs its updater
// function atomically against the current record (the dex storage style), so
// read-check-write sequences such as "count a wrong code" never race.
// Records are values: callers may keep and modify what they get.
//
// The memory store keeps everything in memory; the bbolt store persists
// accounts, lock state, sessions and phone tokens, and keeps pending logins
// (which carry the security code and the QR secret) in memory only, so no
// secret ever reaches the file.
type store interface {
	CreateAccount(a accountRecord) error
	GetAccount(email string) (accountRecord, error)
	UpdateAccount(email string, update func(accountRecord) (accountRecord, error)) error
	ListAccounts() ([]accountRecord, error)

	// UpdateThrottle creates the record (with only Email set) when missing.
	GetThrottle(email string) (throttleRecord, error)
	UpdateThrottle(email string, update func(throttleRecord) (throttleRecord, error)) error
	DeleteThrottle(email string) error
	ListThrottles() ([]throttleRecord, error)

	CreateLogin(l loginRecord) error
	GetLogin(id string) (loginRecord, error)
	UpdateLogin(id string, update func(loginRecord) (loginRecord, error)) error
	DeleteLogin(id string) error
	ListLogins() ([]loginRecord, error)

	CreateSession(s sessionRecord) error
	GetSession(tokenHash string) (sessionRecord, error)
	UpdateSession(tokenHash string, update func(sessionRecord) (sessionRecord, error)) error
	DeleteSession(tokenHash string) error
	// ListSessions returns the sessions of one account, or all with email "".
	ListSessions(email string) ([]sessionRecord, error)

	CreatePhoneToken(p phoneTokenRecord) error
	GetPhoneToken(tokenHash string) (phoneTokenRecord, error)
	DeletePhoneToken(tokenHash string) error
	ListPhoneTokens() ([]phoneTokenRecord, error)

	// ClockOffset is how far testers have moved the clock so far; the bbolt
	// store keeps it across restarts, since the clock never goes back.
	ClockOffset() (time.Duration, error)
	SaveClockOffset(d time.Duration) error

	// Reset removes every record (not the clock offset: the clock keeps its time).
	Reset() error
	Close() error
}

// table is one kind of record, keyed by a string; the memory store keeps
// its tables in maps, the bbolt store in buckets (pending logins in memory).
type table[T any] interface {
	create(key string, v T) error
	get(key string) (T, error)
	// update runs fn on the current record; a missing one is errNotFound
	// unless missing supplies a fresh one.
	update(key string, missing func() T, fn func(T) (T, error)) error
	remove(key string) error
	// list returns the records kept by keep (nil keeps all).
	list(keep func(T) bool) ([]T, error)
}

// records answers every record call of store from one table per kind: the
// two stores differ only in their tables.
type records struct {
	accounts table[accountRecord]    // by e-mail
	throttle table[throttleRecord]   // by e-mail
	logins   table[loginRecord]      // by login ID
	sessions table[sessionRecord]    // by token hash
	phones   table[phoneTokenRecord] // by token hash
}

func (r records) CreateAccount(a accountRecord) error { return r.accounts.create(a.Email, a) }

func (r records) GetAccount(email string) (accountRecord, error) { return r.accounts.get(email) }

func (r records) UpdateAccount(email string, fn func(accountRecord) (accountRecord, error)) error {
	return r.accounts.update(email, nil, fn)
}

func (r records) ListAccounts() ([]accountRecord, error) { return r.accounts.list(nil) }

func (r records) GetThrottle(email string) (throttleRecord, error) { return r.throttle.get(email) }

func (r records) UpdateThrottle(email string, fn func(throttleRecord) (throttleRecord, error)) error {
	fresh := func() throttleRecord { return throttleRecord{Email: email} }
	return r.throttle.update(email, fresh, fn)
}

func (r records) DeleteThrottle(email string) error { return r.throttle.remove(email) }

func (r records) ListThrottles() ([]throttleRecord, error) { return r.throttle.list(nil) }

func (r records) CreateLogin(l loginRecord) error { return r.logins.create(l.ID, l) }

func (r records) GetLogin(id string) (loginRecord, error) { return r.logins.get(id) }

func (r records) UpdateLogin(id string, fn func(loginRecord) (loginRecord, error)) error {
	return r.logins.update(id, nil, fn)
}

func (r records) DeleteLogin(id string) error { return r.logins.remove(id) }

func (r records) ListLogins() ([]loginRecord, error) { return r.logins.list(nil) }

func (r records) CreateSession(s sessionRecord) error { return r.sessions.create(s.TokenHash, s) }

func (r records) GetSession(hash string) (sessionRecord, error) { return r.sessions.get(hash) }

func (r records) UpdateSession(hash string, fn func(sessionRecord) (sessionRecord, error)) error {
	return r.sessions.update(hash, nil, fn)
}

func (r records) DeleteSession(hash string) error { return r.sessions.remove(hash) }

func (r records) ListSessions(email string) ([]sessionRecord, error) {
	return r.sessions.list(func(s sessionRecord) bool { return email == "" || s.Email == email })
}

func (r records) CreatePhoneToken(p phoneTokenRecord) error { return r.phones.create(p.TokenHash, p) }

func (r records) GetPhoneToken(hash string) (phoneTokenRecord, error) { return r.phones.get(hash) }

func (r records) DeletePhoneToken(hash string) error { return r.phones.remove(hash) }

func (r records) ListPhoneTokens() ([]phoneTokenRecord, error) { return r.phones.list(nil) }

// accountRecord is an account and its pending-login budget.
type accountRecord struct {
	Email        string      `json:"email"` // normalised: trimmed, lower case
	Name         string      `json:"name"`
	PasswordHash string      `json:"password_hash"` // argon2id, PHC string format
	CreatedAt    time.Time   `json:"created_at"`
	BudgetSpent  []time.Time `json:"budget_spent,omitempty"`  // pending logins and new codes in the rolling window
	BlockedUntil time.Time   `json:"blocked_until,omitempty"` // the 24 h block once the budget is spent
}

func (a accountRecord) clone() accountRecord {
	a.BudgetSpent = slices.Clone(a.BudgetSpent)
	return a
}

// throttleRecord counts wrong passwords for one e-mail address, whether or
// not an account has it, so that unknown addresses answer exactly like known ones.
type throttleRecord struct {
	Email       string    `json:"email"`
	Failures    int       `json:"failures"`               // wrong passwords in a row since the last lock
	Lockouts    int       `json:"lockouts"`               // locks so far; each doubles the next
	LockedUntil time.Time `json:"locked_until,omitempty"` // zero when not locked
	UpdatedAt   time.Time `json:"updated_at"`
}

// loginState is where a pending login stands.
type loginState string

const (
	loginPending  loginState = "pending"
	loginDeclined loginState = "declined"
	loginExpired  loginState = "expired"
	// loginDestroyed: too many wrong codes. It answers like an unknown login,
	// but its own desktop's stream still hears "expired".
	loginDestroyed loginState = "destroyed"
)

// loginRecord is a pending login: the password was right, the phone has not
// answered yet. Code and QRSecret are secrets and live in memory only.
type loginRecord struct {
	ID            string
	Email         string
	Device        pairing.Device
	IP            string
	CreatedAt     time.Time
	ExpiresAt     time.Time
	Code          string
	CodeExpiresAt time.Time
	CodeFailures  int
	QRSecret      []byte
	QRExpiresAt   time.Time
	Scanned       bool   // a phone scanned the QR code: it stops rotating, no other scan counts
	ScannedBy     string // hash of the phone token that scanned; only that phone may approve
	Check         string // the two-digit number the desktop shows after the scan
	State         loginState
	DeclineReason string    // pairing.DeclinedOnPhone or DeclinedWrongCheck, once declined
	EndedAt       time.Time // when it was declined or expired
}

func (l loginRecord) clone() loginRecord {
	l.QRSecret = slices.Clone(l.QRSecret)
	return l
}

// sessionRecord is a desktop session, found by the SHA-256 of its token. An
// ended session keeps its reason until the record expires, so the desktop
// learns why it was signed out rather than just "invalid token".
type sessionRecord struct {
	TokenHash   string         `json:"token_hash"` // hex SHA-256 of the bearer token
	ID          string         `json:"id"`
	Email       string         `json:"email"`
	Device      pairing.Device `json:"device"`
	CreatedAt   time.Time      `json:"created_at"`
	LastSeenAt  time.Time      `json:"last_seen_at"`
	EndedReason string         `json:"ended_reason,omitempty"` // a session end code; empty while active
	EndedAt     time.Time      `json:"ended_at,omitempty"`
}

// phoneTokenRecord is a signed-in phone (simulator), found by the SHA-256 of its token.
type phoneTokenRecord struct {
	TokenHash string    `json:"token_hash"`
	Email     string    `json:"email"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}
