package mockserver

import (
	"testing"
	"time"
)

func TestFakeClockStandsStillUntilAdvanced(t *testing.T) {
	c := NewFakeClock(t0)
	if !c.Now().Equal(t0) {
		t.Fatalf("now %v", c.Now())
	}
	calls := 0
	remove := c.onAdvance(func() { calls++ })
	c.Advance(90 * time.Second)
	c.Advance(0)
	c.Advance(-time.Hour) // never backwards
	if !c.Now().Equal(t0.Add(90*time.Second)) || calls != 1 {
		t.Errorf("now %v after advancing 90s, hook ran %d times", c.Now(), calls)
	}
	remove()
	c.Advance(time.Second)
	if calls != 1 {
		t.Error("removed hook still runs")
	}
}

func TestRealClockCanBeAdvanced(t *testing.T) {
	c := NewClock()
	before := time.Now().Truncate(time.Millisecond)
	c.Advance(24 * time.Hour)
	if got := c.Now(); got.Sub(before) < 24*time.Hour || got.Location() != time.UTC {
		t.Errorf("now %v, want a day ahead in UTC", got)
	}
}
