package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// docs/tester-walk.sh, the walk of docs/TESTING.md as one script, runs as
// written against the mock server, over plain HTTP and over --tls with the
// certificate the server wrote; sourced, it leaves LOGIN, TOKEN and SESSION
// set, and it never prints the token.
func TestTesterWalkScript(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the tester script needs %s (scripts/deps.sh test installs it): %v", tool, err)
		}
	}
	script, err := filepath.Abs("../../docs/tester-walk.sh")
	if err != nil {
		t.Fatal(err)
	}
	bin := buildBinary(t)
	cert := filepath.Join(t.TempDir(), "cert.pem")
	for name, args := range map[string][]string{
		"http": {"--addr", "127.0.0.1:0"},
		"tls":  {"--addr", "127.0.0.1:0", "--tls", "--tls-cert-out", cert},
	} {
		t.Run(name, func(t *testing.T) {
			p := startProcess(t, bin, args...)
			cmd := exec.Command("bash", "-c", `source "$0"; echo "TOKEN_WAS=$TOKEN LOGIN_WAS=$LOGIN SESSION_WAS=$SESSION"`, script)
			cmd.Env = append(os.Environ(), "B="+p.url)
			if name == "tls" {
				cmd.Env = append(cmd.Env, "CACERT="+cert)
			}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("the script failed: %v\n%s", err, out)
			}
			text := string(out)
			for _, want := range []string{"signed out from the phone: HTTP 204", "the session now answers: session_revoked", `"account":"demo@linkdesk.test"`} {
				if !strings.Contains(text, want) {
					t.Errorf("output lacks %q:\n%s", want, text)
				}
			}
			m := regexp.MustCompile(`TOKEN_WAS=(ldk_\S+) LOGIN_WAS=(lgn_\S+) SESSION_WAS=(ses_\S+)`).FindStringSubmatch(text)
			if m == nil {
				t.Fatalf("LOGIN, TOKEN and SESSION are not set after sourcing it:\n%s", text)
			}
			shown := strings.TrimSuffix(text, text[strings.Index(text, "TOKEN_WAS="):])
			if strings.Contains(shown, m[1]) {
				t.Error("the script prints the token")
			}
			if !strings.Contains(shown, "LOGIN="+m[2]) || !strings.Contains(shown, "SESSION="+m[3]) {
				t.Errorf("the script does not show LOGIN and SESSION:\n%s", shown)
			}
		})
	}
}

// The phishing walk of docs/TESTING.md ("Playing the attacker") runs as
// written: its shell blocks, in order, against the mock server binary.
func TestPhishingWalkInTesting(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	doc, err := os.ReadFile("../../docs/TESTING.md")
	if err != nil {
		t.Fatal(err)
	}
	section := string(doc)
	start := strings.Index(section, "## Playing the attacker")
	if start < 0 {
		t.Fatal("TESTING.md has no section \"Playing the attacker\"")
	}
	section = section[start:]
	section = section[:strings.Index(section[3:], "\n## ")+3]
	var script strings.Builder
	for _, m := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(section, -1) {
		script.WriteString(m[1])
	}
	p := startProcess(t, buildBinary(t), "--addr", "127.0.0.1:0")
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", script.String())
	cmd.Env = append(os.Environ(), "B="+p.url)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the walk failed: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	want := []string{`"ip":"203.0.113.7","network":"different"`, "wrong_check", "login_declined", "login_declined",
		`"path":"/v1/logins","remote_ip":"203.0.113.7"`, `"remote_ip":"198.51.100.23"`, "same", "linked: DESKTOP-7QF2"}
	text := strings.Join(lines, "\n")
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("the walk's output lacks %q:\n%s", w, text)
		}
	}
	if strings.Contains(text, "null") {
		t.Errorf("a step of the walk found nothing:\n%s", text)
	}
}
