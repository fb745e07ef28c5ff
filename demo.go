package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/linkdesk/linkdesk/app"
	"github.com/linkdesk/linkdesk/pairing/mockserver"
	"github.com/linkdesk/linkdesk/ui"
)

// demoAddr is where demo mode's mock server listens when it can, so a session
// kept in the keychain (named by the server's origin) is found again on the
// next start; when the port is taken, a free one is used for this run only.
const demoAddr = "127.0.0.1:8470"

// startDemo runs the mock server inside the app on loopback, keeping its
// accounts and sessions in the config folder so that closing and reopening the
// app restores the session, and prints where its phone simulator is.
// persistent is false when that state could not be used (another demo holds
// it, or the folder is unwritable): this run then starts from scratch.
func startDemo(say say, stdout, stderr io.Writer) (demo *ui.Demo, server string, persistent bool, stop func(), err error) {
	cfg := mockserver.DefaultConfig()
	if dir, derr := demoDir(); derr == nil {
		cfg.StatePath = filepath.Join(dir, "demo-server.db")
	}
	srv, err := mockserver.New(cfg)
	if err != nil && cfg.StatePath != "" {
		fmt.Fprintln(stderr, "linkdesk: "+say.text("cli.demo_fresh", "Error", err))
		cfg.StatePath = ""
		srv, err = mockserver.New(cfg)
	}
	if err != nil {
		return nil, "", false, nil, errors.New(say.text("cli.demo_failed", "Error", err))
	}
	persistent = cfg.StatePath != ""
	server, err = srv.Start(demoAddr)
	if err != nil {
		persistent = false
		server, err = srv.Start("127.0.0.1:0")
	}
	if err != nil {
		_ = srv.Close() // the start error is the one to report
		return nil, "", false, nil, errors.New(say.text("cli.demo_failed", "Error", err))
	}
	demo = &ui.Demo{PhoneURL: srv.PhoneURL(), Email: mockserver.DemoEmail, Password: mockserver.DemoPassword}
	say.line(stdout, "cli.demo_server", "URL", server)
	say.line(stdout, "cli.demo_phone", "URL", demo.PhoneURL)
	say.line(stdout, "cli.demo_account", "Email", demo.Email, "Password", demo.Password)
	stop = func() {
		if err := srv.Close(); err != nil {
			fmt.Fprintln(stderr, "linkdesk: "+say.text("cli.demo_stop_failed", "Error", err))
		}
	}
	return demo, server, persistent, stop, nil
}

// demoDir is the folder of demo mode's own files, beside the settings.
func demoDir() (string, error) {
	p, err := app.DefaultSettingsPath()
	if err != nil {
		return "", err
	}
	dir := filepath.Dir(p)
	return dir, os.MkdirAll(dir, 0o700)
}

// demoSettingsPath keeps demo runs apart from the real settings, so the demo
// account is never remembered as the person's e-mail.
func demoSettingsPath() (string, error) {
	dir, err := demoDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "settings-demo.json"), nil
}
