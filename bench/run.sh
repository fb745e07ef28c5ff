#!/usr/bin/env bash
# make bench: builds the app, the bare Fyne window (the reference), the mock
# server and the benchmark with the same flags in one go, then runs every
# benchmark under Xvfb with a real Secret Service and writes
# docs/BENCHMARKS.md. Extra arguments go to the benchmark (see
# `go run ./bench -h`), e.g. bench/run.sh -skip streams -startup-runs 3.
# Run it on a quiet machine: the figures are only as steady as the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export LANG=C.UTF-8 CGO_ENABLED=1
GO=${GO:-go}
out=$(mktemp -d "${TMPDIR:-/tmp}/linkdesk-bench.XXXXXX")
trap 'rm -rf "$out"' EXIT

echo "building into $out" >&2
"$GO" build -o "$out/linkdesk" .
"$GO" build -o "$out/barewindow" ./bench/barewindow
"$GO" build -ldflags "-s -w" -o "$out/linkdesk-release" .
"$GO" build -ldflags "-s -w" -o "$out/barewindow-release" ./bench/barewindow
CGO_ENABLED=0 "$GO" build -o "$out/linkdesk-mockserver" ./cmd/mockserver
"$GO" build -o "$out/bench" ./bench

# 10,000 streams need as many descriptors on each side of the loopback.
ulimit -n "$(ulimit -Hn)"

scripts/with-keyring.sh scripts/with-xvfb.sh "$out/bench" \
	-app "$out/linkdesk" -bare "$out/barewindow" \
	-app-release "$out/linkdesk-release" -bare-release "$out/barewindow-release" \
	-mockserver "$out/linkdesk-mockserver" \
	-out docs/BENCHMARKS.md -command "make bench" "$@"
