#!/usr/bin/env bash
# The container image's build context: a root file system with the NativeAOT binary and exactly the
# shared libraries it loads (from the build machine, found with ldd, so the image needs no base image
# and no registry), OpenSSL's libssl/libcrypto (.NET hashes with them: every digest is a SHA-256) and
# the CA bundle (TLS engines, DOCKER_HOST=tcp:// with DOCKER_TLS_VERIFY). packaging/Dockerfile copies it onto scratch.
#   scripts/dist-image-context.sh BINARY DIR
set -euo pipefail
binary=${1:?the linux-x64 layercache binary}
dir=${2:?the context directory}
rm -rf "$dir"
mkdir -p "$dir/rootfs/usr/local/bin" "$dir/rootfs/tmp" "$dir/rootfs/cache" "$dir/rootfs/etc/ssl/certs"
cp "$binary" "$dir/rootfs/usr/local/bin/layercache"
chmod 0755 "$dir/rootfs/usr/local/bin/layercache"
chmod 1777 "$dir/rootfs/tmp"

libs=$(ldd "$binary" | awk '/=>/ { print $3 } !/=>/ && $1 ~ /^\// { print $1 }')
# .NET opens OpenSSL with dlopen (no NEEDED entry, so ldd cannot see it): SHA-256 and TLS both need it.
for ssl in libssl.so.3 libcrypto.so.3; do
  # awk reads to the end: an early exit would kill ldconfig with SIGPIPE, and pipefail stop the script.
  path=$(ldconfig -p | awk -v n="$ssl" '$1 == n && /x86-64/ && !found { print $NF; found = 1 }')
  [[ -n "$path" ]] && libs+=$'\n'"$path" && libs+=$'\n'"$(ldd "$path" | awk '/=>/ { print $3 }')"
done
for lib in $(sort -u <<< "$libs"); do
  [[ -f "$lib" ]] || continue
  mkdir -p "$dir/rootfs$(dirname "$lib")"
  cp -L "$lib" "$dir/rootfs$lib"
done
# The binary names its loader by this path (PT_INTERP), wherever the build machine keeps the file.
if [[ -f /lib64/ld-linux-x86-64.so.2 ]]; then
  mkdir -p "$dir/rootfs/lib64"
  cp -L /lib64/ld-linux-x86-64.so.2 "$dir/rootfs/lib64/"
fi
[[ -f /etc/ssl/certs/ca-certificates.crt ]] && cp /etc/ssl/certs/ca-certificates.crt "$dir/rootfs/etc/ssl/certs/"
printf 'root:x:0:0:root:/root:/sbin/nologin\n' > "$dir/rootfs/etc/passwd"
echo "dist: image context in $dir ($(du -sh "$dir" | cut -f1))" >&2
