package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/assets"
)

// TestMain lets a test run this binary as linkdesk itself (LINKDESK_TEST_ARGS),
// so what happens before main (package init) is tested too.
func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv("LINKDESK_TEST_ARGS"); ok {
		os.Exit(run(strings.Fields(args), os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// These cover what main decides before any window opens; the window itself
// is tested in ui and, as a whole program, in e2e.
func TestCommandLine(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir()) // a window start never meets a running Linkdesk
	for _, tc := range []struct {
		name     string
		args     []string
		wantCode int
		wantOut  []string // in stdout
		wantErr  []string // in stderr
	}{
		{"version", []string{"version"}, 0, []string{"linkdesk dev (commit dev)"}, nil},
		{"version with a flag", []string{"--server", "https://example.com", "version"}, 0, []string{"linkdesk dev"}, nil},
		{"unknown language", []string{"--lang", "fr"}, 2, nil, []string{"--lang must be en or ko"}},
		{"unknown command names the real ones", []string{"bogus"}, 2, nil, []string{`unknown command "bogus"`, "status, logout, version, help"}},
		{"unknown flag", []string{"--nope"}, 2, nil, []string{"flag provided but not defined", "--help"}},
		{"stray argument", []string{"status", "now"}, 2, nil, []string{`unexpected "now" after "status"`}},
		{"status refuses plain http to another computer", []string{"status", "--server", "http://example.com"}, 2, nil, []string{"insecure_server"}},
		{"flags before the command work the same", []string{"--server", "http://example.com", "status"}, 2, nil, []string{"insecure_server"}},
		{"logout refuses a malformed server", []string{"logout", "--server", "ftp://x"}, 2, nil, []string{"must start with https://"}},
		{"unreadable --ca", []string{"status", "--server", "https://example.com", "--ca", "/nonexistent/ca.pem"}, 2, nil, []string{"--ca file /nonexistent/ca.pem could not be read"}},
		{"--help lists commands and flags", []string{"--help"}, 0, []string{"status ", "logout ", "version ", "--server URL", "--ca FILE", "--lang en|ko"}, nil},
		{"-h", []string{"-h"}, 0, []string{"Commands:"}, nil},
		{"help in Korean", []string{"--lang", "ko", "help"}, 0, []string{"명령:", "로그아웃합니다"}, nil},
		{"errors in Korean, --lang after the mistake", []string{"bogus", "--lang", "ko"}, 2, nil, []string{"알 수 없는 명령", "status, logout, version, help"}},
		{"status in Korean", []string{"status", "--lang=ko", "--server", "http://example.com"}, 2, nil, []string{"보안 연결(https)", "insecure_server"}},
		{"help", []string{"help"}, 0, []string{"Commands:"}, nil},
		{"-h on a command", []string{"status", "-h"}, 0, []string{"Commands:"}, nil},
		{"--help on a command", []string{"logout", "--help"}, 0, []string{"Commands:"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			// Given the arguments, when linkdesk runs, then it exits with the code and says why.
			code := run(tc.args, &stdout, &stderr)
			if code != tc.wantCode {
				t.Errorf("exit code %d, want %d (stderr %q)", code, tc.wantCode, stderr.String())
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("stdout %q, want %q in it", stdout.String(), w)
				}
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr %q, want %q in it", stderr.String(), w)
				}
			}
		})
	}
}

// Without a display the window start says so in one line and starts nothing
// (no demo server); the commands that need no window still work.
func TestNoDisplay(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	t.Setenv("WAYLAND_DISPLAY", "")
	for _, display := range []string{"", ":987"} {
		t.Setenv("DISPLAY", display)
		var stdout, stderr bytes.Buffer
		code := run(nil, &stdout, &stderr)
		if code != 1 {
			t.Errorf("DISPLAY=%q: exit code %d, want 1", display, code)
		}
		lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
		if len(lines) != 1 || !strings.Contains(lines[0], "make run-mockserver") || !strings.Contains(lines[0], "desktop session") {
			t.Errorf("DISPLAY=%q: stderr %q, want one line saying what to do", display, stderr.String())
		}
		if stdout.Len() != 0 {
			t.Errorf("DISPLAY=%q: something started before the display check: %q", display, stdout.String())
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"version"}, &stdout, &stderr); code != 0 || stderr.Len() != 0 {
		t.Errorf("version without a display: exit %d, stderr %q", code, stderr.String())
	}
}

// Fyne logs "Error parsing user locale" for C locales from its package init;
// linkdesk must start quietly whatever the locale.
func TestNoLocaleNoise(t *testing.T) {
	for _, lang := range []string{"C", "C.UTF-8", "POSIX", ""} {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		var env []string
		for _, kv := range os.Environ() {
			k, _, _ := strings.Cut(kv, "=")
			if k != "LANG" && k != "LC_ALL" && k != "LC_MESSAGES" && k != "LANGUAGE" {
				env = append(env, kv)
			}
		}
		if lang != "" {
			env = append(env, "LANG="+lang)
		}
		cmd.Env = append(env, "LINKDESK_TEST_ARGS=version")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("LANG=%q: %v (stderr %q)", lang, err, stderr.String())
		}
		if stderr.Len() != 0 || !strings.HasPrefix(stdout.String(), "linkdesk ") {
			t.Errorf("LANG=%q: stdout %q, stderr %q; want the version and nothing else", lang, stdout.String(), stderr.String())
		}
	}
}

// Every sentence the command line says is in both translation files: the
// keys written in this package's code, and those it builds for the help.
func TestCommandLineWordsAreTranslated(t *testing.T) {
	keys := map[string]bool{}
	for _, c := range commands {
		keys["cli.cmd."+c] = true
	}
	for _, f := range flags {
		keys["cli.flag."+f.name] = true
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	literal := regexp.MustCompile(`"(cli\.[a-z_.]*[a-z_])"`) // "cli.cmd." is the start of a key built above
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllStringSubmatch(string(src), -1) {
			keys[m[1]] = true
		}
	}
	if len(keys) < 30 {
		t.Fatalf("found only %d keys; the scan is broken", len(keys))
	}
	for _, tag := range assets.Languages() {
		words, err := assets.LoadWords(tag)
		if err != nil {
			t.Fatal(err)
		}
		for k := range keys {
			if words.Text(k, nil) == k {
				t.Errorf("%s.json has no %q", tag, k)
			}
		}
	}
}
