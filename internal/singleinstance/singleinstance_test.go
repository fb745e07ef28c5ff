package singleinstance

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain lets a test run this binary as a Linkdesk start that holds the
// instance and then is killed, as a crash would.
func TestMain(m *testing.M) {
	if dir := os.Getenv("SINGLEINSTANCE_HOLD"); dir != "" {
		if _, err := Acquire(Options{Dir: dir}); err != nil {
			os.Exit(3)
		}
		os.Stdout.WriteString("holding\n")
		select {}
	}
	os.Exit(m.Run())
}

// firstStart makes Linkdesk's instance in dir, closed when the test ends.
func firstStart(t *testing.T, dir string) *Instance {
	t.Helper()
	first, err := Acquire(Options{Dir: dir})
	if err != nil || first.Handed() {
		t.Fatalf("first start: handed %v, err %v", first != nil && first.Handed(), err)
	}
	t.Cleanup(func() { first.Close() })
	return first
}

func TestSecondStartHandsItsArgumentsToTheFirst(t *testing.T) {
	dir := t.TempDir()
	first, err := Acquire(Options{Dir: dir, Args: []string{"--lang", "ko"}})
	if err != nil || first.Handed() {
		t.Fatalf("first start: handed %v, err %v", first != nil && first.Handed(), err)
	}
	got := make(chan []string, 2)
	first.OnSecondStart(func(args []string) { got <- args })

	// When a second start comes, it hands over and is told to exit.
	second, err := Acquire(Options{Dir: dir, Args: []string{"--server", "https://example.test"}})
	if err != nil || !second.Handed() {
		t.Fatalf("second start: handed %v, err %v", second != nil && second.Handed(), err)
	}
	select {
	case args := <-got:
		if strings.Join(args, " ") != "--server https://example.test" {
			t.Errorf("first instance got %q", args)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the first instance was not told of the second start")
	}

	// Then after the first closes, the next start is the instance again.
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	third, err := Acquire(Options{Dir: dir})
	if err != nil || third.Handed() {
		t.Fatalf("start after close: handed %v, err %v", third != nil && third.Handed(), err)
	}
	if err := third.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestSecondStartsBeforeTheWindowAreKept(t *testing.T) {
	dir := t.TempDir()
	first := firstStart(t, dir)
	// Given a second start while the first is still building its window
	if s, err := Acquire(Options{Dir: dir, Args: []string{"x"}}); err != nil || !s.Handed() {
		t.Fatalf("second start: %v", err)
	}
	// When the window is ready, then that start is delivered.
	got := make(chan []string, 1)
	first.OnSecondStart(func(args []string) { got <- args })
	select {
	case args := <-got:
		if len(args) != 1 || args[0] != "x" {
			t.Errorf("got %q", args)
		}
	case <-time.After(time.Second):
		t.Fatal("the early second start was lost")
	}
}

func TestACrashedRunsLockIsTakenOver(t *testing.T) {
	dir := t.TempDir()
	// Given a start that holds the instance and is then killed (no cleanup)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SINGLEINSTANCE_HOLD="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8)
	if _, err := out.Read(buf); err != nil || !strings.HasPrefix(string(buf), "holding") {
		t.Fatalf("helper did not take the instance: %q %v", buf, err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait() // killed: its status says only that
	for _, f := range []string{"instance.lock", "instance.key"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatalf("the crashed run left no %s to take over: %v", f, err)
		}
	}

	// When Linkdesk starts again, then it becomes the instance at once.
	start := time.Now()
	inst, err := Acquire(Options{Dir: dir})
	if err != nil || inst.Handed() {
		t.Fatalf("start after a crash: handed %v, err %v", inst != nil && inst.Handed(), err)
	}
	defer inst.Close()
	if d := time.Since(start); d > time.Second {
		t.Errorf("taking over the stale lock took %s", d)
	}
}

// Only a start that can read the key in the user's folder may raise the
// window: a request without its proof (another user's program connecting to
// the socket or the loopback port) is dropped unanswered.
func TestARequestWithoutTheUsersKeyIsIgnored(t *testing.T) {
	dir := t.TempDir()
	first := firstStart(t, dir)
	got := make(chan []string, 1)
	first.OnSecondStart(func(args []string) { got <- args })

	// When something connects and asks without the proof,
	c, err := dial(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := json.NewEncoder(c).Encode(request{Args: []string{"--server", "https://evil.test"},
		Nonce: strings.Repeat("ab", 32), Proof: strings.Repeat("00", 32)}); err != nil {
		t.Fatal(err)
	}
	// then it gets no answer, and the window is not raised.
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, _ := c.Read(make([]byte, 1)); n != 0 {
		t.Error("the instance answered a request without the user's key")
	}
	select {
	case args := <-got:
		t.Errorf("the instance acted on a request without the user's key: %q", args)
	case <-time.After(100 * time.Millisecond):
	}
}
