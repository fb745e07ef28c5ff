package mockserver

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/pairing"
)

// storeKinds opens each store implementation; the conformance suite runs on all.
var storeKinds = map[string]func(t *testing.T) store{
	"memory": func(*testing.T) store { return newMemStore() },
	"bbolt": func(t *testing.T) store {
		s, err := openBoltStore(filepath.Join(t.TempDir(), "state.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	},
}

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

var errVeto = errors.New("veto")

func TestStoreConformance(t *testing.T) {
	suite := []struct {
		name string
		run  func(t *testing.T, s store)
	}{
		{"accounts", conformAccounts},
		{"throttles upsert", conformThrottles},
		{"logins", conformLogins},
		{"sessions", conformSessions},
		{"phone tokens", conformPhoneTokens},
		{"updates are atomic", conformAtomicUpdates},
		{"records are copies", conformCopies},
		{"reset", conformReset},
		{"closed", conformClosed},
	}
	for kind, open := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			for _, tc := range suite {
				t.Run(tc.name, func(t *testing.T) {
					s := open(t)
					t.Cleanup(func() { _ = s.Close() }) // closing twice is allowed
					tc.run(t, s)
				})
			}
		})
	}
}

func same(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %+v\nwant %+v", what, got, want)
	}
}

func is(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: err = %v, want %v", what, err, want)
	}
}

func conformAccounts(t *testing.T, s store) {
	a := accountRecord{Email: "a@x.test", Name: "A", PasswordHash: "$argon2id$...", CreatedAt: t0,
		BudgetSpent: []time.Time{t0, t0.Add(time.Minute)}, BlockedUntil: t0.Add(time.Hour)}
	is(t, "create", s.CreateAccount(a), nil)
	is(t, "create again", s.CreateAccount(a), errAlreadyExists)
	got, err := s.GetAccount(a.Email)
	is(t, "get", err, nil)
	same(t, "account", got, a)
	_, err = s.GetAccount("b@x.test")
	is(t, "get missing", err, errNotFound)
	is(t, "update missing", s.UpdateAccount("b@x.test", func(r accountRecord) (accountRecord, error) { return r, nil }), errNotFound)

	is(t, "update", s.UpdateAccount(a.Email, func(r accountRecord) (accountRecord, error) {
		r.Name = "Renamed"
		return r, nil
	}), nil)
	is(t, "vetoed update", s.UpdateAccount(a.Email, func(r accountRecord) (accountRecord, error) {
		r.Name = "Vetoed"
		return r, errVeto
	}), errVeto)
	got, _ = s.GetAccount(a.Email)
	if got.Name != "Renamed" {
		t.Errorf("name %q: the vetoed update leaked or the update was lost", got.Name)
	}
	is(t, "create second", s.CreateAccount(accountRecord{Email: "0@x.test"}), nil)
	list, err := s.ListAccounts()
	is(t, "list", err, nil)
	if len(list) != 2 {
		t.Errorf("list has %d accounts", len(list))
	}
}

func conformThrottles(t *testing.T, s store) {
	_, err := s.GetThrottle("a@x.test")
	is(t, "get missing", err, errNotFound)
	is(t, "upsert", s.UpdateThrottle("a@x.test", func(r throttleRecord) (throttleRecord, error) {
		if r.Email != "a@x.test" || r.Failures != 0 {
			t.Errorf("fresh record %+v", r)
		}
		r.Failures, r.LockedUntil, r.UpdatedAt = 3, t0, t0
		return r, nil
	}), nil)
	got, err := s.GetThrottle("a@x.test")
	is(t, "get", err, nil)
	same(t, "throttle", got, throttleRecord{Email: "a@x.test", Failures: 3, LockedUntil: t0, UpdatedAt: t0})
	is(t, "vetoed upsert", s.UpdateThrottle("new@x.test", func(r throttleRecord) (throttleRecord, error) { return r, errVeto }), errVeto)
	_, err = s.GetThrottle("new@x.test")
	is(t, "vetoed upsert created nothing", err, errNotFound)
	list, _ := s.ListThrottles()
	same(t, "list", len(list), 1)
	is(t, "delete", s.DeleteThrottle("a@x.test"), nil)
	is(t, "delete again", s.DeleteThrottle("a@x.test"), errNotFound)
}

