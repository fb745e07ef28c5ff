package app

import (
	"errors"
	"fmt"
	"time"
)

// Every error of package app is here. The catalogue (problem.go) is the one
// place that turns them, and the protocol's *pairing.Error, into what the
// person sees.

// Errors of the sign-in form, found before anything is sent.
var (
	ErrEmailRequired = errors.New("e-mail is empty")
	ErrPasswordEmpty = errors.New("password is empty")
)

// CodeFormatError says a typed code is not Length digits. It never holds
// what was typed.
type CodeFormatError struct {
	Length int
	Err    error // the protocol's invalid_code_format error
}

func (e *CodeFormatError) Error() string {
	return fmt.Sprintf("the code must have %d digits", e.Length)
}

func (e *CodeFormatError) Unwrap() error { return e.Err }

// Errors of the session store. Every error the store returns matches exactly
// one of these with errors.Is, or is a *TimeoutError.
var (
	ErrNotFound    = errors.New("no stored session")
	ErrUnavailable = errors.New("keychain unavailable")
	ErrLocked      = errors.New("keychain locked")
	ErrTooBig      = errors.New("session too big for the keychain")
	ErrCorrupt     = errors.New("stored session unreadable")
)

// TimeoutError says a keychain call did not answer in time (an unlock prompt
// left open, a hung Secret Service).
type TimeoutError struct {
	Op    string        // "get", "set" or "delete"
	After time.Duration // the timeout that passed
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("keychain %s did not answer within %s", e.Op, e.After)
}

// Errors of the Core's own steps.
var (
	ErrSignOutOffline = errors.New("signed out here; the server could not be told")
	ErrSettings       = errors.New("settings could not be saved")
	// ErrNoMachineID says the operating system's machine ID could not be read.
	ErrNoMachineID = errors.New("machine ID not found")

	errNothingStored = errors.New("no stored session")                        // nothing to restore; never shown
	errLoginStream   = errors.New("the pending login's event stream stopped") // wrapped in pairing.CodeStreamEnded
	errRefused       = errors.New("not now")                                  // a step the current state does not allow; never shown
)
