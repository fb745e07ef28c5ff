package main

import (
	"strings"
	"testing"
	"time"
)

// The method section (bench/method.md) carries this run's numbers, and a
// part the run skipped leaves its section out.
func TestMethodTellsThisRunsNumbers(t *testing.T) {
	full := report{machine: machine{Cores: 2}, size: &sizes{app: 2, bare: 1},
		startup: &startupResult{app: make([]startupSample, 11), bare: make([]startupSample, 11), settle: 2 * time.Second},
		signin:  &signinResult{pollEvery: 5 * time.Second, pollCounts: []int{1, 4, 9}, code: make(durations, 7), concurrent: 50, window: 20 * time.Second},
		load:    &loadResult{accounts: 30, signins: 300, signinCPU: 3 * time.Second, signinWork: 8, verifies: 1500, verifyWork: 16},
		streams: &streamsResult{streams: 10000, rssBefore: 40 << 20, rssAfter: 60 << 20, idleCPU: 1234567 * time.Microsecond, idleFor: 10 * time.Second},
	}
	got := full.method()
	for _, want := range []string{
		"started 11 times each", "VmRSS 2s after",
		"### Binary size",
		"**QR:** 50 desktops", "every 5s — RFC 8628", "spread over 20s", "needed 4 polls on median", "**Code:** 7 sign-ins",
		"shares the same 2 cores", "30 accounts × 10 pending logins = 300 `POST /v1/logins` from 8 clients", "about 10.0 ms of CPU per sign-in",
		"1,500 requests) from 16 clients",
		"so 10,000 pending logins", "read (40.0 MiB)", "again (60.0 MiB)", "used 1.235s of CPU",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("method section lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "**With a tray host.**") {
		t.Error("the tray-host paragraph without a tray-host series")
	}

	// A run that measured nothing has the heading only.
	if got := (report{}).method(); strings.TrimSpace(got) != "## How each figure is measured" {
		t.Errorf("empty run:\n%s", got)
	}
}
