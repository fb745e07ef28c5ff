#!/usr/bin/env bash
# Installs what `make run` / `make test` need on Debian/Ubuntu, and nothing that
# is already there. Usage: scripts/deps.sh run|test|package|windows-test|cross|go (go: Go alone, for the mock server)
set -euo pipefail

want=(gcc pkg-config libgl1-mesa-dev xorg-dev fonts-noto-cjk)
if [ "${1:-run}" = go ]; then
	want=()
fi
if [ "${1:-run}" = test ]; then
	want+=(xvfb xauth xdotool gnome-keyring dbus-x11 libsecret-tools x11-apps x11-utils imagemagick curl jq nodejs)
fi
if [ "${1:-run}" = package ]; then
	want+=(gcc-mingw-w64-x86-64 xz-utils file make)
fi
if [ "${1:-run}" = windows-test ]; then
	# make test-windows: the packaged .exe under Wine, on a private Xvfb, driven by xdotool.
	want+=(wine wine64 gcc-mingw-w64-x86-64 xvfb xauth xdotool x11-utils imagemagick)
fi
if [ "${1:-run}" = cross ]; then
	# podman (runc works where crun cannot: hybrid cgroups), rootless helpers, mmdebstrap
	# for the local fyne-cross image (scripts/cross/image.sh), and what test-cross checks with.
	want+=(podman runc uidmap slirp4netns mmdebstrap debian-archive-keyring xz-utils file make unzip)
fi
if ! command -v go >/dev/null 2>&1; then
	# Debian's Go is older than go.mod asks; GOTOOLCHAIN=auto then fetches the
	# right toolchain from the module proxy on first use.
	want+=(golang-go ca-certificates git)
fi

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: missing ${missing[*]}; this script knows apt only — install them with your package manager (see README)." >&2
	exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || { echo "deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
	sudo=sudo
fi
echo "deps: installing ${missing[*]}"
# Another apt run (a parallel make, the desktop's updater) holds the lock for a while: wait for it.
lock=(-o DPkg::Lock::Timeout=600)
$sudo apt-get "${lock[@]}" update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get "${lock[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
