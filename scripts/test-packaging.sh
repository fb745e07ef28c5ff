#!/usr/bin/env bash
# Builds and checks the release artefacts: the Linux tarball installs into a
# temporary prefix and runs; the Windows .exe is a PE32+ GUI program carrying
# the version; the mock server binaries match their checksums and run.
set -uo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/^ *Version *= *"\(.*\)"/\1/p' FyneApp.toml | head -1)
commit=$(git rev-parse --short HEAD)
source scripts/check-artifacts.sh
before=$(git diff --stat -- FyneApp.toml 2>/dev/null)

# Linux: make package-linux, then install with the tarball's own Makefile.
if make -s package-linux; then
	check_tarball "dist/linkdesk-$version-linux-amd64.tar.xz" "$version" "$commit"
else
	bad "make package-linux"
fi

# Windows: cross-built with mingw-w64.
if make -s package-windows; then
	check_exe "dist/linkdesk-$version-windows-amd64.exe" "$version" "$commit"
else
	bad "make package-windows"
fi

# Mock server for every OS and arch, with checksums.
if make -s mockserver-dist >/dev/null; then
	check "mock server checksums verify" sh -c 'cd dist/mockserver && sha256sum -c SHA256SUMS'
	n=$(ls dist/mockserver/linkdesk-mockserver-* | wc -l)
	if [ "$n" -eq 6 ]; then ok "six mock server binaries"; else bad "six mock server binaries (found $n)"; fi
	out=$(dist/mockserver/linkdesk-mockserver-$version-linux-amd64 --version 2>&1)
	if echo "$out" | grep -q "$version"; then ok "mock server --version ($out)"; else bad "mock server --version: $out"; fi
else
	bad "make mockserver-dist"
fi

if [ "$(git diff --stat -- FyneApp.toml 2>/dev/null)" = "$before" ]; then ok "FyneApp.toml left unmodified"; else bad "FyneApp.toml left unmodified"; fi
summary packaging
