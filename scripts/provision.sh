#!/usr/bin/env bash
# Installs what layercache's demo and tests need, when it is missing.
# On Debian/Ubuntu as root it installs with apt; elsewhere it names what to install and fails.
set -euo pipefail

# command -> Debian package that provides it
declare -A need=(
  [dockerd]=docker.io
  [/usr/bin/docker]=docker.io
  [docker-registry]=docker-registry
  [skopeo]=skopeo
  [/bin/busybox]=busybox-static
  [ip]=iproute2
  [gzip]=gzip
)

missing=()
for cmd in "${!need[@]}"; do
  if [[ "$cmd" == /* ]]; then [[ -x "$cmd" ]] && continue; else command -v "$cmd" >/dev/null 2>&1 && continue; fi
  pkg=${need[$cmd]}
  [[ " ${missing[*]-} " == *" $pkg "* ]] || missing+=("$pkg")
done
# busybox (dynamic) may provide /bin/busybox but the base image needs the static build.
if [[ -x /bin/busybox ]] && LC_ALL=C readelf -d /bin/busybox 2>/dev/null | grep -q NEEDED; then
  [[ " ${missing[*]-} " == *" busybox-static "* ]] || missing+=(busybox-static)
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "provision: the .NET 10 SDK is required: install it (https://dot.net) so that 'dotnet' is on PATH" >&2
  exit 1
fi

if ((${#missing[@]} == 0)); then
  exit 0
fi

if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "provision: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # docker.io's postinst may start the system dockerd; layercache's tests use private engines only.
  exit 0
fi

echo "provision: missing packages: ${missing[*]}" >&2
echo "provision: install them (Debian/Ubuntu: apt-get install ${missing[*]}) and run again" >&2
exit 1
