// Package singleinstance keeps one Linkdesk window per user: the first start
// holds a lock and listens on a local socket (a Unix socket, or a loopback
// TCP port on Windows) named in the user's runtime or config folder; a later
// start hands its arguments over that socket and exits. The lock is the
// operating system's (flock, LockFileEx), so a crashed run leaves no lock
// behind, only files the next start takes over. Nothing listens beyond this
// computer, and both sides prove they can read a key in the user's own
// folder, so another user's instance is never reached nor obeyed.
package singleinstance

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// handoffTimeout bounds a second start's wait for the running one.
const handoffTimeout = 5 * time.Second

// errLocked: another start holds the lock.
var errLocked = errors.New("held by another start")

// errImpostor: something answers on the socket without the user's key.
var errImpostor = errors.New("the program answering on Linkdesk's socket is not this user's Linkdesk")

// Options configure Acquire.
type Options struct {
	// Dir holds the lock, the key and (on Unix) the socket; "" is DefaultDir().
	Dir string
	// Args are this start's arguments, handed to the running instance.
	Args []string
}

// Instance is this process's place as the one instance, or the record that
// it handed its arguments to the one already running.
type Instance struct {
	handed bool
	dir    string
	key    []byte
	lock   *os.File
	ln     net.Listener

	mu       sync.Mutex
	onSecond func(args []string)
	waiting  [][]string // second starts before OnSecondStart was set
	done     chan struct{}
}

// request is what a second start sends; reply is the running one's answer.
// Each side proves it read the key in the user's folder: the request with
// the HMAC of its nonce as a request, the reply with that of the nonce as a
// reply (so an impostor cannot echo the request's proof back).
type request struct {
	Args  []string `json:"args"`
	Nonce string   `json:"nonce"`
	Proof string   `json:"proof"`
}

type reply struct {
	Proof string `json:"proof"`
}

// The roles a proof is made for.
const (
	asRequest = "request"
	asReply   = "reply"
)

