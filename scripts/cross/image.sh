#!/usr/bin/env bash
# Builds Linkdesk's local fyne-cross image (once; later runs find it by its tag) and
# prints its name. Usage: scripts/cross/image.sh docker|podman
# A Debian 12 root file system made by mmdebstrap from Debian's packages is the base;
# scripts/cross/Containerfile adds the host's Go, the fyne CLI and the zig stand-in.
set -euo pipefail
cd "$(dirname "$0")/../.."
engine=${1:?usage: image.sh docker|podman}
say() { echo "make cross: $*" >&2; }

suite=bookworm
packages=(gcc libc6-dev pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev
	libxinerama-dev libxi-dev libxxf86vm-dev gcc-mingw-w64-x86-64-posix zip xz-utils)
# Nothing links against manuals, GPU drivers (the LLVM they pull in) or gcc's lto-dump.
excludes=('/usr/share/man/*' '/usr/share/info/*' '/usr/share/locale/*' '/usr/bin/*lto-dump*'
	'/usr/lib/x86_64-linux-gnu/dri/*' '/usr/lib/x86_64-linux-gnu/libLLVM*' '/usr/lib/x86_64-linux-gnu/libz3*')
hash() { sha256sum | cut -c1-12; }
exists() { "$engine" image inspect "$1" >/dev/null 2>&1; }

base=localhost/linkdesk-fyne-cross-base:$(echo "$suite ${packages[*]} ${excludes[*]}" | hash)
if ! exists "$base"; then
	command -v mmdebstrap >/dev/null || { say "building the local image needs mmdebstrap (scripts/deps.sh cross installs it), or set FYNE_CROSS_IMAGE to an image of yours"; exit 1; }
	mirror=${DEBIAN_MIRROR:-$(apt-get indextargets --format '$(LABEL) $(REPO_URI)' 2>/dev/null | awk '$1 == "Debian" { print $2; exit }')}
	[ -n "$mirror" ] || { say "no Debian mirror in this machine's apt sources: set DEBIAN_MIRROR to one"; exit 1; }
	say "Debian 12 root file system from $mirror (mmdebstrap, a few minutes, once)"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	args=(--variant=essential "--include=$(IFS=,; echo "${packages[*]}")")
	for x in "${excludes[@]}"; do args+=("--dpkgopt=path-exclude=$x"); done
	# usr-is-merged instead of usrmerge, which would pull in perl.
	hooks=/usr/share/mmdebstrap/hooks/merged-usr
	[ -d "$hooks" ] && args+=("--hook-dir=$hooks")
	if ! mmdebstrap "${args[@]}" "$suite" "$tmp/rootfs.tar" "deb $mirror $suite main" </dev/null >"$tmp/log" 2>&1; then
		tail -n 20 "$tmp/log" >&2
		say "mmdebstrap failed (above)$([ "$(id -u)" -eq 0 ] || echo '; as a normal user it needs your lines in /etc/subuid and /etc/subgid')"
		exit 1
	fi
	"$engine" import "$tmp/rootfs.tar" "$base" >/dev/null
	rm -f "$tmp/rootfs.tar"
	say "$base ready after $SECONDS s"
fi

# The image carries the Go that builds this module here, so go.mod's version is met offline.
goroot=$(go env GOROOT)
goversion=$(go env GOVERSION)
fyneversion=$(go list -m -f '{{.Version}}' fyne.io/fyne/v2)
image=localhost/linkdesk-fyne-cross:$(cat scripts/cross/Containerfile scripts/cross/zig | { cat; echo "$base $goversion $fyneversion"; } | hash)
if ! exists "$image"; then
	say "building $image: $goversion, fyne CLI $fyneversion, on $base"
	ctx=$(mktemp -d)
	trap 'rm -rf "$ctx" ${tmp:+"$tmp"}' EXIT
	tar -C "$goroot" --exclude=./test --exclude=./api --exclude=./doc -cf - . | (mkdir "$ctx/go" && tar -C "$ctx/go" -xf -)
	# fyne-cross 1.5 calls `fyne package -appVersion …`: the CLI that ships with fyne v2 takes
	# those flags; the fyne.io/tools one (our go tool) does not.
	dir=$(go mod download -json "fyne.io/fyne/v2@$fyneversion" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
	(cd "$dir" && CGO_ENABLED=0 go build -ldflags=-s -o "$ctx/fyne" ./cmd/fyne)
	cp scripts/cross/zig scripts/cross/Containerfile "$ctx/"
	"$engine" build --quiet --build-arg "BASE=$base" -t "$image" -f "$ctx/Containerfile" "$ctx" >/dev/null
	say "$image ready after $SECONDS s"
fi
echo "$image"
