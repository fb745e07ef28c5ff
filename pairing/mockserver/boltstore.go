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
	db     *bolt.DB
	logins *memStore // pending logins only
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
	return &boltStore{db: db, logins: newMemStore()}, nil
}

// boltErr maps bbolt's closed-database error to the store's.
func boltErr(err error) error {
	if errors.Is(err, bolt.ErrDatabaseNotOpen) {
		return errStoreClosed
	}
	return err
}

func boltCreate[T any](db *bolt.DB, bucket []byte, key string, v T) error {
	return boltErr(db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		if b.Get([]byte(key)) != nil {
			return errAlreadyExists
		}
		return putJSON(b, key, v)
	}))
}

func boltGet[T any](db *bolt.DB, bucket []byte, key string) (T, error) {
	var out T
	err := db.View(func(tx *bolt.Tx) error {
		data := tx.Bucket(bucket).Get([]byte(key))
		if data == nil {
			return errNotFound
		}
		return decodeRecord(data, &out)
	})
	return out, boltErr(err)
}

// boltUpdate runs fn in one write transaction; an error from fn rolls back.
func boltUpdate[T any](db *bolt.DB, bucket []byte, key string, missing func() T, fn func(T) (T, error)) error {
	return boltErr(db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
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

func boltDelete(db *bolt.DB, bucket []byte, key string) error {
	return boltErr(db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		if b.Get([]byte(key)) == nil {
			return errNotFound
		}
		return b.Delete([]byte(key))
	}))
}

func boltList[T any](db *bolt.DB, bucket []byte, keep func(T) bool) ([]T, error) {
	out := []T{}
	err := db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).ForEach(func(_, data []byte) error {
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

func (b *boltStore) CreateAccount(a accountRecord) error {
	return boltCreate(b.db, bucketAccounts, a.Email, a)
}

func (b *boltStore) GetAccount(email string) (accountRecord, error) {
	return boltGet[accountRecord](b.db, bucketAccounts, email)
}

func (b *boltStore) UpdateAccount(email string, fn func(accountRecord) (accountRecord, error)) error {
	return boltUpdate(b.db, bucketAccounts, email, nil, fn)
}

func (b *boltStore) ListAccounts() ([]accountRecord, error) {
	return boltList[accountRecord](b.db, bucketAccounts, nil)
}

func (b *boltStore) GetThrottle(email string) (throttleRecord, error) {
	return boltGet[throttleRecord](b.db, bucketThrottle, email)
}

func (b *boltStore) UpdateThrottle(email string, fn func(throttleRecord) (throttleRecord, error)) error {
	fresh := func() throttleRecord { return throttleRecord{Email: email} }
	return boltUpdate(b.db, bucketThrottle, email, fresh, fn)
}

func (b *boltStore) DeleteThrottle(email string) error {
	return boltDelete(b.db, bucketThrottle, email)
}

func (b *boltStore) ListThrottles() ([]throttleRecord, error) {
	return boltList[throttleRecord](b.db, bucketThrottle, nil)
}

func (b *boltStore) CreateLogin(l loginRecord) error { return b.logins.CreateLogin(l) }

func (b *boltStore) GetLogin(id string) (loginRecord, error) { return b.logins.GetLogin(id) }

func (b *boltStore) UpdateLogin(id string, fn func(loginRecord) (loginRecord, error)) error {
	return b.logins.UpdateLogin(id, fn)
}

func (b *boltStore) DeleteLogin(id string) error { return b.logins.DeleteLogin(id) }

func (b *boltStore) ListLogins() ([]loginRecord, error) { return b.logins.ListLogins() }

func (b *boltStore) CreateSession(s sessionRecord) error {
	return boltCreate(b.db, bucketSessions, s.TokenHash, s)
}

func (b *boltStore) GetSession(hash string) (sessionRecord, error) {
	return boltGet[sessionRecord](b.db, bucketSessions, hash)
}

func (b *boltStore) UpdateSession(hash string, fn func(sessionRecord) (sessionRecord, error)) error {
	return boltUpdate(b.db, bucketSessions, hash, nil, fn)
}

func (b *boltStore) DeleteSession(hash string) error {
	return boltDelete(b.db, bucketSessions, hash)
}

func (b *boltStore) ListSessions(email string) ([]sessionRecord, error) {
	return boltList(b.db, bucketSessions, func(s sessionRecord) bool { return email == "" || s.Email == email })
}

func (b *boltStore) CreatePhoneToken(p phoneTokenRecord) error {
	return boltCreate(b.db, bucketPhones, p.TokenHash, p)
}

func (b *boltStore) GetPhoneToken(hash string) (phoneTokenRecord, error) {
	return boltGet[phoneTokenRecord](b.db, bucketPhones, hash)
}

func (b *boltStore) DeletePhoneToken(hash string) error {
	return boltDelete(b.db, bucketPhones, hash)
}

func (b *boltStore) ListPhoneTokens() ([]phoneTokenRecord, error) {
	return boltList[phoneTokenRecord](b.db, bucketPhones, nil)
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
	return b.logins.Reset()
}

func (b *boltStore) Close() error {
	return errors.Join(b.logins.Close(), b.db.Close())
}