// Acquire makes this process the one instance, or hands opts.Args to the
// instance already running (then Handed is true and the caller exits).
func Acquire(opts Options) (*Instance, error) {
	dir := opts.Dir
	if dir == "" {
		var err error
		if dir, err = DefaultDir(); err != nil {
			return nil, err
		}
	}
	if err := privateDir(dir); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(handoffTimeout)
	for {
		lock, err := tryLock(filepath.Join(dir, "instance.lock"))
		if err == nil {
			return serve(dir, lock)
		}
		if !errors.Is(err, errLocked) {
			return nil, fmt.Errorf("single instance lock in %s: %w", dir, err)
		}
		// Another start holds the lock: hand over, unless it is still starting
		// (not listening yet) or has just quit (lock free on the next try).
		err = handOver(dir, opts.Args, deadline)
		if err == nil {
			return &Instance{handed: true, dir: dir}, nil
		}
		if errors.Is(err, errImpostor) {
			return nil, fmt.Errorf("%w (%s)", err, dir)
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("Linkdesk is already running but did not answer (%w); close it or end its process, then start it again", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Handed reports whether the arguments went to the running instance.
func (i *Instance) Handed() bool { return i.handed }

// OnSecondStart sets what happens when another start hands its arguments
// over (show and raise the window); it runs on a background goroutine.
// Second starts that came before it was set are delivered at once.
func (i *Instance) OnSecondStart(fn func(args []string)) {
	i.mu.Lock()
	i.onSecond = fn
	waiting := i.waiting
	i.waiting = nil
	i.mu.Unlock()
	for _, args := range waiting {
		fn(args)
	}
}

// Close stops listening and releases the lock; the next start becomes the
// instance. It does nothing for a start that handed over.
func (i *Instance) Close() error {
	if i.handed || i.lock == nil {
		return nil
	}
	err := i.ln.Close()
	<-i.done
	removeSocket(i.dir)
	if uerr := unlock(i.lock); err == nil {
		err = uerr
	}
	return err
}

// serve becomes the instance: a fresh key, then the listener.
func serve(dir string, lock *os.File) (*Instance, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		_ = unlock(lock) // the read error is the one to report
		return nil, err
	}
	if err := writeKey(dir, key); err != nil {
		_ = unlock(lock)
		return nil, err
	}
	ln, err := listen(dir) // a crashed run's socket file is replaced: the lock is ours
	if err != nil {
		_ = unlock(lock)
		return nil, fmt.Errorf("single instance socket in %s: %w", dir, err)
	}
	i := &Instance{dir: dir, key: key, lock: lock, ln: ln, done: make(chan struct{})}
	go i.accept()
	return i, nil
}

func (i *Instance) accept() {
	defer close(i.done)
	for {
		c, err := i.ln.Accept()
		if err != nil {
			return // closed by Close
		}
		go i.answer(c)
	}
}

// answer proves this is the user's instance and takes the arguments.
func (i *Instance) answer(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(handoffTimeout)) // a stuck peer is dropped
	var req request
	if err := json.NewDecoder(bufio.NewReader(c)).Decode(&req); err != nil {
		return // not a Linkdesk start: nothing to do
	}
	nonce, err := hex.DecodeString(req.Nonce)
	if err != nil || len(nonce) < 16 || !validProof(i.key, asRequest, nonce, req.Proof) {
		return // not this user's Linkdesk: it may not raise the window
	}
	if err := json.NewEncoder(c).Encode(reply{Proof: hex.EncodeToString(proof(i.key, asReply, nonce))}); err != nil {
		return
	}
	i.mu.Lock()
	fn := i.onSecond
	if fn == nil {
		i.waiting = append(i.waiting, req.Args)
	}
	i.mu.Unlock()
	if fn != nil {
		fn(req.Args)
	}
}

// handOver sends args to the running instance and checks its proof.
func handOver(dir string, args []string, deadline time.Time) error {
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	c, err := dial(ctx, dir)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(deadline)
	key, err := os.ReadFile(filepath.Join(dir, "instance.key"))
	if err != nil {
		return err
	}
	nonce := make([]byte, 32)
	if _, err := rand.Read(nonce); err != nil {
		return err
	}
	req := request{Args: args, Nonce: hex.EncodeToString(nonce), Proof: hex.EncodeToString(proof(key, asRequest, nonce))}
	if err := json.NewEncoder(c).Encode(req); err != nil {
		return err
	}
	var rep reply
	if err := json.NewDecoder(bufio.NewReader(c)).Decode(&rep); err != nil {
		return fmt.Errorf("reading the answer: %w", err)
	}
	if !validProof(key, asReply, nonce, rep.Proof) {
		return errImpostor
	}
	return nil
}

// proof is the HMAC-SHA256 of nonce in role under key.
func proof(key []byte, role string, nonce []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(role + ":"))
	m.Write(nonce)
	return m.Sum(nil)
}

// validProof checks a proof given in hex.
func validProof(key []byte, role string, nonce []byte, given string) bool {
	got, err := hex.DecodeString(given)
	return err == nil && hmac.Equal(got, proof(key, role, nonce))
}

// writeKey replaces the key file whole, so a second start never reads half.
func writeKey(dir string, key []byte) error { return writeFile(dir, "instance.key", key) }

// writeFile replaces dir/name whole, so a second start never reads half of it.
func writeFile(dir, name string, data []byte) error {
	tmp, err := os.CreateTemp(dir, name+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // gone after the rename; left only on failure
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, name))
}

// tryLock opens the lock file and takes its lock, or returns errLocked.
func tryLock(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := lockExclusive(f); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// configDir is linkdesk in the user's config folder.
func configDir() (string, error) {
	cfg, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(cfg, "linkdesk"), nil
}

// privateDir makes dir (mode 0700) and checks nobody else can use it.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("single instance folder: %w", err)
	}
	return checkPrivate(dir)
}
