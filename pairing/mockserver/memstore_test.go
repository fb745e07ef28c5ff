package mockserver

import (
	"fmt"
	"slices"
	"testing"
)

func TestMemStoreListsOneAccountsSessionsByKey(t *testing.T) {
	// Given sessions of two accounts, created out of key order,
	m := newMemStore()
	for _, s := range []sessionRecord{
		{TokenHash: "h4", Email: "a@x.test"}, {TokenHash: "h1", Email: "b@x.test"},
		{TokenHash: "h2", Email: "a@x.test"}, {TokenHash: "h3", Email: "b@x.test"}, {TokenHash: "h0", Email: "a@x.test"},
	} {
		if err := m.CreateSession(s); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		email string
		want  []string
	}{
		{"a@x.test", []string{"h0", "h2", "h4"}},
		{"b@x.test", []string{"h1", "h3"}},
		{"nobody@x.test", []string{}},
		{"", []string{"h0", "h1", "h2", "h3", "h4"}},
	}
	for _, tc := range cases {
		// when one account's sessions (or all, with "") are listed,
		got, err := m.ListSessions(tc.email)
		if err != nil {
			t.Fatal(err)
		}
		// then exactly those come back, ordered by token hash.
		hashes := []string{}
		for _, s := range got {
			if tc.email != "" && s.Email != tc.email {
				t.Errorf("ListSessions(%q) returned a session of %s", tc.email, s.Email)
			}
			hashes = append(hashes, s.TokenHash)
		}
		if !slices.Equal(hashes, tc.want) {
			t.Errorf("ListSessions(%q) = %v, want %v", tc.email, hashes, tc.want)
		}
	}
}

// BenchmarkListSessionsOfOneAccount lists one account's two sessions among
// 10,000 others: the cost should follow the account's sessions, not the
// whole table's sort.
func BenchmarkListSessionsOfOneAccount(b *testing.B) {
	m := newMemStore()
	for i := range 10_000 {
		email := fmt.Sprintf("user%d@x.test", i/2)
		if err := m.CreateSession(sessionRecord{TokenHash: fmt.Sprintf("h%05d", i), Email: email}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if got, err := m.ListSessions("user42@x.test"); err != nil || len(got) != 2 {
			b.Fatalf("got %d sessions, %v", len(got), err)
		}
	}
}
