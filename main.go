// Command linkdesk is the Linkdesk desktop app: it signs in to a Linkdesk
// account and links this computer to the person's phone. With no server
// configured it runs in demo mode against a mock server on this computer.
//
//	linkdesk [command] [--server URL] [--ca FILE] [--lang en|ko]
//
// See usageText (cli.go) for the commands; flags go before or after them.
package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/linkdesk/linkdesk/app"
	_ "github.com/linkdesk/linkdesk/internal/quietlocale" // before fyne's lang reads the locale
	"github.com/linkdesk/linkdesk/internal/singleinstance"
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
	cl, code := parseCommandLine(args, stdout, stderr)
	if cl == nil {
		return code
	}
	say := newSay(cl.language)
	switch cl.command {
	case "version":
		fmt.Fprintf(stdout, "linkdesk %s (commit %s)\n", version, commit)
		return 0
	case "help":
		fmt.Fprint(stdout, usageText(say))
		return 0
	case "status":
		return runStatus(cl, stdout, stderr)
	case "logout":
		return runLogout(cl, stdout, stderr)
	}
	if key, display := displayProblem(); key != "" {
		fmt.Fprintln(stderr, "linkdesk: "+say.text(key, "Display", display)+" "+say.text("cli.no_display_help"))
		return 1
	}
	inst, err := singleinstance.Acquire(singleinstance.Options{Args: args})
	if err != nil {
		fmt.Fprintf(stderr, "linkdesk: %v\n", err)
		return 1
	}
	if inst.Handed() {
		say.line(stdout, "cli.already_running")
		return 0
	}
	defer inst.Close()
	if err := runWindow(cl, inst, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "linkdesk: %v\n", err)
		return 1
	}
	return 0
}

// runWindow wires the real dependencies and shows the window until Quit.
func runWindow(cl *commandLine, inst *singleinstance.Instance, stdout, stderr io.Writer) error {
	a := fyneapp.NewWithID(appID)
	say := newSay(cl.language)
	server, caFile := cl.server, cl.caFile
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
		if demo, server, persistent, stop, err = startDemo(say, stdout, stderr); err != nil {
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
	client, err := newClient(say, server, caFile)
	if err != nil {
		return err // plain http to another computer, a malformed address, an unreadable --ca
	}
	settings, err := app.OpenSettings(settingsPath)
	if err != nil {
		return errors.New(say.text("cli.settings_unreadable", "Error", err))
	}
	core := app.New(app.Options{
		Client:   client,
		Sessions: app.NewSessionStore(app.SessionStoreOptions{Keyring: keyring}),
		Settings: settings,
		Version:  version,
	})
	defer core.Close()

	log := slog.New(slog.NewTextHandler(stderr, nil))
	w := a.NewWindow("Linkdesk")
	u := ui.Create(a, w, core, ui.Options{
		Settings: settings,
		Language: cl.language,
		Demo:     demo,
		Version:  version,
		Log:      log,
		Tray:     ui.TrayHostPresent(),
	})
	defer u.Close()
	inst.OnSecondStart(func(args []string) {
		log.Info("second start", "action", "raise")
		fyne.Do(u.Raise)
	})
	w.Resize(fyne.NewSize(560, 720))
	w.CenterOnScreen()
	w.ShowAndRun()
	return nil
}
