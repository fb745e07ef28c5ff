#!/usr/bin/env bash
# Builds release artefacts into dist/. Usage: scripts/package.sh linux|windows|darwin|cross|mockserver
# FyneApp.toml is restored afterwards: `fyne package` bumps its Build number.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${1:?usage: package.sh linux|windows|darwin|cross|mockserver}
version=$(sed -n 's/^ *Version *= *"\(.*\)"/\1/p' FyneApp.toml | head -1)
build=$(sed -n 's/^ *Build *= *\([0-9]*\)/\1/p' FyneApp.toml | head -1)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
# `fyne package` runs its own go build; it collects every -ldflags= entry of
# GOFLAGS (split on spaces) into that build's -ldflags.
export GOFLAGS="-buildvcs=false -ldflags=-X=main.version=$version -ldflags=-X=main.commit=$commit"
mkdir -p dist bin

cp FyneApp.toml bin/FyneApp.toml.orig
trap 'cp bin/FyneApp.toml.orig FyneApp.toml' EXIT

# A release build carries its server; without LINKDESK_SERVER it runs demo mode.
meta=()
[ -n "${LINKDESK_SERVER:-}" ] && meta=(--metadata "Server=$LINKDESK_SERVER")

fyne() {
	[ -x bin/fyne ] || go build -o bin/fyne fyne.io/tools/cmd/fyne
	bin/fyne "$@"
}

case $target in
linux)
	fyne package -os linux --release "${meta[@]}" --app-version "$version" --app-build "$build"
	mv -f Linkdesk.tar.xz "dist/linkdesk-$version-linux-amd64.tar.xz"
	echo "dist/linkdesk-$version-linux-amd64.tar.xz"
	;;
windows)
	command -v x86_64-w64-mingw32-gcc >/dev/null || { echo "package-windows needs x86_64-w64-mingw32-gcc (Debian: gcc-mingw-w64-x86-64)" >&2; exit 1; }
	GOOS=windows GOARCH=amd64 CGO_ENABLED=1 CC=x86_64-w64-mingw32-gcc \
		fyne package -os windows --release "${meta[@]}" --app-version "$version" --app-build "$build"
	mv -f Linkdesk.exe "dist/linkdesk-$version-windows-amd64.exe"
	echo "dist/linkdesk-$version-windows-amd64.exe"
	;;
darwin)
	if [ "$(uname -s)" != Darwin ]; then
		echo "package-darwin builds the .app on a macOS host (Xcode command line tools); this is $(uname -s). Use 'make cross' with docker or podman, or the release workflow's macOS runner." >&2
		exit 2
	fi
	fyne package -os darwin --release "${meta[@]}" --app-version "$version" --app-build "$build"
	rm -rf "dist/Linkdesk.app" && mv -f Linkdesk.app dist/
	echo "dist/Linkdesk.app"
	;;
cross)
	scripts/fyne-cross.sh
	engine=""
	for e in docker podman; do
		if command -v "$e" >/dev/null && "$e" info >/dev/null 2>&1; then engine=$e; break; fi
	done
	if [ -z "$engine" ]; then
		echo "make cross needs a running docker or podman engine for fyne-cross; none found (docker client without an engine does not count)." >&2
		exit 2
	fi
	targets="linux windows"
	# fyne-cross builds darwin only from an SDK extracted out of Xcode (Apple's licence
	# forbids shipping it); point FYNE_CROSS_DARWIN_SDK at one to include darwin.
	darwin_args=()
	if [ -n "${FYNE_CROSS_DARWIN_SDK:-}" ]; then
		targets="$targets darwin"
		darwin_args=(-macosx-sdk-path "$FYNE_CROSS_DARWIN_SDK")
	else
		echo "make cross: skipping darwin (set FYNE_CROSS_DARWIN_SDK to an extracted macOS SDK; or use make package-darwin on a Mac)" >&2
	fi
	for os in $targets; do
		extra=()
		[ "$os" = darwin ] && extra=("${darwin_args[@]}")
		bin/fyne-cross "$os" -arch=amd64 -app-version "$version" -app-build "$build" -engine "$engine" \
			-ldflags "-X=main.version=$version -X=main.commit=$commit" "${extra[@]}" || exit 1
	done
	echo "fyne-cross/dist/"
	;;
mockserver)
	out=dist/mockserver
	rm -rf "$out" && mkdir -p "$out"
	for os in linux windows darwin; do
		for arch in amd64 arm64; do
			ext=""; [ "$os" = windows ] && ext=.exe
			CGO_ENABLED=0 GOOS=$os GOARCH=$arch GOFLAGS=-buildvcs=false go build -trimpath \
				-ldflags "-s -w -X main.version=$version -X main.commit=$commit" \
				-o "$out/linkdesk-mockserver-$version-$os-$arch$ext" ./cmd/mockserver
		done
	done
	(cd "$out" && sha256sum linkdesk-mockserver-* > SHA256SUMS)
	cat "$out/SHA256SUMS"
	;;
*)
	echo "unknown target $target" >&2; exit 2 ;;
esac
