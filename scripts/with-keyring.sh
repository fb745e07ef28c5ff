#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked gnome-keyring
# Secret Service, so keychain tests talk to a real one and never to the
# developer's own keyring.
set -euo pipefail
if [ -z "${LINKDESK_IN_KEYRING:-}" ]; then
	export LINKDESK_IN_KEYRING=1
	exec dbus-run-session -- "$0" "$@"
fi
# A throwaway home keeps the test keyring away from the user's real one.
export XDG_DATA_HOME="${XDG_DATA_HOME_TEST:-$(mktemp -d)}"
eval "$(echo -n linkdesk-test | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
"$@"
