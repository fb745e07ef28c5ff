#!/usr/bin/env bash
# make test-cross: runs `make cross` (linux/amd64 and windows/amd64 through fyne-cross,
# on podman or Docker, building the local image where fyne-cross's cannot be pulled)
# and checks what comes out like test-packaging checks the native packages.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
source scripts/check-artifacts.sh
version=$(sed -n 's/^ *Version *= *"\(.*\)"/\1/p' FyneApp.toml | head -1)
commit=$(git rev-parse --short HEAD)
toml=$(mktemp)
trap 'rm -f "$toml"' EXIT
cp FyneApp.toml "$toml"
# Engine processes, and containers of any engine here (fyne-cross runs them with --rm).
engines() {
	ps -eo pid=,comm= | awk '$2 ~ /^(conmon|podman|runc|containerd-shim.*|fyne-cross)$/'
	command -v podman >/dev/null && podman ps -aq 2>/dev/null | sed 's/^/container /'
	command -v docker >/dev/null && docker ps -aq 2>/dev/null | sed 's/^/container /'
}
before=$(engines)

started=$SECONDS
if make -s cross; then
	ok "make cross ($((SECONDS - started)) s)"
	check_tarball fyne-cross/dist/linux-amd64/Linkdesk.tar.xz "$version" "$commit"
	check_exe fyne-cross/bin/windows-amd64/Linkdesk.exe "$version" "$commit"
	check "windows zip holds the exe" sh -c 'unzip -l fyne-cross/dist/windows-amd64/Linkdesk.exe.zip | grep -q " Linkdesk.exe$"'
else
	bad "make cross"
fi

check "FyneApp.toml left unmodified" cmp -s FyneApp.toml "$toml"
check "version_stamp.go removed" test ! -e version_stamp.go
left=$(comm -13 <(echo "$before") <(engines))
if [ -z "$left" ]; then ok "nothing left running"; else bad "left running: $left"; fi
foreign=$(find . -path ./.git -prune -o ! -user "$(id -u)" -print | head -5)
if [ -z "$foreign" ]; then ok "no file owned by another user in the work tree"; else bad "files owned by another user: $foreign"; fi

# Where neither docker nor podman is on PATH, make cross says so and how to get one.
bare=$(mktemp -d)
for dir in ${PATH//:/ }; do
	for tool in "$dir"/*; do
		case ${tool##*/} in docker | podman) ;; *) [ -e "$tool" ] && [ ! -e "$bare/${tool##*/}" ] && ln -s "$tool" "$bare/" ;; esac
	done
done
out=$(PATH=$bare scripts/cross/run.sh "$version" 1 2>&1)
code=$?
rm -rf "$bare"
if [ "$code" -eq 2 ] && echo "$out" | grep -q "neither Docker nor podman" && echo "$out" | grep -q "scripts/deps.sh cross"; then
	ok "no engine: exit 2, says so and how to get one"
else
	bad "no engine (exit $code): $out"
fi
summary cross
