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
// Plain http:// is refused unless the server is on this computer.
func newClient(server, caFile string) (*pairing.Client, error) {
	opts := pairing.Options{UserAgent: "linkdesk/" + version}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("reading --ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ca %s holds no PEM certificate", caFile)
		}
		opts.RootCAs = pool
	}
	c, err := pairing.NewClient(server, opts)
	if err != nil {
		return nil, fmt.Errorf("server %s: %w", server, err)
	}
	return c, nil
}

// cliEnv is what status and logout work with: the stored session of the
// remembered account on the configured server.
type cliEnv struct {
	client   *pairing.Client
	store    *app.SessionStore
	settings *app.Settings
	email    string
	device   app.DeviceIdentity
}

// openCLI opens settings, keychain and client for status and logout.
func openCLI(name string, cl *commandLine, stderr io.Writer) (*cliEnv, int) {
	server := cl.server
	if server == "" {
		server = fyneapp.NewWithID(appID).Metadata().Custom["Server"]
	}
	if server == "" {
		fmt.Fprintf(stderr, "linkdesk %s: no server configured: pass --server URL (without one the app runs a demo server that keeps no sign-in)\n", name)
		return nil, 2
	}
	client, err := newClient(server, cl.caFile)
	if err != nil {
		fmt.Fprintf(stderr, "linkdesk %s: %v\n", name, err)
		return nil, 2
	}
	settings, err := app.OpenSettings("")
	if err != nil {
		fmt.Fprintf(stderr, "linkdesk %s: %v\n", name, err)
		return nil, 1
	}
	return &cliEnv{
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
	if e.email == "" {
		fmt.Fprintf(stdout, "%s\n  Not signed in. Open Linkdesk to sign in.\n", origin)
		return app.StoredSession{}, false
	}
	ss, err := e.store.Load(ctx, origin, e.email)
	switch {
	case errors.Is(err, app.ErrNotFound):
		fmt.Fprintf(stdout, "%s\n  Not signed in as %s on this computer. Open Linkdesk to sign in.\n", origin, e.email)
		return ss, false
	case err != nil:
		fmt.Fprintf(stdout, "%s\n  X Could not read the sign-in of %s from the system keychain: %v\n", origin, e.email, err)
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
		fmt.Fprintf(stdout, "%s\n", env.client.BaseURL())
		ses, err := env.client.Session(ctx, creds)
		var pe *pairing.Error
		switch {
		case err == nil:
			fmt.Fprintf(stdout, "  ✓ Signed in as %s", ses.Account.Email)
			if ses.Account.Name != "" {
				fmt.Fprintf(stdout, " (%s)", ses.Account.Name)
			}
			fmt.Fprintf(stdout, "\n  - This computer: %s, linked since %s\n", ses.Device.Name, ses.CreatedAt.Local().Format("2006-01-02 15:04"))
		case errors.As(err, &pe) && pairing.IsSessionEnd(pe.Code):
			fmt.Fprintf(stdout, "  X The stored sign-in of %s is no longer accepted (%s). Open Linkdesk to sign in again.\n", env.email, pe.Code)
		default:
			fmt.Fprintf(stdout, "  ! Signed in as %s, but the server could not check the sign-in: %v\n", env.email, err)
		}
		fmt.Fprintf(stdout, "  - Token: in the system keychain (service %q, account %q)\n", app.KeychainService, app.KeychainUser(env.client.BaseURL(), env.email))
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
		origin := env.client.BaseURL()
		err := env.client.SignOut(ctx, creds)
		var pe *pairing.Error
		serverTold := err == nil || (errors.As(err, &pe) && pairing.IsSessionEnd(pe.Code))
		if err := env.store.Delete(ctx, origin, env.email); err != nil {
			fmt.Fprintf(stderr, "linkdesk logout: removing the token from the system keychain: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "Signed out %s from %s; the token was removed from the system keychain.\n", env.email, origin)
		if !serverTold {
			fmt.Fprintf(stdout, "The server could not be told (%v). You can also remove this computer on the phone app's device-link screen.\n", err)
			return 1
		}
		return 0
	})
}
