package mockserver

import (
	"crypto/rand"
	"net/http"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
)

// handleRotateQR answers POST /v1/logins/{id}/qr.
func (s *Server) handleRotateQR(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	now := s.clock.Now()
	// A login's fingerprint never changes, so checking it first is enough.
	_, err := s.getOwnLogin(r, id)
	var info pairing.QRInfo
	if err == nil {
		info, err = s.rotateQR(id, now, true)
	}
	s.expireIfDue(id, now, err)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, pairing.QRRotation{QR: info})
}

// rotateQR gives a pending login a new QR secret and pushes it to its
// streams. Without force it only rotates a payload that is due.
func (s *Server) rotateQR(id string, now time.Time, force bool) (pairing.QRInfo, error) {
	secret, err := randomBytes(rand.Reader, pairing.QRSecretBytes)
	if err != nil {
		return pairing.QRInfo{}, err
	}
	var info pairing.QRInfo
	err = s.updateLogin(id, func(l loginRecord) (loginRecord, error) {
		if e := loginError(l, now); e != nil {
			return l, e
		}
		if l.Scanned && !force {
			return l, errUnchanged
		}
		if l.Scanned { // the scanned payload stays: a new one would invite a second phone
			return l, errAlreadyScanned("a phone has scanned this QR code; it no longer changes")
		}
		if !force && now.Before(l.QRExpiresAt) {
			return l, errUnchanged
		}
		l.QRSecret = secret
		l.QRExpiresAt = minTime(now.Add(s.cfg.QRRotation), l.ExpiresAt)
		info = qrInfo(l)
		return l, nil
	})
	if err != nil {
		return pairing.QRInfo{}, err
	}
	s.logins.publish(id, newEvent(pairing.EventQR, info, false))
	return info, nil
}

// handleLoginEvents answers GET /v1/logins/{id}/events.
func (s *Server) handleLoginEvents(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	device := loginDevice(r)
	now := s.clock.Now()
	sub := s.logins.subscribe(id)
	if grant, ok := s.grants.get(id, device, now); ok {
		s.serveEvents(w, r, s.logins, sub, newEvent(pairing.EventApproved, grant, true))
		return
	}
	rec, err := s.getOwnLogin(r, id)
	if err != nil {
		if grant, ok := s.grants.get(id, device, now); ok { // approved meanwhile
			s.serveEvents(w, r, s.logins, sub, newEvent(pairing.EventApproved, grant, true))
			return
		}
		s.logins.unsubscribe(sub)
		s.fail(w, r, err)
		return
	}
	var initial []sseEvent
	switch {
	case rec.State == loginDeclined:
		reason := rec.DeclineReason
		if reason == "" {
			reason = pairing.DeclinedOnPhone
		}
		initial = append(initial, newEvent(pairing.EventDeclined, pairing.Decline{Reason: reason}, true))
	case rec.State == loginExpired || rec.State == loginDestroyed:
		initial = append(initial, newEvent(pairing.EventExpired, struct{}{}, true))
	case rec.State == loginPending && !now.Before(rec.ExpiresAt):
		s.expireLogin(id, now) // the event reaches sub
	case rec.State == loginPending && rec.Scanned:
		initial = append(initial, newEvent(pairing.EventScanned, pairing.ScanNotice{Check: rec.Check}, false))
	case rec.State == loginPending:
		initial = append(initial, newEvent(pairing.EventQR, qrInfo(rec), false))
	}
	s.serveEvents(w, r, s.logins, sub, initial...)
}
