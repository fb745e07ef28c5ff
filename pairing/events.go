package pairing

import "context"

// loginStream turns the events of GET /v1/logins/{id}/events into LoginEvents.
type loginStream struct {
	ctx     context.Context
	ch      chan<- LoginEvent
	loginID string // every QR payload must name it
	lastQR  string // the payload last delivered, to drop replays
	check   string // the check number last delivered, to drop replays
	ended   bool   // the server said the login is over (approved, declined, expired, gone)
}

// send delivers ev unless ctx ended first; it reports whether it delivered.
func (s *loginStream) send(ev LoginEvent) bool {
	select {
	case s.ch <- ev:
		return true
	case <-s.ctx.Done():
		return false
	}
}

func (s *loginStream) event(ev sseEvent) bool {
	switch ev.Type {
	case EventQR:
		var qr QRInfo
		if err := decodeEventData(ev, &qr); err != nil {
			s.fail(err)
			return true
		}
		if qr.Payload == "" {
			s.fail(&Error{Code: CodeBadResponse, Message: "qr event without payload"})
			return true
		}
		if err := checkQR(qr.Payload, s.loginID); err != nil {
			s.fail(err) // never shown; see Client.LoginEvents
			return true
		}
		if qr.Payload == s.lastQR {
			return false // replayed after a reconnect
		}
		s.lastQR = qr.Payload
		return !s.send(LoginEvent{Type: EventQR, QR: &qr})
	case EventApproved:
		var g Grant
		if err := decodeEventData(ev, &g); err != nil {
			s.fail(err)
			return true
		}
		if err := checkGrant(&g); err != nil {
			s.fail(asPairingError(err))
			return true
		}
		s.ended = true
		s.send(LoginEvent{Type: EventApproved, Grant: &g})
		return true
	case EventScanned:
		var n ScanNotice
		if err := decodeEventData(ev, &n); err != nil {
			s.fail(err)
			return true
		}
		if !ValidCheck(n.Check) {
			s.fail(&Error{Code: CodeBadResponse, Message: "scanned event without a two-digit check number"})
			return true
		}
		if n.Check == s.check {
			return false // replayed after a reconnect
		}
		s.check = n.Check
		return !s.send(LoginEvent{Type: EventScanned, Check: n.Check})
	case EventDeclined:
		// The login is over whatever the data says; an unreadable reason is
		// only a less precise message.
		var d Decline
		if decodeEventData(ev, &d) != nil || !isIDChars(d.Reason) || len(d.Reason) > 32 {
			d.Reason = ""
		}
		s.ended = true
		s.send(LoginEvent{Type: EventDeclined, Reason: d.Reason})
		return true
	case EventExpired:
		s.ended = true
		s.send(LoginEvent{Type: ev.Type})
		return true
	}
	return false // unknown events are for newer clients
}

func (s *loginStream) fail(err *Error) {
	s.ended = err.Status != 0 && loginEndCode(err.Code)
	switch err.Code {
	case CodeLoginExpired:
		s.send(LoginEvent{Type: EventExpired})
	case CodeLoginDeclined:
		s.send(LoginEvent{Type: EventDeclined})
	default:
		s.send(LoginEvent{Type: EventError, Err: err})
	}
}

// sessionStream turns the events of GET /v1/session/events into SessionEvents.
type sessionStream struct {
	ctx context.Context
	ch  chan<- SessionEvent
}

func (s *sessionStream) send(ev SessionEvent) {
	select {
	case s.ch <- ev:
	case <-s.ctx.Done():
	}
}

func (s *sessionStream) event(ev sseEvent) bool {
	if ev.Type != EventRevoked {
		return false // unknown events are for newer clients
	}
	var end SessionEnd
	if err := decodeEventData(ev, &end); err != nil {
		s.fail(err)
		return true
	}
	if end.Reason == "" {
		// The session has ended all the same; say so with the generic reason.
		end.Reason = CodeSessionRevoked
	}
	s.send(SessionEvent{Type: EventRevoked, Reason: truncate(end.Reason, 64)})
	return true
}

func (s *sessionStream) fail(err *Error) {
	if err.Status == 401 && IsSessionEnd(err.Code) {
		s.send(SessionEvent{Type: EventRevoked, Reason: err.Code})
		return
	}
	s.send(SessionEvent{Type: EventError, Err: err})
}
