//go:build !windows && !darwin && !android && !ios && !js

package main

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// displayProblem returns the message key of why no window can open here
// ("" when one can) and the DISPLAY it is about: fyne's X11 driver panics
// deep inside GLFW when DISPLAY names no X server.
func displayProblem() (key, display string) {
	display = os.Getenv("DISPLAY")
	if display == "" {
		if os.Getenv("WAYLAND_DISPLAY") != "" {
			return "cli.no_display_wayland", ""
		}
		return "cli.no_display", ""
	}
	network, addr, ok := x11Address(display)
	if !ok {
		return "cli.bad_display", display
	}
	conn, err := net.DialTimeout(network, addr, 2*time.Second)
	if err != nil && network == "unix" {
		conn, err = net.DialTimeout(network, "@"+addr, 2*time.Second) // Linux's abstract socket
	}
	if err != nil {
		return "cli.unreachable_display", display
	}
	_ = conn.Close() // only probed
	return "", ""
}

// x11Address turns a DISPLAY value ("[host]:number[.screen]", or the path of
// a socket followed by ":number") into where its X server listens.
func x11Address(display string) (network, addr string, ok bool) {
	i := strings.LastIndex(display, ":")
	if i < 0 {
		return "", "", false
	}
	host, rest := display[:i], display[i+1:]
	number, _, _ := strings.Cut(rest, ".")
	n, err := strconv.Atoi(number)
	if err != nil || n < 0 {
		return "", "", false
	}
	switch {
	case strings.HasPrefix(host, "/"):
		return "unix", display[:i] + ":" + number, true // XQuartz-style socket path
	case host == "" || host == "unix":
		return "unix", filepath.Join("/tmp/.X11-unix", "X"+number), true
	}
	return "tcp", net.JoinHostPort(strings.TrimPrefix(host, "tcp/"), strconv.Itoa(6000+n)), true
}
