package mockserver

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"net/http"

	"github.com/linkdesk/linkdesk/pairing"
)

// The phone's answer to a desktop's QR code: the scan (once per login, with
// the check number pushed to the desktop), the approval with the number the
// computer shows, and the decline.

// handlePhoneScan answers POST /phone/v1/qr/scan: the phone read a QR code.
// Only the current payload of a pending login of the phone's own account is
// accepted, and only once: the login's QR code stops rotating, its desktop
// is told the check number at once, and the phone gets three numbers to
// pick from and whether it is on the desktop's network. Nothing is
// approved yet.
func (s *Server) handlePhoneScan(w http.ResponseWriter, r *http.Request, email string) {
	req, ok := readRequest(s, w, r, decodeScanRequest)
	if !ok {
		return
	}
	p, err := pairing.ParseQR(req.Payload)
	if err != nil {
		var pe *pairing.Error
		msg := "this is not a Linkdesk QR code"
		if errors.As(err, &pe) {
			msg = pe.Message // names the problem, never the secret
		}
		s.fail(w, r, newAPIError(http.StatusBadRequest, pairing.CodeInvalidQR, msg))
		return
	}
	check, choices, err := checkNumbers(rand.Reader)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	scanner := phoneTokenHash(r)
	var rec loginRecord
	err = s.changeLiveLogin(p.LoginID, s.clock.Now(), ownedBy(email), func(l loginRecord) (loginRecord, error) {
		if subtle.ConstantTimeCompare(p.Secret, l.QRSecret) != 1 {
			return l, newAPIError(http.StatusBadRequest, pairing.CodeInvalidQR,
				"this QR code is out of date; scan the code the computer shows now")
		}
		if l.Scanned {
			return l, errAlreadyScanned("this QR code was scanned already; no other scan is accepted")
		}
		l.Scanned, l.ScannedBy, l.Check = true, scanner, check
		rec = l
		return l, nil
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.logins.publish(rec.ID, newEvent(pairing.EventScanned, pairing.ScanNotice{Check: check}, false))
	writeJSON(w, http.StatusOK, pairing.ScanResult{LoginID: rec.ID, Device: phoneDevice(rec.Device), IP: rec.IP,
		Network: networkOf(clientIP(r), rec.IP), CheckChoices: choices, CreatedAt: rec.CreatedAt})
}

func errAlreadyScanned(message string) *apiError {
	return newAPIError(http.StatusConflict, pairing.CodeAlreadyScanned, message)
}

// phoneTokenHash names the signed-in phone making r (asPhone checked it).
func phoneTokenHash(r *http.Request) string {
	token, _ := bearerToken(r)
	return hashToken(token)
}

// handlePhoneApprove answers POST /phone/v1/logins/{id}/approve {check}:
// the phone that scanned the login approves it with the number the
// computer shows, and the desktop gets its token pushed at once. Another
// number declines and ends the login (counted as a wrong code), and the
// desktop hears why.
func (s *Server) handlePhoneApprove(w http.ResponseWriter, r *http.Request, email string) {
	// A malformed number is not counted: it cannot be the right one anyway.
	check, ok := readRequest(s, w, r, decodeApproveRequest)
	if !ok {
		return
	}
	id := r.PathValue("id")
	scanner := phoneTokenHash(r)
	now := s.clock.Now()
	var rec loginRecord
	var wrong bool
	err := s.changeLiveLogin(id, now, ownedBy(email), func(l loginRecord) (loginRecord, error) {
		switch {
		case !l.Scanned:
			return l, newAPIError(http.StatusConflict, pairing.CodeBadRequest, "scan the QR code on the computer before approving")
		case l.ScannedBy != scanner:
			return l, errAlreadyScanned("another phone scanned this QR code; confirm on that phone")
		case subtle.ConstantTimeCompare([]byte(check), []byte(l.Check)) != 1:
			l.CodeFailures++
			l.State, l.EndedAt, l.DeclineReason = loginDeclined, now, pairing.DeclinedWrongCheck
			wrong = true
			return l, nil
		}
		l.State = loginApproved
		rec = l
		return l, nil
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if wrong {
		s.logins.publish(id, newEvent(pairing.EventDeclined, pairing.Decline{Reason: pairing.DeclinedWrongCheck}, true))
		s.fail(w, r, newAPIError(http.StatusBadRequest, pairing.CodeWrongCheck,
			"that is not the number the computer shows; for safety the sign-in was ended, start again on the computer"))
		return
	}
	grant, err := s.completeLogin(rec)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, pairing.LinkedDevice{SessionID: grant.Session.ID, Name: grant.Session.Device.Name,
		Platform: grant.Session.Device.Platform, CreatedAt: grant.Session.CreatedAt, LastSeenAt: grant.Session.LastSeenAt})
}

// handlePhoneDecline answers POST /phone/v1/logins/{id}/decline.
func (s *Server) handlePhoneDecline(w http.ResponseWriter, r *http.Request, email string) {
	id := r.PathValue("id")
	now := s.clock.Now()
	err := s.changeLiveLogin(id, now, ownedBy(email), func(l loginRecord) (loginRecord, error) {
		l.State, l.EndedAt, l.DeclineReason = loginDeclined, now, pairing.DeclinedOnPhone
		return l, nil
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.logins.publish(id, newEvent(pairing.EventDeclined, pairing.Decline{Reason: pairing.DeclinedOnPhone}, true))
	writeJSON(w, http.StatusNoContent, nil)
}
