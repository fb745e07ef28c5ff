// Package app is the UI-free core of the Linkdesk desktop: the sign-in state
// machine (Core), the session store over the OS keychain (SessionStore),
// device identity, settings, the error catalogue and the support report. It
// never imports fyne, so every rule here is tested without a window; the ui
// package renders State and calls Core's methods.
//
// # Inside the Core
//
//   - runner.go: the runner owns State and runs one step at a time (begin,
//     busy, cancel, retry, publish); nothing else takes its lock.
//   - login.go: the pending login, from the password to the grant.
//   - keeper.go: the session keeper: restore, keychain, live session events,
//     sign-out.
//   - problem.go: the catalogue, from an error to the keys the person reads;
//     the words are in assets/en.json and ko.json only.
//
// # The state machine
//
//	Starting ──Restore──▶ SignedIn                    (stored token good)
//	    │                 SignedOut + Problem/Ended   (session ended: token deleted)
//	    │                 SignedOut + retryable Problem (server or keychain did not
//	    │                                              answer: token kept, Retry)
//	SignedOut ──SignIn──▶ Submitting ──▶ Verifying ──code / QR approval──▶ SignedIn
//	    ▲                     │              │                               │
//	    └──── Cancel, wrong password, declined, expired, 5 wrong codes ◀────┘
//	                                    session end (phone, other desktop,
//	                                    password, device, expiry), SignOut
//
// Choices worth knowing:
//
//   - An unreachable server at start does not get a phase of its own: the
//     Core waits in PhaseSignedOut with a retryable Problem (network_error,
//     timeout, maintenance…) and the token stays in the keychain, so Retry
//     restores the session and signing in afresh also works.
//   - Network failures, timeouts, 5xx and maintenance are retried
//     automatically (RetryPolicy: 3 tries, 0.5 s doubling to 5 s, or the
//     server's Retry-After/retry_at when it is at most 30 s away); 4xx answers
//     never are. After the tries the Problem is Retryable.
//   - Cancel returns to the sign-in form at once; the pending login is deleted
//     on the server in the background. A pending login created by a request
//     that was cancelled in flight cannot be named and expires on its own.
//   - Keep-signed-in off or no keychain: the token is kept in memory for this
//     run only, and State.Storage says which. A keychain failure after
//     sign-in is a Problem shown while signed in; locked and slow keychains
//     offer Retry.
//   - One stored account per server: settings remember the last e-mail (only
//     after a completed sign-in), which names the keychain item to restore;
//     signing in as another account deletes the previous item.
//   - A phone's scan (the "scanned" event) puts the check number in
//     State.Login and turns Method to the QR tab, wherever the person was:
//     the phone now waits for that number. The code still works. A decline
//     with reason wrong_check ends the login with its own Problem.
//   - Session ends are learnt from GET /v1/session/events; when that stream
//     stops without a reason, the session is checked directly before it is
//     followed again.
package app
