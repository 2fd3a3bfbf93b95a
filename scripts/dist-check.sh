#!/usr/bin/env bash
# make dist-check: installs from every channel with the README's own commands (scripts/readme-install.sh)
# against the files `make dist` built, and runs what each channel is for:
#   - checksums: sha256sum -c SHA256SUMS;
#   - linux-x64 binary: README command (RELEASE=file://…/artifacts/dist) in a mount namespace whose
#     /usr/local/bin is a scratch tmpfs, then --version, stages, key (private dockerd); then a real smoke
#     test of the same file: scripts/demo.sh (cold build on one fresh private engine, warm build on another,
#     the app runs, ls, verify); the same smoke test of a trimmed single-file linux-x64, which stands
#     for the trimmed musl and arm64 binaries;
#   - linux-arm64 binary: README command (as for linux-x64), then the same smoke test (scripts/demo.sh)
#     with the installed file run by qemu-user over an arm64 sysroot (Debian's cross libc and libstdc++,
#     libssl3:arm64 unpacked from its package), talking to the x64 private dockerds;
#   - linux-musl-x64: ELF checks only (loader, libraries): it needs musl builds of libstdc++ and
#     libgcc_s (Alpine's packages), which no Debian package provides, so it runs only on Alpine;
#   - dotnet tool: README command with a scratch DOTNET_CLI_HOME and NuGet cache, then --version, stages;
#   - container image: README command against a private dockerd, then --version, ls and verify of the
#     demo's store mounted at /cache.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
dist=${1:-artifacts/dist}
dist=$(cd "$dist" && pwd)
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props)
work=$(mktemp -d /tmp/lc-dist-check.XXXXXX)
export LC_DOCKERD_ROOT=$work/engines
source scripts/lib/private-dockerd.sh
trap 'lc_dockerd_stop check 2>/dev/null || true; rm -rf "$work"' EXIT
say() { printf '\n== dist-check: %s\n' "$*"; }
fail() { echo "dist-check: FAILED: $*" >&2; exit 1; }

say "checksums"
(cd "$dist" && sha256sum -c SHA256SUMS)

