package mockserver

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"

	"github.com/linkdesk/linkdesk/pairing"
)

// The login ID travels in the QR code, so anyone who sees (or photographs)
// the desktop's screen knows it. Every call on a pending login therefore also
// needs the Linkdesk-Device fingerprint the desktop started it with, and a
// call without it, or with another one, answers exactly like an unknown
// login: the stream, the code, the approved token never reach anyone else.

// loginDevice returns the Linkdesk-Device header of a login call.
func loginDevice(r *http.Request) string { return r.Header.Get(pairing.HeaderDevice) }

// sameDevice reports whether the header names the fingerprint a login was
// started with. Both are hashed first so that the comparison takes the same
// time whatever the lengths; an empty side never matches.
func sameDevice(header, fingerprint string) bool {
	if header == "" || fingerprint == "" {
		return false
	}
	a := sha256.Sum256([]byte(header))
	b := sha256.Sum256([]byte(fingerprint))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// getOwnLogin is getLogin for a call that must come from the desktop that
// started the login: any other caller gets login_not_found.
func (s *Server) getOwnLogin(r *http.Request, id string) (loginRecord, error) {
	rec, err := s.getLogin(id)
	if err != nil {
		return loginRecord{}, err
	}
	if !sameDevice(loginDevice(r), rec.Device.Fingerprint) {
		return loginRecord{}, errLoginNotFound()
	}
	return rec, nil
}
