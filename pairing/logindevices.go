package pairing

import (
	"errors"
	"sync"
)

// maxRememberedLogins bounds how many pending logins a Client remembers. A
// desktop has one at a time, so only a Client shared by many simulated
// desktops comes near it; the oldest is forgotten first.
const maxRememberedLogins = 1024

// loginDevices remembers the device fingerprint each pending login was
// started with. The login ID is shown in the QR code, so the server lets
// only the desktop that started a login follow or finish it, and every call
// on the login sends this fingerprint (Linkdesk-Device) to prove it.
// The zero value is ready to use.
type loginDevices struct {
	mu   sync.Mutex
	byID map[string]rememberedLogin
	seq  uint64
}

type rememberedLogin struct {
	fingerprint string
	seq         uint64 // order of remembering, to forget the oldest first
}

// remember keeps the fingerprint of a login just started.
func (d *loginDevices) remember(loginID, fingerprint string) {
	if fingerprint == "" {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.byID == nil {
		d.byID = make(map[string]rememberedLogin)
	}
	if _, ok := d.byID[loginID]; !ok && len(d.byID) >= maxRememberedLogins {
		oldest, oldestSeq := "", ^uint64(0)
		for id, l := range d.byID {
			if l.seq < oldestSeq {
				oldest, oldestSeq = id, l.seq
			}
		}
		delete(d.byID, oldest)
	}
	d.seq++
	d.byID[loginID] = rememberedLogin{fingerprint: fingerprint, seq: d.seq}
}

// fingerprint returns the fingerprint loginID was started with, or "" for a
// login this client did not start (the server then answers login_not_found).
func (d *loginDevices) fingerprint(loginID string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.byID[loginID].fingerprint
}

// forget drops loginID once it has ended.
func (d *loginDevices) forget(loginID string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.byID, loginID)
}

// forgetIfEnded drops loginID when err says the pending login is over for
// good: unknown, expired, declined, or destroyed by the last wrong code.
func (d *loginDevices) forgetIfEnded(loginID string, err error) {
	var e *Error
	if !errors.As(err, &e) || e.Status == 0 {
		return // a client-side failure says nothing about the login
	}
	switch {
	case loginEndCode(e.Code),
		e.Code == CodeInvalidCode && e.AttemptsLeft != nil && *e.AttemptsLeft == 0:
		d.forget(loginID)
	}
}

// loginEndCode reports whether an error code means the pending login is over.
func loginEndCode(code string) bool {
	return code == CodeLoginNotFound || code == CodeLoginExpired || code == CodeLoginDeclined
}
