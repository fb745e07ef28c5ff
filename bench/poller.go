package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/linkdesk/linkdesk/app"
	"github.com/linkdesk/linkdesk/pairing"
)

// poller is the reference the push design is compared with: a desktop that
// asks for the pending login's state every interval, as an RFC 8628 device
// client polls its token endpoint (default interval 5 s). The protocol has
// no separate state call, so one poll is what a state call would be: open
// GET /v1/logins/{id}/events, read the state the server replays first
// ("qr" while pending, "scanned" with the check number once a phone
// scanned, "approved" with the token once approved), hang up.
type poller struct {
	hc       *http.Client
	base     string
	interval time.Duration
	store    *app.SessionStore
	shown    chan checkShown // the first poll that saw "scanned", when it returned
}

// pollResult is when the poll that saw the approval was sent and when its
// token was stored.
type pollResult struct {
	sent, stored time.Time
	polls        int
}

// run polls loginID every interval, on a fixed schedule starting now, until
// a poll sees "approved"; it then stores the token as the desktop does. The
// first poll that sees "scanned" shows the check number (shown).
func (p *poller) run(ctx context.Context, loginID, device, email string) (pollResult, error) {
	var res pollResult
	next := time.Now()
	scanned := false
	for {
		res.polls++
		res.sent = time.Now()
		ev, data, err := p.once(ctx, loginID, device)
		if err != nil {
			return res, err
		}
		if ev == pairing.EventScanned && !scanned {
			scanned = true
			var n pairing.ScanNotice
			if err := json.Unmarshal([]byte(data), &n); err != nil {
				return res, fmt.Errorf("poller: scanned event: %w", err)
			}
			p.shown <- checkShown{at: time.Now(), check: n.Check}
		}
		if ev == pairing.EventApproved {
			var g pairing.Grant
			if err := json.Unmarshal([]byte(data), &g); err != nil {
				return res, fmt.Errorf("poller: approved event: %w", err)
			}
			err := p.store.Save(ctx, p.base, app.StoredSession{Token: g.Token, SessionID: g.Session.ID,
				Email: email, IssuedAt: g.Session.CreatedAt})
			res.stored = time.Now()
			return res, err
		}
		next = next.Add(p.interval)
		select {
		case <-time.After(time.Until(next)):
		case <-ctx.Done():
			return res, fmt.Errorf("poller: %w", ctx.Err())
		}
	}
}

// once asks for the state one time: the first event of the stream.
// device is the fingerprint the login was started with, which the server
// requires of every call on it.
func (p *poller) once(ctx context.Context, loginID, device string) (event, data string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.base+"/v1/logins/"+loginID+"/events", nil)
	if err != nil {
		return "", "", fmt.Errorf("poller: %w", err)
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set(pairing.HeaderDevice, device)
	resp, err := p.hc.Do(req)
	if err != nil {
		return "", "", fmt.Errorf("poller: %w", err)
	}
	defer resp.Body.Close() // hanging up is the point
	if resp.StatusCode != http.StatusOK {
		return "", "", fmt.Errorf("poller: HTTP %d", resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "" && event != "":
			return event, data, nil
		case strings.HasPrefix(line, "event:"):
			event = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			data = strings.TrimSpace(strings.TrimPrefix(line, "data:"))
		}
	}
	return "", "", fmt.Errorf("poller: stream ended without an event: %v", sc.Err())
}
