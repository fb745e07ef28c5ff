package mockserver

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The phone page writes Korean dates and times as the desktop does
// (ui.TestDatesAndTimesInEachLanguage): "2026년 12월 1일 오후 3:04". It runs
// the page's own view.js under Node (scripts/deps.sh test installs nodejs).
func TestPhoneWritesKoreanDatesLikeTheDesktop(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node not found: install nodejs (scripts/deps.sh test does)")
	}
	dir := t.TempDir()
	files, err := filepath.Glob("web/static/*.js")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts in web/static: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"type":"module"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	script := `import { Lang } from "./view.js";
const ko = new Lang("ko");
console.log([ko.dateTime("2026-12-01T06:04:00Z"), ko.dateTime("2026-11-30T16:35:00Z"),
  ko.clock(new Date("2026-11-30T16:35:16Z")), ko.dateTime("nonsense")].join("|"));`
	if err := os.WriteFile(filepath.Join(dir, "check.js"), []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "check.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TZ=Asia/Seoul")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	want := "2026년 12월 1일 오후 3:04|2026년 12월 1일 오전 1:35|오전 1:35:16|—"
	if got := strings.TrimSpace(string(out)); got != want {
		t.Errorf("phone page writes %q, want %q", got, want)
	}
}
