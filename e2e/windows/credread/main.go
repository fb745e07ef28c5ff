//go:build windows

// Command credread prints the value of a generic credential of the Windows
// Credential Manager, read with CredRead as the app's keychain library does.
// It is a tool of make test-windows (the harness needs the token to look for
// it in the Wine prefix); never shipped.
//
//	credread <target name>   exit 0: value printed; 3: no such credential; 1: error
package main

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/danieljoos/wincred"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: credread <target name>")
		os.Exit(2)
	}
	cred, err := wincred.GetGenericCredential(os.Args[1])
	if errors.Is(err, syscall.ERROR_NOT_FOUND) {
		os.Exit(3)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "credread:", err)
		os.Exit(1)
	}
	fmt.Printf("%s\n", cred.CredentialBlob)
}
