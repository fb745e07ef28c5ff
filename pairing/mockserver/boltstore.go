package mockserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Buckets of the state file.
var (
	bucketMeta     = []byte("meta")
	bucketAccounts = []byte("accounts")
	bucketThrottle = []byte("throttles")
	bucketSessions = []byte("sessions")
	bucketPhones   = []byte("phone_tokens")
	dataBuckets    = [][]byte{bucketAccounts, bucketThrottle, bucketSessions, bucketPhones}
)

// stateSchema is the layout version written to the meta bucket.
const stateSchema = "1"

// boltStore persists accounts, wrong-password counts, sessions and phone
// tokens in a bbolt file; every change is committed (and synced) before the
// call returns, so a killed server loses nothing. Pending logins stay in
// memory: they hold the security code and the QR secret, which must never
// reach a file, and live only minutes anyway.
type boltStore struct {
	records
	db     *bolt.DB
	memory *memStore // its logins table holds the pending logins
}

func openBoltStore(path string) (*boltStore, error) {
	if err := checkStateFile(path); err != nil {
		return nil, err
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("opening state file %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		switch v := meta.Get([]byte("schema")); {
		case v == nil:
			if err := meta.Put([]byte("schema"), []byte(stateSchema)); err != nil {
				return err
			}
		case string(v) != stateSchema:
			return fmt.Errorf("state file has layout %q, this server writes %q", v, stateSchema)
		}
		for _, b := range dataBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("preparing state file %s: %w", path, err), db.Close())
	}
	memory := newMemStore()
	return &boltStore{
		records: records{
			accounts: boltTable[accountRecord]{db, bucketAccounts},
			throttle: boltTable[throttleRecord]{db, bucketThrottle},
			logins:   memory.logins,
			sessions: boltTable[sessionRecord]{db, bucketSessions},
			phones:   boltTable[phoneTokenRecord]{db, bucketPhones},
		},
		db:     db,
		memory: memory,
	}, nil
}

// boltErr maps bbolt's closed-database error to the store's.
func boltErr(err error) error {
	if errors.Is(err, bolt.ErrDatabaseNotOpen) {
		return errStoreClosed
	}
	return err
}

// boltTable is one bucket of the state file; every call is one transaction.
type boltTable[T any] struct {
	db     *bolt.DB
	bucket []byte
}

func (t boltTable[T]) create(key string, v T) error {
	return boltErr(t.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(t.bucket)
		if b.Get([]byte(key)) != nil {
			return errAlreadyExists
		}
		return putJSON(b, key, v)
	}))
}

func (t boltTable[T]) get(key string) (T, error) {
	var out T
	err := t.db.View(func(tx *bolt.Tx) error {
		data := tx.Bucket(t.bucket).Get([]byte(key))
		if data == nil {
			return errNotFound
		}
		return decodeRecord(data, &out)
	})
	return out, boltErr(err)
}

// update runs fn in one write transaction; an error from fn rolls back.
func (t boltTable[T]) update(key string, missing func() T, fn func(T) (T, error)) error {
	return boltErr(t.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(t.bucket)
		var cur T
		if data := b.Get([]byte(key)); data != nil {
			if err := decodeRecord(data, &cur); err != nil {
				return err
			}
		} else if missing != nil {
			cur = missing()
		} else {
			return errNotFound
		}
		next, err := fn(cur)
		if err != nil {
			return err
		}
		return putJSON(b, key, next)
	}))
}

func (t boltTable[T]) remove(key string) error {
	return boltErr(t.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(t.bucket)
		if b.Get([]byte(key)) == nil {
			return errNotFound
		}
		return b.Delete([]byte(key))
	}))
}

// list returns the records in key order (bbolt's).
func (t boltTable[T]) list(keep func(T) bool) ([]T, error) {
	out := []T{}
	err := t.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(t.bucket).ForEach(func(_, data []byte) error {
			var v T
			if err := decodeRecord(data, &v); err != nil {
				return err
			}
			if keep == nil || keep(v) {
				out = append(out, v)
			}
			return nil
		})
	})
	return out, boltErr(err)
}

func putJSON(b *bolt.Bucket, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding record: %w", err)
	}
	return b.Put([]byte(key), data)
}

func decodeRecord(data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("state file record is damaged: %w", err)
	}
	return nil
}

// clockOffsetKey holds the clock offset in the meta bucket, in nanoseconds.
var clockOffsetKey = []byte("clock_offset")

func (b *boltStore) ClockOffset() (time.Duration, error) {
	var d time.Duration
	err := b.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketMeta).Get(clockOffsetKey)
		if v == nil {
			return nil
		}
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("state file: the clock offset %q is damaged", v)
		}
		d = time.Duration(n)
		return nil
	})
	return d, boltErr(err)
}

func (b *boltStore) SaveClockOffset(d time.Duration) error {
	return boltErr(b.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(clockOffsetKey, []byte(strconv.FormatInt(int64(d), 10)))
	}))
}

func (b *boltStore) Reset() error {
	err := boltErr(b.db.Update(func(tx *bolt.Tx) error {
		for _, name := range dataBuckets {
			if err := tx.DeleteBucket(name); err != nil && !errors.Is(err, bolt.ErrBucketNotFound) {
				return err
			}
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		return nil
	}))
	if err != nil {
		return fmt.Errorf("clearing state file: %w", err)
	}
	return b.memory.Reset()
}

func (b *boltStore) Close() error {
	return errors.Join(b.memory.Close(), b.db.Close())
}
