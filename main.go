// Command linkdesk is the Linkdesk desktop app: it signs in to a Linkdesk
// account and links this computer to the person's phone. With no server
// configured it runs in demo mode against a mock server on this computer.
//
//	linkdesk [--server URL] [--lang en|ko] [--ca FILE]
//	linkdesk status | logout [--server URL] [--ca FILE]
//	linkdesk version
package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/linkdesk/linkdesk/app"
	"github.com/linkdesk/linkdesk/ui"
)

// Set at build time: -ldflags "-X main.version=… -X main.commit=…".
var (
	version = "dev"
	commit  = "dev"
)

// appID names the app for fyne (preferences, notifications); FyneApp.toml agrees.
const appID = "io.linkdesk.desktop"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole program; it returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "version":
			fmt.Fprintf(stdout, "linkdesk %s (commit %s)\n", version, commit)
			return 0
		case "status":
			return runStatus(args[1:], stdout, stderr)
		case "logout":
			return runLogout(args[1:], stdout, stderr)
		}
	}
	fs := flag.NewFlagSet("linkdesk", flag.ContinueOnError)
	fs.SetOutput(stderr)
	server, caFile := serverFlags(fs)
	language := fs.String("lang", "", "language: en or ko (default: the one chosen in the app, else the system's)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "linkdesk: unknown command %q (commands: status, logout, version)\n", fs.Arg(0))
		return 2
	}
	if *language != "" && *language != "en" && *language != "ko" {
		fmt.Fprintf(stderr, "linkdesk: --lang must be en or ko, not %q\n", *language)
		return 2
	}
	if err := runWindow(*server, *caFile, *language, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "linkdesk: %v\n", err)
		return 1
	}
	return 0
}

// runWindow wires the real dependencies and shows the window until Quit.
func runWindow(server, caFile, language string, stdout, stderr io.Writer) error {
	a := fyneapp.NewWithID(appID)
	if server == "" {
		server = a.Metadata().Custom["Server"]
	}
	var demo *ui.Demo
	var keyring app.Keyring // nil: the OS keychain
	settingsPath := ""
	if server == "" {
		var stop func()
		var persistent bool
		var err error
		if demo, server, persistent, stop, err = startDemo(stdout, stderr); err != nil {
			return err
		}
		defer stop()
		if !persistent {
			// This run's demo sessions die with its server: keep them out of the real keychain.
			keyring = &app.MemoryKeyring{}
		}
		if settingsPath, err = demoSettingsPath(); err != nil {
			return err
		}
	}
	client, err := newClient(server, caFile)
	if err != nil {
		return err // plain http to another computer, a malformed address, an unreadable --ca
	}
	settings, err := app.OpenSettings(settingsPath)
	if err != nil {
		return fmt.Errorf("%w (fix or delete the file to start afresh)", err)
	}
	core := app.New(app.Options{
		Client:   client,
		Sessions: app.NewSessionStore(app.SessionStoreOptions{Keyring: keyring}),
		Settings: settings,
		Version:  version,
	})
	defer core.Close()

	w := a.NewWindow("Linkdesk")
	u := ui.Create(a, w, core, ui.Options{
		Settings: settings,
		Language: language,
		Demo:     demo,
		Version:  version,
		Log:      slog.New(slog.NewTextHandler(stderr, nil)),
	})
	defer u.Close()
	w.Resize(fyne.NewSize(560, 720))
	w.CenterOnScreen()
	w.ShowAndRun()
	return nil
}
