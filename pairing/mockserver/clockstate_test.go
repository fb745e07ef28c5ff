package mockserver_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

// The clock never goes back, also across a restart on the same --state file.
func TestAdvancedClockSurvivesARestart(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.db")
	start := time.Now().UTC().Truncate(time.Second)
	open := func(clock *mockserver.Clock) *mockserver.Server {
		cfg := mockserver.TestConfig()
		cfg.StatePath, cfg.Clock = state, clock
		srv, err := mockserver.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return srv
	}

	srv := open(mockserver.NewFakeClock(start))
	srv.Clock().Advance(48 * time.Hour)
	srv.Clock().Advance(time.Hour)
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}

	srv = open(mockserver.NewFakeClock(start))
	if got, want := srv.Clock().Now(), start.Add(49*time.Hour); !got.Equal(want) {
		t.Errorf("after a restart the clock reads %v, want %v (49h advanced before)", got, want)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}

	// The binary's real clock too.
	srv = open(mockserver.NewClock())
	defer srv.Close()
	if ahead := srv.Clock().Now().Sub(time.Now()); ahead < 49*time.Hour-time.Minute {
		t.Errorf("a real clock restarted on the state file is %v ahead, want 49h", ahead)
	}
}
