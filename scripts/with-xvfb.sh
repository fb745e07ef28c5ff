#!/usr/bin/env bash
# Runs a command with a private Xvfb display (DISPLAY is exported to it).
# Xvfb picks a free display number itself (-displayfd), so parallel runs never collide.
set -euo pipefail
fdfile=$(mktemp)
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$fdfile" >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true; rm -f "$fdfile"' EXIT
for _ in $(seq 100); do [ -s "$fdfile" ] && break; sleep 0.1; done
[ -s "$fdfile" ] || { echo "with-xvfb: Xvfb did not start" >&2; exit 1; }
disp=":$(head -1 "$fdfile")"
for _ in $(seq 50); do xdpyinfo -display "$disp" >/dev/null 2>&1 && break; sleep 0.1; done
export DISPLAY="$disp"
"$@"