say "linux-x64 binary, installed with the README's command"
install_cmd=$(scripts/readme-install.sh layercache-linux-x64)
mkdir -p "$work/download"
out=$(cd "$work/download" && RELEASE="file://$dist" unshare --mount --propagation private bash -euo pipefail -c "
  mount -t tmpfs lc-dist-check /usr/local/bin
  $install_cmd
  command -v layercache
  layercache --version
  layercache stages '$root/examples/multistage'
")
echo "$out"
grep -qx /usr/local/bin/layercache <<< "$out" || fail "layercache is not on PATH at /usr/local/bin after the README's command"
grep -q "^$version+" <<< "$out" || fail "--version does not print $version"
grep -q "runtime" <<< "$out" || fail "stages did not list the example's stages"
binary="$dist/layercache-linux-x64"   # the bytes the README command just verified and installed

lc_dockerd_start check
engine=$(lc_dockerd_host check)
docker_() { DOCKER_HOST=$engine /usr/bin/docker "$@"; }
ctx=$work/busybox; mkdir -p "$ctx"; cp /bin/busybox "$ctx/"
printf 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox","--install","-s","/bin"]\n' > "$ctx/Dockerfile"
DOCKER_BUILDKIT=0 docker_ build -q --network none -t busybox:latest "$ctx" >/dev/null
DOCKER_HOST=$engine LAYERCACHE_DOCKER=/usr/bin/docker "$binary" key --format json examples/multistage > "$work/key.json"
grep -q '"busybox:latest"' "$work/key.json" || fail "key did not name the base image: $(cat "$work/key.json")"
echo "key: $(grep -o '"key": *"[^"]*"' "$work/key.json" || head -c 200 "$work/key.json")"

say "linux-x64 binary: smoke test (scripts/demo.sh: cold and warm builds of examples/multistage on fresh engines)"
LC_DOCKERD_ROOT=$work/demo scripts/demo.sh "$binary"
store=$work/demo/cache/layercache
[[ -f "$store/SUMMARY" ]] || fail "the demo left no store at $store"

say "trimmed single-file linux-x64 (as the musl and arm64 binaries are trimmed): the same smoke test"
# Rebuilt when older than the shipped binaries (a stale one would test another commit).
[[ $dist/obj/linux-x64/layercache -nt $dist/layercache-linux-x64 ]] || DIST_VARIANTS=linux-x64-singlefile scripts/dist.sh "$dist"
LC_DOCKERD_ROOT=$work/demo-trimmed scripts/demo.sh "$dist/obj/linux-x64/layercache"

say "linux-arm64 binary, installed with the README's command, run by qemu-user: the same smoke test"
file "$dist/layercache-linux-arm64" | grep -q "ARM aarch64" || fail "layercache-linux-arm64 is not an arm64 executable"
sysroot=$(scripts/arm64-sysroot.sh "$work/arm64-sysroot") || fail "no arm64 sysroot for qemu-user (scripts/arm64-sysroot.sh)"
arm64_cmd=$(scripts/readme-install.sh layercache-linux-arm64)
mkdir -p "$work/download-arm64" "$work/arm64-bin"
# The README's command installs into /usr/local/bin (a scratch tmpfs in a mount namespace of its own);
# the installed file is copied out of it, so the smoke test runs the very bytes the command installed.
(cd "$work/download-arm64" && RELEASE="file://$dist" unshare --mount --propagation private bash -euo pipefail -c "
  mount -t tmpfs lc-dist-check /usr/local/bin
  $arm64_cmd
  cp /usr/local/bin/layercache '$work/arm64-bin/layercache-installed'
")
cmp -s "$work/arm64-bin/layercache-installed" "$dist/layercache-linux-arm64" || fail "the README's arm64 command did not install layercache-linux-arm64"
# qemu-user runs the binary (no binfmt_misc needed): a wrapper is the `layercache` the demo calls.
printf '#!/bin/sh\nexec env QEMU_LD_PREFIX=%s LD_LIBRARY_PATH=%s/lib qemu-aarch64 %s "$@"\n' \
  "$sysroot" "$sysroot" "$work/arm64-bin/layercache-installed" > "$work/arm64-bin/layercache"
chmod +x "$work/arm64-bin/layercache"
"$work/arm64-bin/layercache" --version | grep -q "^$version+" || fail "the arm64 binary's --version does not print $version"
LC_DOCKERD_ROOT=$work/demo-arm64 scripts/demo.sh "$work/arm64-bin/layercache"

say "linux-musl-x64: what it is (it runs only on Alpine: no musl libstdc++ outside it)"
readelf -l "$dist/layercache-linux-musl-x64" | grep -q "/lib/ld-musl-x86_64.so.1" || fail "layercache-linux-musl-x64 does not load musl's loader"
needed=$(readelf -d "$dist/layercache-linux-musl-x64" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
echo "needs: $needed"
# What the README's Alpine line installs (apk add libstdc++ libgcc libssl3) must cover what it loads.
[[ $needed == "libc.musl-x86_64.so.1 libgcc_s.so.1 libstdc++.so.6 " ]] || fail "layercache-linux-musl-x64 needs $needed: update the README's apk line"

say "dotnet tool, installed with the README's command"
tool_cmd=$(scripts/readme-install.sh dotnet tool)
mkdir -p "$work/tool/artifacts"
ln -s "$dist" "$work/tool/artifacts/dist"
(cd "$work/tool" && DOTNET_CLI_HOME=$work/tool/home NUGET_PACKAGES=$work/tool/nuget DOTNET_NOLOGO=1 bash -euo pipefail -c "$tool_cmd")
tool=$work/tool/home/.dotnet/tools/layercache
"$tool" --version | grep -q "^$version+" || fail "the tool's --version does not print $version"
"$tool" stages examples/multistage | grep -q runtime || fail "the tool's stages did not list the example's stages"
echo "tool: $("$tool" --version)"

say "container image, built with the README's command on a private dockerd"
image_cmd=$(scripts/readme-install.sh docker build)
(DOCKER_HOST=$engine bash -euo pipefail -c "$image_cmd")
docker_ images --format '{{.Repository}}:{{.Tag}} {{.Size}}' "layercache:$version"
docker_ run --rm --network none "layercache:$version" --version | grep -q "^$version+" || fail "the image's --version does not print $version"
docker_ run --rm --network none -v "$store:/cache" "layercache:$version" ls | tee "$work/ls.txt"
grep -q "demo/main" "$work/ls.txt" || fail "the image's ls does not list the demo's entry"
docker_ run --rm --network none -v "$store:/cache" "layercache:$version" verify

say "every channel installed and ran"
