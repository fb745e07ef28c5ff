package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// commandLine is what linkdesk was asked to do: a command ("" opens the
// window) and the flags, which may stand before or after it.
type commandLine struct {
	command  string
	server   string
	caFile   string
	language string
}

// commands are the subcommands with their one-line help, in help order.
var commands = []struct{ name, help string }{
	{"status", "tell which account is signed in, where its token is kept and whether the server still accepts it"},
	{"logout", "sign out: end the session on the server and remove the token from the system keychain"},
	{"version", "print the version and commit of this build"},
	{"help", "print this help"},
}

// newFlagSet declares every flag; each command uses those that apply to it.
func newFlagSet(cl *commandLine) *flag.FlagSet {
	fs := flag.NewFlagSet("linkdesk", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are printed once, by parseCommandLine
	fs.StringVar(&cl.server, "server", "", "server `URL` (default: the server this build was made for; none: demo mode)")
	fs.StringVar(&cl.caFile, "ca", "", "also trust the CA certificates in `FILE` (PEM) for the server")
	fs.StringVar(&cl.language, "lang", "", "window language: `en or ko` (default: the one chosen in the app, else the system's)")
	return fs
}

// parseCommandLine reads args. It returns nil and the exit code when there
// is nothing more to do: help was asked for (0) or args are wrong (2).
func parseCommandLine(args []string, stdout, stderr io.Writer) (*commandLine, int) {
	cl := &commandLine{}
	fs := newFlagSet(cl)
	fail := func(format string, a ...any) (*commandLine, int) {
		fmt.Fprintf(stderr, "linkdesk: "+format+"\n", a...)
		fmt.Fprintln(stderr, "Run `linkdesk --help` for the commands and flags.")
		return nil, 2
	}
	parse := func(args []string) error {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usageText())
		}
		return err
	}
	// flags before the command, then the command, then flags after it
	if err := parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, 0
		}
		return fail("%v", err)
	}
	if fs.NArg() > 0 {
		cl.command = fs.Arg(0)
		if !knownCommand(cl.command) {
			return fail("unknown command %q; the commands are: %s", cl.command, commandNames())
		}
		if err := parse(fs.Args()[1:]); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, 0
			}
			return fail("%v", err)
		}
		if fs.NArg() > 0 {
			return fail("unexpected %q after %q", fs.Arg(0), cl.command)
		}
	}
	if cl.language != "" && cl.language != "en" && cl.language != "ko" {
		return fail("--lang must be en or ko, not %q", cl.language)
	}
	return cl, 0
}

func knownCommand(name string) bool {
	for _, c := range commands {
		if c.name == name {
			return true
		}
	}
	return false
}

// commandNames is "status, logout, version, help".
func commandNames() string {
	names := make([]string, len(commands))
	for i, c := range commands {
		names[i] = c.name
	}
	return strings.Join(names, ", ")
}

// usageText is the --help text: the commands, one line each, and the flags.
func usageText() string {
	var b strings.Builder
	b.WriteString("Usage: linkdesk [command] [flags]\n\n")
	b.WriteString("Without a command, Linkdesk opens its window (demo mode when no server is configured);\n")
	b.WriteString("a second start brings the running window to the front.\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-8s %s\n", c.name, c.help)
	}
	b.WriteString("\nFlags (before or after the command):\n")
	var cl commandLine
	newFlagSet(&cl).VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		fmt.Fprintf(&b, "  --%s %s\n        %s\n", f.Name, name, usage)
	})
	b.WriteString("  -h, --help\n        print this help\n")
	return b.String()
}
