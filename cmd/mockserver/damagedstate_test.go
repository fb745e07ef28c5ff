package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A damaged --state file stops the server before it starts, with one line
// that names the file and what is wrong, and the file is left as it was.
func TestDamagedStateFileIsRefusedInOneLine(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	// A real state file, written by a server killed without warning.
	p := startProcess(t, bin, "--addr", "127.0.0.1:0", "--state", good)
	for i := range 20 {
		body := map[string]string{"email": "user" + string(rune('a'+i)) + "@linkdesk.test", "password": "long-enough-password"}
		p.call(t, "POST", "/mock/v1/accounts", "", body, nil)
	}
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait() // killed on purpose
	whole, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	const page = 4096
	if len(whole) < 4*page {
		t.Fatalf("state file of %d bytes, want a few pages", len(whole))
	}
	garbage := func(n int) []byte {
		b := make([]byte, n)
		if _, err := rand.Read(b); err != nil {
			t.Fatal(err)
		}
		return b
	}
	overwrite := func(from int) []byte {
		out := append([]byte(nil), whole...)
		copy(out[from:], garbage(len(out)-from))
		return out
	}
	cases := map[string][]byte{
		"truncated to two pages":      whole[:2*page],
		"truncated mid-page":          whole[:len(whole)-page-100],
		"data pages overwritten":      overwrite(2 * page),
		"everything overwritten":      garbage(len(whole)),
		"both meta pages overwritten": append(garbage(2*page), whole[2*page:]...),
		"a text file":                 []byte("this is not a state file\n"),
		"a few bytes of a real file":  whole[:100],
		"truncated to the first page": whole[:page],
		"zeros over the data pages":   append(append([]byte(nil), whole[:2*page]...), make([]byte, len(whole)-2*page)...),
	}
	for name, content := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db")
			if err := os.WriteFile(path, content, 0o600); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, append([]string{"--addr", "127.0.0.1:0", "--state", path}, cheap...)...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if ctx.Err() != nil {
				t.Fatalf("the server started on a damaged file (still running after 10 s); stdout %q", stdout.String())
			}
			if err == nil {
				t.Fatalf("exit status 0 on a damaged file; stdout %q", stdout.String())
			}
			msg := strings.TrimRight(stderr.String(), "\n")
			if strings.Count(msg, "\n") != 0 || !strings.Contains(msg, path) {
				t.Errorf("want one line naming %s, got:\n%s", path, msg)
			}
			for _, crash := range []string{"panic", "goroutine", "SIGBUS", "SIGSEGV", "fatal error"} {
				if strings.Contains(msg, crash) {
					t.Errorf("a crash (%s) instead of a message:\n%.600s", crash, msg)
				}
			}
			if !strings.Contains(msg, "start fresh") {
				t.Errorf("the message does not say how to start fresh: %s", msg)
			}
			after, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(after, content) {
				t.Errorf("the file was changed (%v)", err)
			}
		})
	}
}
