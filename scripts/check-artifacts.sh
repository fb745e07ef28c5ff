# shellcheck shell=bash
# Checks on release artefacts, shared by test-packaging.sh and test-cross.sh (source it).
# Each check prints "ok …" or "FAIL …"; summary prints the counts and fails if any failed.
pass=0 fail=0
ok() { echo "ok   $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then ok "$what"; else bad "$what"; fi; }
summary() { echo "$1: $pass passed, $fail failed"; [ "$fail" -eq 0 ]; }

# check_tarball TARBALL VERSION COMMIT: installs with the tarball's own Makefile into a
# temporary prefix; the installed binary prints the version and commit.
check_tarball() {
	local tarball=$1 version=$2 commit=$3 tmp top prefix exe desktop out
	check "linux tarball exists ($tarball)" test -s "$tarball"
	tmp=$(mktemp -d)
	tar -xJf "$tarball" -C "$tmp"
	# The fyne CLI of go.mod puts the Makefile on top; fyne v2's own one in a folder.
	top=$(find "$tmp" -maxdepth 2 -name Makefile | head -1)
	top=${top%/Makefile}
	prefix=$tmp/prefix
	if [ -z "$top" ]; then
		bad "tarball holds a Makefile"
	elif make -C "$top" install PREFIX="$prefix" DESTDIR= >/dev/null 2>&1 || make -C "$top" user-install PREFIX="$prefix" >/dev/null 2>&1; then
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
	rm -rf "$tmp"
}

# check_exe EXE VERSION COMMIT: a PE32+ GUI program whose version resource (UTF-16)
# says VERSION and into which scripts/package.sh stamped COMMIT.
check_exe() {
	local exe=$1 version=$2 commit=$3 desc resource stamped
	desc=$(file -b "$exe")
	if echo "$desc" | grep -q 'PE32+ executable (GUI) x86-64'; then ok "windows exe is PE32+ GUI ($desc)"; else bad "windows exe is PE32+ GUI: $desc"; fi
	# (Read into variables first: grep -q leaving a pipe early fails it under pipefail.)
	resource=$(strings -el "$exe" | grep -A1 '^ProductVersion$' || true)
	stamped=$(strings "$exe" | grep -cF "$commit" || true)
	if echo "$resource" | grep -q "^$version" && [ "${stamped:-0}" -gt 0 ]; then
		ok "windows exe carries version $version and the commit"
	else
		bad "windows exe carries version $version and the commit"
	fi
}
