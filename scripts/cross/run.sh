#!/usr/bin/env bash
# make cross: fyne-cross packages Linkdesk for linux/amd64 and windows/amd64 (darwin
# too given a macOS SDK) into fyne-cross/dist/, with Docker or podman, root or not.
# Usage: scripts/cross/run.sh VERSION BUILD (scripts/package.sh cross calls it)
# Knobs: FYNE_CROSS_ENGINE=docker|podman, FYNE_CROSS_IMAGE=<image>|local|upstream,
# FYNE_CROSS_DARWIN_SDK=<SDK folder>, FYNE_CROSS_CACHE=<folder> (see README).
set -euo pipefail
cd "$(dirname "$0")/../.."
version=${1:?usage: run.sh VERSION BUILD} build=${2:?usage: run.sh VERSION BUILD}
say() { echo "make cross: $*" >&2; }
scripts/fyne-cross.sh >&2

# podman reads a containers.conf of ours: runc (crun fails on hybrid cgroups) and
# container limits no higher than podman's own, which root cannot raise everywhere
# (podman holds its processes to kernel.pid_max).
podman_config() {
	[ -n "${CONTAINERS_CONF:-}" ] && return
	local conf=$PWD/bin/cross/containers.conf nofile nproc pidmax
	nofile=$(ulimit -Hn) nproc=$(ulimit -Hu) pidmax=$(cat /proc/sys/kernel/pid_max)
	if [ "$nproc" = unlimited ] || [ "$nproc" -gt "$pidmax" ]; then nproc=$pidmax; fi
	mkdir -p bin/cross
	{
		echo "# Written by scripts/cross/run.sh for make cross; edits are lost."
		echo "[containers]"
		echo "default_ulimits = [\"nofile=$nofile:$nofile\", \"nproc=$nproc:$nproc\"]"
		echo "[engine]"
		if command -v runc >/dev/null; then echo 'runtime = "runc"'; fi
	} >"$conf"
	export CONTAINERS_CONF=$conf
}

engine=""
want=${FYNE_CROSS_ENGINE:-}
# A docker command that is podman underneath (podman-docker) counts as podman.
if [ "$want" != podman ] && command -v docker >/dev/null && ! docker --version 2>/dev/null | grep -qi podman \
	&& docker info >/dev/null 2>&1; then
	engine=docker
elif [ "$want" != docker ] && command -v podman >/dev/null; then
	podman_config
	if out=$(podman info 2>&1 >/dev/null); then engine=podman; else say "podman does not run here: ${out:0:400}"; fi
fi
if [ -z "$engine" ]; then
	if [ -n "$want" ]; then say "FYNE_CROSS_ENGINE=$want, but $want does not run here."; else say "fyne-cross needs a container engine, and neither Docker nor podman runs here (a docker client without its daemon does not count)."; fi
	say "get one: 'scripts/deps.sh cross' installs podman (Debian/Ubuntu; as a normal user it needs entries in /etc/subuid and /etc/subgid), or install Docker Engine and start it."
	exit 2
fi
flags=(-engine "$engine")
if [ "$engine" = podman ]; then
	if [ "$(id -u)" -eq 0 ]; then
		PATH=$PWD/scripts/cross/shim:$PATH
		flags=(-engine docker)
	fi
	say "engine: podman ($([ "$(id -u)" -eq 0 ] && echo root || echo rootless), runtime $(podman info --format '{{.Host.OCIRuntime.Name}}'), config $CONTAINERS_CONF)"
else
	say "engine: docker"
fi

# fyne-cross's own images (fyneio/fyne-cross-images:<os>) unless FYNE_CROSS_IMAGE says
# otherwise; where they cannot be pulled, the local one made from Debian's packages.
registry=$(bin/fyne-cross linux -help 2>&1 | sed -n '/-docker-registry/{n;s/.*(default "\([^"]*\)").*/\1/p}')
upstream() { echo "$registry/fyneio/fyne-cross-images:$1"; }
have() { "$engine" image inspect "$1" >/dev/null 2>&1; }
pulled() { say "pulling $1"; "$engine" pull "$1" >/dev/null; }
image=""
case ${FYNE_CROSS_IMAGE:-} in
upstream) ;;
local) image=$(scripts/cross/image.sh "$engine") ;;
"")
	if have "$(upstream linux)" && have "$(upstream windows)"; then
		:
	elif [ -n "$("$engine" images -q localhost/linkdesk-fyne-cross)" ]; then
		# An earlier run could not pull: stay local rather than wait on the registry again.
		image=$(scripts/cross/image.sh "$engine")
	elif ! { pulled "$(upstream linux)" && pulled "$(upstream windows)"; }; then
		say "fyne-cross's images cannot be pulled here: building the local image from Debian's packages instead (scripts/cross/Containerfile; FYNE_CROSS_IMAGE=upstream or <image> to choose)"
		image=$(scripts/cross/image.sh "$engine")
	fi
	;;
*) image=$FYNE_CROSS_IMAGE ;;
esac
if [ -n "$image" ]; then say "image: $image"; else say "image: fyne-cross's own for each OS"; fi

# Containers fetch no module: fyne-cross's cache folder (mounted at /go) is filled
# from the host's module cache first, and from the module proxy for what it lacks.
cache=${FYNE_CROSS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fyne-cross}
GOMODCACHE=$cache/pkg/mod GOPROXY="file://$(go env GOMODCACHE)/cache/download,$(go env GOPROXY)" go mod download

targets=(linux windows)
if [ -n "${FYNE_CROSS_DARWIN_SDK:-}" ]; then
	targets+=(darwin)
else
	say "darwin: skipped. fyne-cross builds for macOS only with Apple's macOS SDK, which comes out of Xcode on a Mac and cannot be fetched here; with one, run FYNE_CROSS_DARWIN_SDK=/path/to/SDK make cross (README: Packaging with fyne-cross), or make package-darwin on a Mac."
fi
for os in "${targets[@]}"; do
	args=("$os" -arch=amd64 -app-version "$version" -app-build "$build" -cache "$cache" "${flags[@]}")
	# darwin always takes fyne-cross's own darwin image: the local one has no macOS toolchain.
	if [ "$os" = darwin ]; then
		args+=(-macosx-sdk-path "$FYNE_CROSS_DARWIN_SDK")
	elif [ -n "$image" ]; then
		args+=(-image "$image")
		# The local image has all it needs, so its containers get no network (nor need slirp4netns).
		case $image in localhost/linkdesk-fyne-cross:*) args+=(-no-network) ;; esac
	fi
	# A release build carries its server; without LINKDESK_SERVER it runs demo mode.
	[ -n "${LINKDESK_SERVER:-}" ] && args+=(-metadata "Server=$LINKDESK_SERVER")
	say "fyne-cross ${args[*]}"
	started=$SECONDS
	bin/fyne-cross "${args[@]}"
	say "$os done in $((SECONDS - started)) s"
done
# fyne-cross 1.5 looks for the binary at the top of the tarball; fyne's puts it in a folder.
bin=fyne-cross/bin/linux-amd64
if [ -d "$bin" ] && [ -z "$(ls -A "$bin")" ]; then
	tar -xJf fyne-cross/dist/linux-amd64/*.tar.xz -C "$bin" --strip-components=4 --wildcards '*/usr/local/bin/*'
	say "(fyne-cross's 'usr/local/bin: Not found in archive' is harmless: the binary is now in $bin)"
fi
ls -d fyne-cross/dist/*/* fyne-cross/bin/*/*
