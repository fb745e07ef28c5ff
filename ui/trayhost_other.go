//go:build !(linux || freebsd || openbsd || netbsd || dragonfly)

package ui

// TrayHostPresent is true on Windows and macOS: their desktops always show
// tray (menu bar) icons.
func TrayHostPresent() bool { return true }
