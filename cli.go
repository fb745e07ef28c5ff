package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	fyneapp "fyne.io/fyne/v2/app"

	"github.com/linkdesk/linkdesk/app"
	"github.com/linkdesk/linkdesk/pairing"
)

// cliTimeout bounds status and logout: a keychain prompt plus two calls.
const cliTimeout = 30 * time.Second

// newClient makes the protocol client, trusting caFile's certificates too.
// Plain http:// is refused unless the server is on this computer. Its
// errors are said in the words of say.
func newClient(say say, server, caFile string) (*pairing.Client, error) {
	opts := pairing.Options{UserAgent: "linkdesk/" + version}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, errors.New(say.text("cli.ca_unreadable", "File", caFile, "Error", err))
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, errors.New(say.text("cli.ca_no_pem", "File", caFile))
		}
		opts.RootCAs = pool
	}
	c, err := pairing.NewClient(server, opts)
	if err != nil {
		return nil, errors.New(say.problem(err, server))
	}
	return c, nil
}

// cliEnv is what status and logout work with: the stored session of the
// remembered account on the configured server, and the words to say it in.
type cliEnv struct {
	say      say
	client   *pairing.Client
	store    *app.SessionStore
	settings *app.Settings
	email    string
	device   app.DeviceIdentity
}

// openCLI opens settings, keychain and client for status and logout; it
// speaks --lang, else the language chosen in the app, else the system's.
func openCLI(name string, cl *commandLine, stderr io.Writer) (*cliEnv, int) {
	say := newSay(cl.language)
	fail := func(code int, message string) (*cliEnv, int) {
		fmt.Fprintf(stderr, "linkdesk %s: %s\n", name, message)
		return nil, code
	}
	server := cl.server
	if server == "" {
		server = fyneapp.NewWithID(appID).Metadata().Custom["Server"]
	}
	if server == "" {
		return fail(2, say.text("cli.no_server"))
	}
	client, err := newClient(say, server, cl.caFile)
	if err != nil {
		return fail(2, err.Error())
	}
	settings, err := app.OpenSettings("")
	if err != nil {
		return fail(1, say.text("cli.settings_unreadable", "Error", err))
	}
	if cl.language == "" && settings.Language() != "" {
		say = newSay(settings.Language())
	}
	return &cliEnv{
		say:      say,
		client:   client,
		store:    app.NewSessionStore(app.SessionStoreOptions{}),
		settings: settings,
		email:    settings.LastEmail(),
		device:   app.LoadDeviceIdentity(settings.DeviceID(), app.DeviceSources{}),
	}, 0
}

// load returns the stored session, or prints why there is none.
func (e *cliEnv) load(ctx context.Context, stdout io.Writer) (app.StoredSession, bool) {
	origin := e.client.BaseURL()
	fmt.Fprintln(stdout, origin)
	if e.email == "" {
		e.say.line(stdout, "cli.not_signed_in")
		return app.StoredSession{}, false
	}
	ss, err := e.store.Load(ctx, origin, e.email)
	switch {
	case errors.Is(err, app.ErrNotFound):
		e.say.line(stdout, "cli.not_signed_in_as", "Email", e.email)
		return ss, false
	case err != nil:
		fmt.Fprintln(stdout, "  X "+e.say.problem(err, origin))
		return ss, false
	}
	return ss, true
}

// withStoredSession opens the CLI as command name, loads the stored session
// and runs fn with its credentials, all within cliTimeout. Without a stored
// session it prints why and exits 1.
func withStoredSession(name string, cl *commandLine, stdout, stderr io.Writer,
	fn func(ctx context.Context, env *cliEnv, creds pairing.Credentials) int) int {
	env, code := openCLI(name, cl, stderr)
	if env == nil {
		return code
	}
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	ss, ok := env.load(ctx, stdout)
	if !ok {
		return 1
	}
	return fn(ctx, env, pairing.Credentials{Token: ss.Token, Fingerprint: env.device.Fingerprint})
}

// runStatus is `linkdesk status`: account, server, where the token is kept
// and whether the server still accepts it. Exit 0 only when it does.
func runStatus(cl *commandLine, stdout, stderr io.Writer) int {
	return withStoredSession("status", cl, stdout, stderr, func(ctx context.Context, env *cliEnv, creds pairing.Credentials) int {
		say, origin := env.say, env.client.BaseURL()
		ses, err := env.client.Session(ctx, creds)
		switch {
		case err == nil:
			name := ""
			if ses.Account.Name != "" {
				name = " (" + ses.Account.Name + ")"
			}
			say.line(stdout, "cli.signed_in_as", "Email", ses.Account.Email+name)
			say.line(stdout, "cli.this_computer", "Device", ses.Device.Name,
				"Since", app.FormatDateTime(ses.CreatedAt, say.words))
		case pairing.IsSessionEnd(app.ProblemFor(err, origin).Code):
			say.line(stdout, "cli.no_longer_accepted", "Email", env.email)
			fmt.Fprintln(stdout, "    "+say.problem(err, origin))
		default:
			say.line(stdout, "cli.not_checked", "Email", env.email)
			fmt.Fprintln(stdout, "    "+say.problem(err, origin))
		}
		say.line(stdout, "cli.token_in_keychain", "Service", app.KeychainService, "Account", app.KeychainUser(origin, env.email))
		if err != nil {
			return 1
		}
		return 0
	})
}

// runLogout is `linkdesk logout`: the server ends the session and the
// keychain forgets the token, which happens even when the server cannot be
// reached.
func runLogout(cl *commandLine, stdout, stderr io.Writer) int {
	return withStoredSession("logout", cl, stdout, stderr, func(ctx context.Context, env *cliEnv, creds pairing.Credentials) int {
		say, origin := env.say, env.client.BaseURL()
		err := env.client.SignOut(ctx, creds)
		serverTold := err == nil || pairing.IsSessionEnd(app.ProblemFor(err, origin).Code)
		if err := env.store.Delete(ctx, origin, env.email); err != nil {
			fmt.Fprintln(stderr, "linkdesk logout: "+say.problem(err, origin))
			return 1
		}
		say.line(stdout, "cli.signed_out", "Email", env.email)
		if !serverTold {
			fmt.Fprintln(stdout, say.problem(fmt.Errorf("%w: %w", app.ErrSignOutOffline, err), origin))
			return 1
		}
		return 0
	})
}
