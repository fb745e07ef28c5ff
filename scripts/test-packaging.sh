#!/usr/bin/env bash
# Builds and checks the release artefacts: the Linux tarball installs into a
# temporary prefix and runs; the Windows .exe is a PE32+ GUI program carrying
# the version; the mock server binaries match their checksums and run.
set -uo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/^ *Version *= *"\(.*\)"/\1/p' FyneApp.toml | head -1)
commit=$(git rev-parse --short HEAD)
pass=0 fail=0
ok() { echo "ok   $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then ok "$what"; else bad "$what"; fi; }
before=$(git diff --stat -- FyneApp.toml 2>/dev/null)

# Linux: make package-linux, then install with the tarball's own Makefile.
if make -s package-linux; then
	tarball=dist/linkdesk-$version-linux-amd64.tar.xz
	check "linux tarball exists" test -s "$tarball"
	tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
	tar -xJf "$tarball" -C "$tmp"
	prefix=$tmp/prefix
	if make -C "$tmp" install PREFIX="$prefix" DESTDIR= >/dev/null 2>&1 || make -C "$tmp" user-install PREFIX="$prefix" >/dev/null 2>&1; then
		ok "tarball installs into a temporary prefix"
	else
		bad "tarball installs into a temporary prefix"
	fi
	exe=$(find "$prefix" -type f -path '*/bin/*' | head -1)
	check "installed binary present" test -x "$exe"
	desktop=$(find "$prefix" -name '*.desktop' | head -1)
	check "installed .desktop file names Linkdesk" grep -q '^Name=Linkdesk$' "$desktop"
	check ".desktop file carries FyneApp.toml's [LinuxAndBSD]" sh -c "grep -q '^GenericName=Phone-linked sign-in' '$desktop' && grep -q '^Categories=Network;' '$desktop' && grep -q '^Keywords=.*QR' '$desktop'"
	check "installed icon present" test -s "$(find "$prefix" -name '*.png' | head -1)"
	out=$("$exe" version 2>&1)
	if echo "$out" | grep -q "^linkdesk $version (commit $commit)"; then ok "installed binary runs 'version' ($out)"; else bad "installed binary runs 'version': $out"; fi
else
	bad "make package-linux"
fi

# Windows: cross-built with mingw-w64.
if make -s package-windows; then
	exe=dist/linkdesk-$version-windows-amd64.exe
	desc=$(file -b "$exe")
	if echo "$desc" | grep -q 'PE32+ executable (GUI) x86-64'; then ok "windows exe is PE32+ GUI ($desc)"; else bad "windows exe is PE32+ GUI: $desc"; fi
	# The version resource is UTF-16; main.version is plain ASCII.
	# The version resource (UTF-16) says version.build; scripts/package.sh stamped the commit in.
	# (Read into variables first: grep -q leaving a pipe early fails it under pipefail.)
	resource=$(strings -el "$exe" | grep -A1 '^ProductVersion$' || true)
	stamped=$(strings "$exe" | grep -cF "$commit" || true)
	if echo "$resource" | grep -q "^$version" && [ "${stamped:-0}" -gt 0 ]; then
		ok "windows exe carries version $version and the commit"
	else
		bad "windows exe carries version $version"
	fi
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
echo "packaging: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
