package mockserver_test

import (
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
)

// Every time the server writes is RFC 3339 in UTC to the millisecond: three
// digits always, also when they are zeros (the clock stands on a whole second here).
func TestTimesAreWrittenToTheMillisecond(t *testing.T) {
	h := newHarness(t)
	if h.Clock.Now().Nanosecond() != 0 {
		t.Fatal("the test clock should start on a whole second")
	}
	pl := h.do("POST", "/v1/logins", loginBody("demo@linkdesk.test", "linkdesk-demo", laptop))
	phone := h.phone()
	link := h.do("GET", "/phone/v1/link", nil, bearer(phone))
	clock := h.do("GET", "/mock/v1/clock", nil)
	h.Clock.Advance(1500 * time.Millisecond)
	later := h.do("GET", "/mock/v1/health", nil)
	s := h.openStream("/v1/logins/"+loginIDOf(t, pl)+"/events", ownerHdr(laptop))
	ev := s.next(t)

	anyTime := regexp.MustCompile(`"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[^"]*"`)
	exact := regexp.MustCompile(`^"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"$`)
	for name, body := range map[string]string{
		"sign-in": string(pl.body), "link": string(link.body), "clock": string(clock.body),
		"health": string(later.body), "qr event": ev.data,
	} {
		found := anyTime.FindAllString(body, -1)
		if len(found) == 0 {
			t.Errorf("%s: no time in %s", name, body)
		}
		for _, ts := range found {
			if !exact.MatchString(ts) {
				t.Errorf("%s: time %s is not to the millisecond", name, ts)
			}
		}
	}
}

func loginIDOf(t *testing.T, r *response) string {
	t.Helper()
	var pl pairing.PendingLogin
	r.decode(t, http.StatusCreated, &pl)
	return pl.LoginID
}
