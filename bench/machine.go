package main

import (
	"bufio"
	"debug/buildinfo"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// machine describes where the figures were measured.
type machine struct {
	CPU       string
	Cores     int
	MemTotal  int64 // bytes
	OS        string
	Kernel    string
	Go        string
	Fyne      string
	Date      time.Time
	LoadStart string // /proc/loadavg when the run began
	LoadEnd   string // and when it ended
}

func describeMachine() machine {
	m := machine{
		CPU:       firstField("/proc/cpuinfo", "model name"),
		Cores:     runtime.NumCPU(),
		OS:        osRelease(),
		Kernel:    strings.TrimSpace(readFileOr("/proc/sys/kernel/osrelease", "unknown")),
		Go:        runtime.Version(),
		Fyne:      "unknown",
		Date:      time.Now(),
		LoadStart: loadAverage(),
	}
	if kb, err := strconv.ParseInt(strings.Fields(firstField("/proc/meminfo", "MemTotal") + " 0")[0], 10, 64); err == nil {
		m.MemTotal = kb << 10
	}
	return m
}

func (m machine) String() string {
	return fmt.Sprintf("%s, %d cores, %s RAM, %s (kernel %s), %s, Fyne %s",
		m.CPU, m.Cores, gib(m.MemTotal), m.OS, m.Kernel, m.Go, m.Fyne)
}

func gib(b int64) string { return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30)) }

// firstField returns the value of the first "key : value" line of a /proc file.
func firstField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return "unknown"
	}
	defer f.Close() // read-only
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func osRelease() string {
	for _, line := range strings.Split(readFileOr("/etc/os-release", ""), "\n") {
		if v, ok := strings.CutPrefix(line, "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return runtime.GOOS
}

func loadAverage() string {
	f := strings.Fields(readFileOr("/proc/loadavg", ""))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func readFileOr(path, fallback string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fallback
	}
	return string(b)
}

// moduleVersion is the version of a dependency linked into the binary at
// bin (this program does not link Fyne itself).
func moduleVersion(bin, path string) string {
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		return "unknown"
	}
	for _, d := range bi.Deps {
		if d.Path == path {
			return d.Version
		}
	}
	return "unknown"
}

// rssBytes is the resident set size of process pid (VmRSS).
func rssBytes(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("reading the memory of process %d: %w", pid, err)
	}
	defer f.Close() // read-only
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			fields := strings.Fields(v)
			kb, err := strconv.ParseInt(fields[0], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("VmRSS of process %d: %w", pid, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("process %d: %w", pid, errNoRSS)
}

var errNoRSS = errors.New("no VmRSS line (exited?)")

// userHZ is the unit of the CPU times in /proc/<pid>/stat on Linux.
const userHZ = 100

// cpuTime is the user+system CPU time process pid has used so far.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("reading the CPU time of process %d: %w", pid, err)
	}
	// The command name (field 2) may hold spaces; the fields after ")" are fixed.
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("process %d: short stat line", pid)
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("process %d stat: %w", pid, err)
	}
	return time.Duration(utime+stime) * time.Second / userHZ, nil
}
