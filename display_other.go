//go:build windows || darwin || android || ios || js

package main

// displayProblem finds no problem here: these systems always have a
// desktop for a program started in a person's session.
func displayProblem() (key, display string) { return "", "" }
