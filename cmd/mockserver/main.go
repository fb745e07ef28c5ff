// Command mockserver runs the Linkdesk mock account and pairing server with
// its phone simulator, for testers and for the desktop's end-to-end tests.
//
//	mockserver --addr 127.0.0.1:8470 --state mock.db
//
// Its first line on stdout is exactly "Linkdesk mock server listening on <URL>".
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/linkdesk/linkdesk/pairing/mockserver"
)

// Set at build time: go build -ldflags "-X main.version=1.2.3 -X main.commit=abc123".
var (
	version = "dev"
	commit  = "dev"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case err != nil:
		msg := err.Error()
		if !strings.HasPrefix(msg, "mockserver: ") {
			msg = "mockserver: " + msg
		}
		fmt.Fprintln(os.Stderr, msg)
		os.Exit(1)
	}
}

// run starts the server described by args, prints where it listens and
// serves until ctx ends (SIGINT or SIGTERM in main).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := mockserver.DefaultConfig()
	var opts options
	fs := flag.NewFlagSet("mockserver", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bindFlags(fs, &cfg, &opts)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q; see --help", fs.Arg(0))
	}
	if opts.version {
		_, err := fmt.Fprintf(stdout, "linkdesk mockserver %s (commit %s)\n", version, commit)
		return err
	}
	logger, err := newLogger(opts.logLevel, stderr)
	if err != nil {
		return err
	}
	cfg.Logger = logger
	cfg.DemoAccount = !opts.noDemo
	if opts.accountsFile != "" {
		if cfg.Accounts, err = readAccounts(opts.accountsFile); err != nil {
			return err
		}
	}
	certLine, err := setupTLS(&cfg, opts)
	if err != nil {
		return err
	}

	srv, err := mockserver.New(cfg)
	if err != nil {
		return err
	}
	url, err := srv.Start(opts.addr)
	if err != nil {
		return errors.Join(err, srv.Close())
	}
	fmt.Fprintf(stdout, "Linkdesk mock server listening on %s\n", url)
	fmt.Fprintf(stdout, "Phone simulator: %s\n", srv.PhoneURL())
	if cfg.DemoAccount {
		fmt.Fprintf(stdout, "Demo account: %s / %s\n", mockserver.DemoEmail, mockserver.DemoPassword)
	}
	if certLine != "" {
		fmt.Fprintln(stdout, certLine)
	}
	if cfg.StatePath != "" {
		fmt.Fprintf(stdout, "State file: %s\n", cfg.StatePath)
	}

	<-ctx.Done()
	logger.Info("shutting down")
	return srv.Close()
}

func newLogger(level string, w io.Writer) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

// readAccounts reads the --accounts file: a JSON array of {email, password, name}.
func readAccounts(path string) ([]mockserver.SeedAccount, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--accounts: %w", err)
	}
	defer f.Close()
	dec := json.NewDecoder(io.LimitReader(f, 16<<20))
	dec.DisallowUnknownFields()
	var accts []mockserver.SeedAccount
	if err := dec.Decode(&accts); err != nil {
		// The decoder's message may quote a value from the file (a password): keep it out.
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, fmt.Errorf("--accounts %s: not valid JSON near byte %d", path, syn.Offset)
		}
		return nil, fmt.Errorf("--accounts %s: want a JSON array of {\"email\",\"password\",\"name\"} objects", path)
	}
	return accts, nil
}
