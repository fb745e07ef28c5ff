#!/usr/bin/env bash
# Builds the pinned fyne-cross into bin/. It cannot be a `go tool` dependency
# (one of its dependencies is missing from the module proxy), so the module is
# downloaded as source and built inside its own module directory.
set -euo pipefail
cd "$(dirname "$0")/.."
version=v1.5.0
stamp=bin/.fyne-cross-$version
[ -x bin/fyne-cross ] && [ -e "$stamp" ] && exit 0
dir=$(GONOSUMDB=github.com/fyne-io/fyne-cross GOFLAGS=-mod=mod go mod download -json "github.com/fyne-io/fyne-cross@$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
[ -n "$dir" ] || { echo "could not download fyne-cross $version" >&2; exit 1; }
out=$(pwd)/bin/fyne-cross
(cd "$dir" && GOFLAGS=-buildvcs=false go build -o "$out" .)
touch "$stamp"
echo "built $out"
