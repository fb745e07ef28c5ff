package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
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

// commands are the subcommands, in help order; "cli.cmd."+name is the key
// of each one's line of help.
var commands = []string{"status", "logout", "version", "help"}

// flags are the flags with what each takes, in help order; "cli.flag."+name
// is the key of each one's line of help.
var flags = []struct{ name, value string }{
	{"server", "URL"},
	{"ca", "FILE"},
	{"lang", "en|ko"},
}

// newFlagSet declares every flag; each command uses those that apply to it.
// The help text comes from the catalogue (usageText), not from here.
func newFlagSet(cl *commandLine) *flag.FlagSet {
	fs := flag.NewFlagSet("linkdesk", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are printed once, by parseCommandLine
	fs.StringVar(&cl.server, "server", "", "")
	fs.StringVar(&cl.caFile, "ca", "", "")
	fs.StringVar(&cl.language, "lang", "", "")
	return fs
}

// languageIn returns the --lang of args wherever it stands, so even an
// error about the rest of the command line is said in that language.
func languageIn(args []string) string {
	for i, a := range args {
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "lang" {
			continue
		}
		if !hasValue && i+1 < len(args) {
			value = args[i+1]
		}
		if value == "en" || value == "ko" {
			return value
		}
	}
	return ""
}

// parseCommandLine reads args. It returns nil and the exit code when there
// is nothing more to do: help was asked for (0) or args are wrong (2).
func parseCommandLine(args []string, stdout, stderr io.Writer) (*commandLine, int) {
	cl := &commandLine{}
	fs := newFlagSet(cl)
	say := newSay(languageIn(args))
	fail := func(key string, params ...any) (*commandLine, int) {
		fmt.Fprintln(stderr, "linkdesk: "+say.text(key, params...))
		say.line(stderr, "cli.see_help")
		return nil, 2
	}
	parse := func(args []string) error {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usageText(say))
		}
		return err
	}
	// flags before the command, then the command, then flags after it
	if err := parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, 0
		}
		return fail("cli.bad_args", "Error", err)
	}
	if fs.NArg() > 0 {
		cl.command = fs.Arg(0)
		if !slices.Contains(commands, cl.command) {
			return fail("cli.unknown_command", "Command", cl.command, "Commands", strings.Join(commands, ", "))
		}
		if err := parse(fs.Args()[1:]); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, 0
			}
			return fail("cli.bad_args", "Error", err)
		}
		if fs.NArg() > 0 {
			return fail("cli.unexpected", "Arg", fs.Arg(0), "Command", cl.command)
		}
	}
	if cl.language != "" && cl.language != "en" && cl.language != "ko" {
		return fail("cli.bad_lang", "Lang", cl.language)
	}
	return cl, 0
}

// usageText is the --help text: the commands, one line each, and the flags.
func usageText(say say) string {
	var b strings.Builder
	b.WriteString(say.text("cli.usage") + "\n\n" + say.text("cli.about") + "\n\n" + say.text("cli.commands") + "\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-8s %s\n", c, say.text("cli.cmd."+c))
	}
	b.WriteString("\n" + say.text("cli.flags") + "\n")
	for _, f := range flags {
		fmt.Fprintf(&b, "  --%s %s\n        %s\n", f.name, f.value, say.text("cli.flag."+f.name))
	}
	fmt.Fprintf(&b, "  -h, --help\n        %s\n", say.text("cli.cmd.help"))
	return b.String()
}
