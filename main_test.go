package main

import (
	"bytes"
	"strings"
	"testing"
)

// These cover what main decides before any window opens; the window itself
// is tested in ui and, as a whole program, in e2e.
func TestCommandLine(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string // in stdout
		wantErr  string // in stderr
	}{
		{"version", []string{"version"}, 0, "linkdesk dev (commit dev)", ""},
		{"unknown language", []string{"--lang", "fr"}, 2, "", "--lang must be en or ko"},
		{"unknown command", []string{"bogus"}, 2, "", `unknown command "bogus"`},
		{"unknown flag", []string{"--nope"}, 2, "", "flag provided but not defined"},
		{"status refuses plain http to another computer", []string{"status", "--server", "http://example.com"}, 2, "", "insecure_server"},
		{"logout refuses a malformed server", []string{"logout", "--server", "ftp://x"}, 2, "", "must start with https://"},
		{"unreadable --ca", []string{"status", "--server", "https://example.com", "--ca", "/nonexistent/ca.pem"}, 2, "", "reading --ca"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			// Given the arguments, when linkdesk runs, then it exits with the code and says why.
			code := run(tc.args, &stdout, &stderr)
			if code != tc.wantCode {
				t.Errorf("exit code %d, want %d (stderr %q)", code, tc.wantCode, stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.wantOut) {
				t.Errorf("stdout %q, want %q in it", stdout.String(), tc.wantOut)
			}
			if !strings.Contains(stderr.String(), tc.wantErr) {
				t.Errorf("stderr %q, want %q in it", stderr.String(), tc.wantErr)
			}
		})
	}
}
