package app

import (
	"errors"
	"regexp"
	"testing"

	"github.com/linkdesk/linkdesk/pairing"
)

func fixed(s string) func() (string, error) { return func() (string, error) { return s, nil } }

func failing() (string, error) { return "", errors.New("not available") }

func TestFingerprintSeparatesParts(t *testing.T) {
	hex64 := regexp.MustCompile(`^[0-9a-f]{64}$`)
	base := Fingerprint("dev", "machine", "anna")
	if !hex64.MatchString(base) {
		t.Fatalf("fingerprint %q is not hex SHA-256", base)
	}
	for _, tc := range []struct{ name, dev, machine, user string }{
		{"another device ID (copied settings)", "dev2", "machine", "anna"},
		{"another machine (new computer)", "dev", "machine2", "anna"},
		{"another OS user", "dev", "machine", "bob"},
		{"shifted boundary between parts", "devm", "achine", "anna"},
		{"shifted boundary at the end", "dev", "machinea", "nna"},
	} {
		if got := Fingerprint(tc.dev, tc.machine, tc.user); got == base {
			t.Errorf("%s: same fingerprint", tc.name)
		}
	}
	if Fingerprint("dev", "machine", "anna") != base {
		t.Error("fingerprint is not stable")
	}
}

func TestLoadDeviceIdentity(t *testing.T) {
	for _, tc := range []struct {
		name     string
		src      DeviceSources
		wantName string
		wantPlat string
		wantFP   string
	}{
		{
			name:     "windows laptop",
			src:      DeviceSources{MachineID: fixed("guid-1"), OSUser: fixed(`ANNA-LAPTOP\anna`), Hostname: fixed("ANNA-LAPTOP"), GOOS: "windows"},
			wantName: "ANNA-LAPTOP", wantPlat: pairing.PlatformWindows,
			wantFP: Fingerprint("dev-1", "guid-1", `ANNA-LAPTOP\anna`),
		},
		{
			name:     "mac with trailing newline in machine ID",
			src:      DeviceSources{MachineID: fixed("UUID-2\n"), OSUser: fixed("anna"), Hostname: fixed("annas-mac"), GOOS: "darwin"},
			wantName: "annas-mac", wantPlat: pairing.PlatformMacOS,
			wantFP: Fingerprint("dev-1", "UUID-2", "anna"),
		},
		{
			name:     "linux with nothing readable still gets a stable identity",
			src:      DeviceSources{MachineID: failing, OSUser: failing, Hostname: failing, GOOS: "linux"},
			wantName: "Linkdesk desktop", wantPlat: pairing.PlatformLinux,
			wantFP: Fingerprint("dev-1", "", ""),
		},
		{
			name:     "freebsd counts as linux",
			src:      DeviceSources{MachineID: fixed("m"), OSUser: fixed("u"), Hostname: fixed("bsd"), GOOS: "freebsd"},
			wantName: "bsd", wantPlat: pairing.PlatformLinux, wantFP: Fingerprint("dev-1", "m", "u"),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := LoadDeviceIdentity("dev-1", tc.src)
			if d.ID != "dev-1" || d.Name != tc.wantName || d.Platform != tc.wantPlat || d.Fingerprint != tc.wantFP {
				t.Errorf("got %+v", d)
			}
			p := d.Pairing()
			if p.ID != d.ID || p.Name != d.Name || p.Platform != d.Platform || p.Fingerprint != d.Fingerprint {
				t.Errorf("Pairing() = %+v", p)
			}
		})
	}
}

func TestLoadDeviceIdentityOnThisComputer(t *testing.T) {
	// The real sources must give a stable identity run after run.
	a := LoadDeviceIdentity("dev-1", DeviceSources{})
	b := LoadDeviceIdentity("dev-1", DeviceSources{})
	if a != b || a.Name == "" || a.Platform == "" {
		t.Fatalf("identity not stable or incomplete: %+v vs %+v", a, b)
	}
	if id, err := ReadMachineID(); err == nil && id == "" {
		t.Error("ReadMachineID returned an empty ID without an error")
	}
}