func conformLogins(t *testing.T, s store) {
	l := loginRecord{ID: "lgn_1", Email: "a@x.test", Device: pairing.Device{ID: "d", Name: "PC", Platform: "linux", Fingerprint: "f"},
		IP: "127.0.0.1", CreatedAt: t0, ExpiresAt: t0.Add(10 * time.Minute), Code: "012345", CodeExpiresAt: t0.Add(3 * time.Minute),
		QRSecret: []byte("0123456789abcdef"), QRExpiresAt: t0.Add(30 * time.Second), State: loginPending}
	is(t, "create", s.CreateLogin(l), nil)
	is(t, "create again", s.CreateLogin(l), errAlreadyExists)
	got, err := s.GetLogin(l.ID)
	is(t, "get", err, nil)
	same(t, "login", got, l)
	is(t, "update", s.UpdateLogin(l.ID, func(r loginRecord) (loginRecord, error) {
		r.CodeFailures++
		return r, nil
	}), nil)
	got, _ = s.GetLogin(l.ID)
	same(t, "failures", got.CodeFailures, 1)
	is(t, "update missing", s.UpdateLogin("lgn_2", func(r loginRecord) (loginRecord, error) { return r, nil }), errNotFound)
	list, _ := s.ListLogins()
	same(t, "list", len(list), 1)
	is(t, "delete", s.DeleteLogin(l.ID), nil)
	is(t, "delete again", s.DeleteLogin(l.ID), errNotFound)
	_, err = s.GetLogin(l.ID)
	is(t, "get deleted", err, errNotFound)
}

func conformSessions(t *testing.T, s store) {
	mk := func(hash, email string) sessionRecord {
		return sessionRecord{TokenHash: hash, ID: "ses_" + hash, Email: email, Device: pairing.Device{ID: "d", Fingerprint: "f"},
			CreatedAt: t0, LastSeenAt: t0}
	}
	for _, r := range []sessionRecord{mk("h1", "a@x.test"), mk("h2", "a@x.test"), mk("h3", "b@x.test")} {
		is(t, "create "+r.TokenHash, s.CreateSession(r), nil)
	}
	is(t, "create again", s.CreateSession(mk("h1", "a@x.test")), errAlreadyExists)
	got, err := s.GetSession("h1")
	is(t, "get", err, nil)
	same(t, "session", got, mk("h1", "a@x.test"))
	is(t, "end", s.UpdateSession("h1", func(r sessionRecord) (sessionRecord, error) {
		r.EndedReason, r.EndedAt = pairing.CodeSessionRevoked, t0.Add(time.Hour)
		return r, nil
	}), nil)
	got, _ = s.GetSession("h1")
	same(t, "ended reason", got.EndedReason, pairing.CodeSessionRevoked)
	a, _ := s.ListSessions("a@x.test")
	all, _ := s.ListSessions("")
	same(t, "sessions of a", len(a), 2)
	same(t, "all sessions", len(all), 3)
	is(t, "delete", s.DeleteSession("h2"), nil)
	is(t, "delete again", s.DeleteSession("h2"), errNotFound)
	is(t, "update missing", s.UpdateSession("h2", func(r sessionRecord) (sessionRecord, error) { return r, nil }), errNotFound)
}

