package mockserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A state file can be damaged behind the server's back (a full disk, a
// copy cut short, a crash of the machine, an edit). bbolt trusts its file:
// reading a damaged one panics inside bbolt or, for a page beyond the end of
// a truncated file, faults (SIGBUS) on the memory map. So before the server
// uses a state file it opens it read-only, with faults turned into panics,
// and checks it whole; a damaged file stops the server with one line and is
// never written to.

// stateRecordTypes says how to read each bucket's records.
var stateRecordTypes = map[string]func() any{
	string(bucketAccounts): func() any { return new(accountRecord) },
	string(bucketThrottle): func() any { return new(throttleRecord) },
	string(bucketSessions): func() any { return new(sessionRecord) },
	string(bucketPhones):   func() any { return new(phoneTokenRecord) },
}

// errDamagedState wraps what is wrong with a state file.
type errDamagedState struct {
	path, what string
}

func (e *errDamagedState) Error() string {
	return fmt.Sprintf("the state file %s is damaged (%s); it was left as it is. "+
		"To start fresh, move it away or give --state another file", e.path, oneLine(e.what))
}

// oneLine keeps bbolt's words on one line, without the "panic:" its checker
// puts before a page it could not read (nothing crashed here).
func oneLine(s string) string {
	return strings.ReplaceAll(strings.Join(strings.Fields(s), " "), "panic: ", "")
}

// checkStateFile checks the state file at path; a missing or empty file is
// fine (the server starts a new one).
func checkStateFile(path string) error {
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) || (err == nil && st.Size() == 0) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the state file %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return &errDamagedState{path, "it is not a regular file"}
	}
	what, err := inspectState(path, st.Size())
	if err != nil {
		return err
	}
	if what != "" {
		return &errDamagedState{path, what}
	}
	return nil
}

// inspectState opens the file read-only and returns what is wrong with it
// ("" when nothing), or an error that is not about the file's content.
func inspectState(path string, size int64) (what string, err error) {
	done := make(chan struct{})
	go func() { // a goroutine of its own: SetPanicOnFault applies per goroutine
		defer close(done)
		debug.SetPanicOnFault(true)
		defer func() {
			if r := recover(); r != nil {
				what = fmt.Sprintf("a page could not be read: %v", r)
			}
		}()
		what, err = inspectStateUnguarded(path, size)
	}()
	<-done
	return what, err
}

func inspectStateUnguarded(path string, size int64) (string, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 2 * time.Second})
	switch {
	case errors.Is(err, bolt.ErrTimeout):
		return "", fmt.Errorf("the state file %s is in use by another process", path)
	case err != nil:
		return "it is not a state file of this server, or its header is damaged: " + err.Error(), nil
	}
	defer func() { _ = db.Close() }() // read-only: nothing to lose
	var what string
	err = db.View(func(tx *bolt.Tx) error {
		// bbolt writes whole pages and grows the file past its last page.
		if want, page := tx.Size(), int64(db.Info().PageSize); size < want || size%page != 0 {
			what = fmt.Sprintf("it has %d bytes, not whole pages of %d up to at least %d: it was cut short", size, page, want)
			return nil
		}
		for cerr := range tx.Check() {
			if what == "" {
				what = "its pages are inconsistent: " + cerr.Error()
			}
		}
		if what != "" {
			return nil
		}
		what = checkRecords(tx)
		return nil
	})
	if err != nil {
		return "reading it failed: " + err.Error(), nil
	}
	return what, nil
}

// checkRecords reads every record the server keeps; a missing bucket is fine
// (a file from before it existed).
func checkRecords(tx *bolt.Tx) string {
	if meta := tx.Bucket(bucketMeta); meta == nil {
		return "it has no meta bucket: it is not a state file of this server"
	}
	for name, fresh := range stateRecordTypes {
		b := tx.Bucket([]byte(name))
		if b == nil {
			continue
		}
		bad := ""
		_ = b.ForEach(func(_, v []byte) error {
			if v == nil || json.Unmarshal(v, fresh()) != nil {
				bad = fmt.Sprintf("a record in %q cannot be read", name)
				return errors.New(bad)
			}
			return nil
		})
		if bad != "" {
			return bad
		}
	}
	return ""
}
