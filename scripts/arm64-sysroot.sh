#!/usr/bin/env bash
# Prints the path of an arm64 sysroot that qemu-user can run layercache-linux-arm64 in (making it in
# $1 when needed): Debian's cross-built libc, libgcc_s and libstdc++ (/usr/aarch64-linux-gnu) plus
# OpenSSL 3 unpacked from libssl3:arm64 (.NET loads libssl for hashing and TLS). As root on Debian it
# installs qemu-user and the cross packages and enables the arm64 package architecture for the download.
set -euo pipefail
out=${1:?directory for the sysroot}
if [[ -e $out/lib/libssl.so.3 && -e $out/lib/ld-linux-aarch64.so.1 ]]; then echo "$out"; exit 0; fi
cross=/usr/aarch64-linux-gnu/lib
if ! command -v qemu-aarch64 >/dev/null || [[ ! -e $cross/libstdc++.so.6 ]]; then
  [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null || { echo "arm64-sysroot: needs qemu-user, libc6-arm64-cross, libstdc++6-arm64-cross" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    qemu-user libc6-arm64-cross libgcc-s1-arm64-cross libstdc++6-arm64-cross >/dev/null
fi
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  dpkg --add-architecture arm64
  apt-get update -qq
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# apt-get download writes into the current directory as the _apt user where it can: a directory it may write.
chmod 0777 "$tmp"
(cd "$tmp" && apt-get download -qq libssl3:arm64 >/dev/null)
dpkg-deb -x "$tmp"/libssl3_*_arm64.deb "$tmp/x"
mkdir -p "$out.tmp"
cp -a "$cross" "$out.tmp/lib"
cp -a "$tmp"/x/usr/lib/aarch64-linux-gnu/. "$out.tmp/lib/"
rm -rf "$out" && mv "$out.tmp" "$out"
echo "$out"