func conformPhoneTokens(t *testing.T, s store) {
	p := phoneTokenRecord{TokenHash: "p1", Email: "a@x.test", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	is(t, "create", s.CreatePhoneToken(p), nil)
	is(t, "create again", s.CreatePhoneToken(p), errAlreadyExists)
	got, err := s.GetPhoneToken("p1")
	is(t, "get", err, nil)
	same(t, "phone token", got, p)
	list, _ := s.ListPhoneTokens()
	same(t, "list", len(list), 1)
	is(t, "delete", s.DeletePhoneToken("p1"), nil)
	_, err = s.GetPhoneToken("p1")
	is(t, "get deleted", err, errNotFound)
}

func conformAtomicUpdates(t *testing.T, s store) {
	const n = 40
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			err := s.UpdateThrottle("race@x.test", func(r throttleRecord) (throttleRecord, error) {
				r.Failures++
				return r, nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got, err := s.GetThrottle("race@x.test")
	is(t, "get", err, nil)
	same(t, "failures after concurrent increments", got.Failures, n)
}

func conformCopies(t *testing.T, s store) {
	a := accountRecord{Email: "a@x.test", BudgetSpent: []time.Time{t0}}
	is(t, "create", s.CreateAccount(a), nil)
	a.BudgetSpent[0] = t0.Add(time.Hour) // the caller's slice is not the store's
	got, _ := s.GetAccount("a@x.test")
	got.BudgetSpent[0] = t0.Add(2 * time.Hour)
	again, _ := s.GetAccount("a@x.test")
	same(t, "stored budget", again.BudgetSpent, []time.Time{t0})
}

func conformReset(t *testing.T, s store) {
	is(t, "account", s.CreateAccount(accountRecord{Email: "a@x.test"}), nil)
	is(t, "login", s.CreateLogin(loginRecord{ID: "l"}), nil)
	is(t, "session", s.CreateSession(sessionRecord{TokenHash: "h"}), nil)
	is(t, "phone", s.CreatePhoneToken(phoneTokenRecord{TokenHash: "p"}), nil)
	is(t, "throttle", s.UpdateThrottle("a@x.test", func(r throttleRecord) (throttleRecord, error) { return r, nil }), nil)
	is(t, "reset", s.Reset(), nil)
	accts, _ := s.ListAccounts()
	logins, _ := s.ListLogins()
	sessions, _ := s.ListSessions("")
	phones, _ := s.ListPhoneTokens()
	throttles, _ := s.ListThrottles()
	if n := len(accts) + len(logins) + len(sessions) + len(phones) + len(throttles); n != 0 {
		t.Errorf("%d records survived the reset", n)
	}
	is(t, "usable after reset", s.CreateAccount(accountRecord{Email: "a@x.test"}), nil)
}

func conformClosed(t *testing.T, s store) {
	is(t, "close", s.Close(), nil)
	if _, err := s.GetAccount("a@x.test"); err == nil {
		t.Error("a closed store answered")
	}
	if err := s.CreateAccount(accountRecord{Email: "a@x.test"}); err == nil {
		t.Error("a closed store accepted a write")
	}
}

// TestBoltStoreKeepsStateButNoSecrets: what a restart must not lose survives
// reopening; pending logins (code, QR secret) are never written.
func TestBoltStoreKeepsStateButNoSecrets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := openBoltStore(path)
	if err != nil {
		t.Fatal(err)
	}
	acct := accountRecord{Email: "a@x.test", Name: "A", PasswordHash: "h", CreatedAt: t0}
	sess := sessionRecord{TokenHash: "hash", ID: "ses_1", Email: "a@x.test", CreatedAt: t0, LastSeenAt: t0}
	phone := phoneTokenRecord{TokenHash: "phash", Email: "a@x.test", CreatedAt: t0, ExpiresAt: t0}
	login := loginRecord{ID: "lgn_1", Code: "918273", QRSecret: []byte("QR-SECRET-BYTES!")}
	for _, err := range []error{s.CreateAccount(acct), s.CreateSession(sess), s.CreatePhoneToken(phone), s.CreateLogin(login),
		s.UpdateThrottle("a@x.test", func(r throttleRecord) (throttleRecord, error) { r.Lockouts = 2; return r, nil })} {
		is(t, "write", err, nil)
	}
	is(t, "close", s.Close(), nil)

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("918273")) || bytes.Contains(data, []byte("QR-SECRET-BYTES!")) {
		t.Error("the state file holds a pending login's code or QR secret")
	}

	s, err = openBoltStore(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	gotAcct, err := s.GetAccount("a@x.test")
	is(t, "account after reopen", err, nil)
	same(t, "account", gotAcct, acct)
	gotSess, err := s.GetSession("hash")
	is(t, "session after reopen", err, nil)
	same(t, "session", gotSess, sess)
	_, err = s.GetPhoneToken("phash")
	is(t, "phone token after reopen", err, nil)
	th, err := s.GetThrottle("a@x.test")
	is(t, "throttle after reopen", err, nil)
	same(t, "lockouts", th.Lockouts, 2)
	_, err = s.GetLogin("lgn_1")
	is(t, "pending login after reopen", err, errNotFound)
}

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
