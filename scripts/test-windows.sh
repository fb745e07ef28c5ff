#!/usr/bin/env bash
# make test-windows: the packaged Windows .exe end to end under Wine, and the
# Windows test binary of app/ (keychain, machine ID, settings paths) under Wine.
# Everything lives in a fresh prefix under a temporary folder, on a private Xvfb
# display; every Wine process is ended with `wineserver -k` for this prefix only.
# Screenshots of every screen are kept in dist/test-windows/ (SHOTS overrides).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${LINKDESK_IN_XVFB:-}" ]; then
	export LINKDESK_IN_XVFB=1
	exec scripts/with-xvfb.sh "$0" "$@"
fi

version=$(sed -n 's/^ *Version *= *"\(.*\)"/\1/p' FyneApp.toml | head -1)
exe=$PWD/dist/linkdesk-$version-windows-amd64.exe
[ -s "$exe" ] || { echo "test-windows: $exe missing; run make package-windows first" >&2; exit 1; }
font=$(find /usr/share/fonts -name 'NotoSansCJK-Regular.ttc' -print -quit)
[ -n "$font" ] || { echo "test-windows: NotoSansCJK-Regular.ttc missing (Debian: fonts-noto-cjk)" >&2; exit 1; }
shots=${SHOTS:-$PWD/dist/test-windows}

work=$(mktemp -d -t linkdesk-wine.XXXXXX)
export WINEPREFIX=$work/prefix WINEARCH=win64 WINEDEBUG=-all
export WINEDLLOVERRIDES='mscoree,mshtml=' # no Mono/Gecko install prompts
cleanup() {
	wineserver -k 2>/dev/null || true # this prefix's Wine processes only (WINEPREFIX is ours)
	wineserver -w 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
step() { echo "== $(date +%T) $*"; }

step "fresh Wine prefix in $WINEPREFIX"
# HOME: the prefix links "My Documents" and friends into it; keep them inside $work.
mkdir -p "$work/home"
HOME=$work/home wineboot --init >/dev/null 2>&1
wineserver -w
# Go 1.22+ programs need bcryptprimitives.dll (ProcessPrng) before main; Wine 8.0 has none.
x86_64-w64-mingw32-gcc -shared -O2 -s -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
	e2e/windows/bcryptprimitives.c -ladvapi32
# Fyne finds system fonts in C:\windows\Fonts; without a CJK one Korean shows as boxes.
# The bold face stands in for Malgun Gothic Bold: bold Hangul comes from it.
ln -s "$font" "$WINEPREFIX/drive_c/windows/Fonts/$(basename "$font")"
ln -s "$(dirname "$font")/NotoSansCJK-Bold.ttc" "$WINEPREFIX/drive_c/windows/Fonts/NotoSansCJK-Bold.ttc"

# Wine 8.0 answers STATUS_NOT_IMPLEMENTED to FileDispositionInformationEx, where
# Windows before 10 1607 answers STATUS_INVALID_INFO_CLASS; Go falls back to the
# old way of deleting only on the latter, so os.RemoveAll (and t.TempDir's
# clean-up) fails under Wine. The Windows test binaries are built with that one
# status added to Go's fallback (an -overlay of the standard library), never shipped.
goroot=$(go env GOROOT)
at=$goroot/src/internal/syscall/windows/at_windows.go
sed 's/^\t\tSTATUS_NOT_SUPPORTED: /\t\tSTATUS_NOT_SUPPORTED, NTStatus(0xC0000002): /' "$at" >"$work/at_windows.go"
cmp -s "$at" "$work/at_windows.go" && { echo "test-windows: Go's Deleteat fallback changed; update the overlay" >&2; exit 1; }
printf '{"Replace":{"%s":"%s"}}\n' "$at" "$work/at_windows.go" >"$work/overlay.json"

step "Windows test binaries of app/ (keychain, machine ID, settings paths) and the single instance"
GOOS=windows go vet ./app/ ./internal/singleinstance/ ./e2e/windows/credread/ # make check vets for Linux only
GOOS=windows GOARCH=amd64 CGO_ENABLED=0 go test -c -overlay "$work/overlay.json" -o "$work/app.test.exe" ./app
GOOS=windows GOARCH=amd64 CGO_ENABLED=0 go test -c -overlay "$work/overlay.json" -o "$work/singleinstance.test.exe" ./internal/singleinstance
GOOS=windows GOARCH=amd64 CGO_ENABLED=0 go build -o "$work/credread.exe" ./e2e/windows/credread
CGO_ENABLED=0 go build -o "$work/linkdesk-mockserver" ./cmd/mockserver

# One wineserver (and one boot of Wine's own services) for the whole run, not one
# per program: a boot overlapping a test's first seconds slows it past its bounds.
wineserver -p >/dev/null 2>&1
wine cmd /c exit >/dev/null 2>&1

# runtests runs a Windows test binary under Wine; a failed or skipped test fails the run.
runtests() {
	local name=$1 rc=0
	(cd "$work" && LINKDESK_KEYCHAIN_TEST=1 timeout 900 wine "$name.test.exe" -test.count=1 -test.v >"$name-test.log" 2>&1) || rc=$?
	grep -E '^(--- FAIL|--- SKIP|FAIL|PASS|ok)' "$work/$name-test.log" || true
	echo "$name tests: $(grep -c -- '--- PASS' "$work/$name-test.log") passed, $(grep -c -- '--- FAIL' "$work/$name-test.log") failed, $(grep -c -- '--- SKIP' "$work/$name-test.log") skipped"
	if [ "$rc" -ne 0 ] || grep -q -- '--- SKIP' "$work/$name-test.log"; then
		grep -B2 -A15 -- '--- FAIL\|--- SKIP' "$work/$name-test.log" | head -80
		echo "test-windows: the $name tests failed or skipped under Wine (exit $rc)" >&2
		exit 1
	fi
}
step "app tests under Wine (real Credential Manager: LINKDESK_KEYCHAIN_TEST=1)"
runtests app
step "single-instance tests under Wine"
runtests singleinstance

step "the packaged .exe end to end (screenshots in $shots)"
rm -rf "$shots" && mkdir -p "$shots"
LINKDESK_WINE_EXE=$exe LINKDESK_WINE_CREDREAD=$work/credread.exe LINKDESK_MOCKSERVER=$work/linkdesk-mockserver \
	LINKDESK_WINE_CJK_FONT="$WINEPREFIX/drive_c/windows/Fonts/$(basename "$font")" LINKDESK_SCREENSHOTS=$shots \
	go test -count=1 -timeout 15m -tags 'e2e wine' -run '^TestWindows' -v ./e2e/
step "done"
