package mockserver

import (
	"fmt"
	"slices"
	"testing"
)

func journalPaths(es []JournalEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Path
	}
	return out
}

func TestJournalRingKeepsTheNewestInOrder(t *testing.T) {
	const size = 4
	cases := []struct {
		name  string
		added int // requests recorded, named /r1 … /rN
		limit int // the ?limit= asked for; 0 is all
		want  []string
	}{
		{"empty", 0, 0, nil},
		{"not yet full", 3, 0, []string{"/r1", "/r2", "/r3"}},
		{"exactly full", 4, 0, []string{"/r1", "/r2", "/r3", "/r4"}},
		{"wrapped once", 5, 0, []string{"/r2", "/r3", "/r4", "/r5"}},
		{"wrapped several times", 11, 0, []string{"/r8", "/r9", "/r10", "/r11"}},
		{"limit while wrapped", 11, 2, []string{"/r10", "/r11"}},
		{"limit larger than the journal", 6, 9, []string{"/r3", "/r4", "/r5", "/r6"}},
		{"limit before full", 3, 1, []string{"/r3"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Given a journal of four that has recorded tc.added requests,
			j := newJournal(size)
			for i := range tc.added {
				j.add(JournalEntry{Path: fmt.Sprintf("/r%d", i+1)})
			}
			// when a tester reads it,
			got := journalPaths(j.last(tc.limit))
			// then they get the newest, oldest first and newest last.
			if !slices.Equal(got, tc.want) {
				t.Errorf("journal %v, want %v", got, tc.want)
			}
		})
	}
}

func TestJournalClearStartsAfresh(t *testing.T) {
	// Given a journal that has wrapped,
	j := newJournal(3)
	for i := range 5 {
		j.add(JournalEntry{Path: fmt.Sprintf("/old%d", i)})
	}
	// when it is cleared and two requests follow,
	j.clear()
	j.add(JournalEntry{Path: "/a"})
	j.add(JournalEntry{Path: "/b"})
	// then only those two are listed, in order.
	if got := journalPaths(j.last(0)); !slices.Equal(got, []string{"/a", "/b"}) {
		t.Errorf("journal %v after clearing", got)
	}
}

// TestFullJournalAddsWithoutCopying: recording a request on a full journal
// overwrites one slot; it neither allocates nor copies the other entries.
func TestFullJournalAddsWithoutCopying(t *testing.T) {
	j := newJournal(1000)
	e := JournalEntry{Path: "/v1/logins", Headers: map[string]string{"Accept": "application/json"}}
	for range 1000 {
		j.add(e)
	}
	if allocs := testing.AllocsPerRun(100, func() { j.add(e) }); allocs != 0 {
		t.Errorf("adding to a full journal allocated %.0f times per request", allocs)
	}
}
