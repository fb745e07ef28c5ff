//go:build linux || freebsd || openbsd || netbsd || dragonfly

package ui

import (
	"bufio"
	"os/exec"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"
)

// privateSessionBus starts a D-Bus session daemon of the test's own and
// points DBUS_SESSION_BUS_ADDRESS at it.
func privateSessionBus(t *testing.T) string {
	t.Helper()
	cmd := exec.Command("dbus-daemon", "--session", "--nofork", "--print-address")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting dbus-daemon (package dbus): %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	addr = strings.TrimSpace(addr)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	return addr
}

func TestTrayOnlyWhereATrayHostListens(t *testing.T) {
	addr := privateSessionBus(t)
	// Given a session bus with no tray host, the app adds no tray.
	if TrayHostPresent() {
		t.Fatal("a tray host was reported on a bus that has none")
	}
	// When a panel takes the StatusNotifierWatcher name, then the tray is added.
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if reply, err := conn.RequestName(trayWatcher, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("taking the watcher name: %v %v", reply, err)
	}
	if !TrayHostPresent() {
		t.Error("the tray host on the bus was not seen")
	}
	// And with no session bus at all, there is no tray (and no bus is launched).
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	if TrayHostPresent() {
		t.Error("a tray host was reported without a session bus")
	}
}
