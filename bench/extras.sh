#!/usr/bin/env bash
# Called by run.sh (needs WORK, LC, DEPS_MB, BASE_TAR from it): on W1, (1) where the seconds go:
# bare engine export/load bounds, hashing, file I/O, compression; (2) store size after 10 commits
# with --keep current. Prints markdown.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
BASE_TAR=$LCB_ROOT/busybox.tar
x=$WORK/extras; rm -rf "$x"; mkdir -p "$x"
say() { printf '[%s] extras: %s\n' "$(date +%T)" "$*" >&2; }
mkctx() { w1_ctx "$x/ctx-$1" "$2" "$3"; } # NAME SRC_CHANGE DEPS_CHANGE
row() { printf '| %s | %s | %s | %s |\n' "$@"; }
mb() { awk -v b="$1" 'BEGIN{printf "%.1f", b/1048576}'; }
timed() { local t; t=$(now); "$@"; since "$t"; }
trap 'engine_stop xa 2>/dev/null; engine_stop xb 2>/dev/null; engine_stop xk 2>/dev/null' EXIT

c0=$(mkctx base "" "")
runner_start xa; export DOCKER_HOST; DOCKER_HOST=$(engine_host xa)
for s in deps compile runtime; do DOCKER_BUILDKIT=0 $DOCKER build -q --network none --target $s -t p:$s "$c0" >/dev/null; done
imgs="p:deps p:compile p:runtime"
say "profile: export"
echo "## Where the seconds go (W1, $(( 2 * DEPS_MB )) MB of deps; one engine, page cache warm)"
echo
echo "| operation | seconds | bytes | MB/s |"
echo "|---|---:|---:|---:|"
t=$(now); n=$($DOCKER save $imgs | wc -c); s=$(since "$t"); row "bare \`docker save\` of the 3 stage images to /dev/null (engine export bound)" "$s" "$n" "$(awk -v b=$n -v s=$s 'BEGIN{printf "%.0f", b/1048576/s}')"
t=$(now); $DOCKER save $imgs | sha256sum >/dev/null; s=$(since "$t"); row "\`docker save\` piped into sha256sum (export + hashing)" "$s" "$n" "$(awk -v b=$n -v s=$s 'BEGIN{printf "%.0f", b/1048576/s}')"
t=$(now); $DOCKER save $imgs > "$x/img.tar"; sync "$x/img.tar"; s=$(since "$t"); row "\`docker save\` to a file + fsync (export + file I/O)" "$s" "$n" "$(awk -v b=$n -v s=$s 'BEGIN{printf "%.0f", b/1048576/s}')"
t=$(now); sha256sum "$x/img.tar" >/dev/null; s=$(since "$t"); row "sha256sum of the saved tar (hashing alone)" "$s" "$n" "$(awk -v b=$n -v s=$s 'BEGIN{printf "%.0f", b/1048576/s}')"
t=$(now); cat "$x/img.tar" > "$x/copy.tar"; sync "$x/copy.tar"; s=$(since "$t"); row "copy of the tar + fsync (file I/O alone)" "$s" "$n" "$(awk -v b=$n -v s=$s 'BEGIN{printf "%.0f", b/1048576/s}')"; rm -f "$x/copy.tar"
say "profile: compression"
for z in "gzip -6" "gzip -1" "zstd -3 -T0 -q" "zstd -1 -T0 -q"; do
  t=$(now); $z < "$x/img.tar" > "$x/img.z"; s=$(since "$t"); zn=$(stat -c %s "$x/img.z")
  row "\`$z\` of the tar (seed-file compression; $(awk -v a=$n -v b=$zn 'BEGIN{printf "%.2fx", a/b}'))" "$s" "$zn" "$(awk -v b=$n -v s=$s 'BEGIN{printf "%.0f", b/1048576/s}')"
  [[ $z == "gzip -6" ]] && cp "$x/img.z" "$x/img.tar.gz"
done
t=$(now); gunzip -c "$x/img.tar.gz" > /dev/null; s=$(since "$t"); row "gunzip -c of the gzip -6 file to /dev/null" "$s" "$n" "$(awk -v b=$n -v s=$s 'BEGIN{printf "%.0f", b/1048576/s}')"
engine_stop xa
say "profile: load"
runner_start xb; DOCKER_HOST=$(engine_host xb)
t=$(now); $DOCKER load -q -i "$x/img.tar" >/dev/null; s=$(since "$t"); row "bare \`docker load\` of the uncompressed tar into a fresh engine (engine import bound)" "$s" "$n" "$(awk -v b=$n -v s=$s 'BEGIN{printf "%.0f", b/1048576/s}')"
engine_stop xb; runner_start xb; DOCKER_HOST=$(engine_host xb)
t=$(now); gunzip -c "$x/img.tar.gz" | $DOCKER load -q >/dev/null; s=$(since "$t"); row "\`gunzip -c | docker load\` into a fresh engine (seed-file restore)" "$s" "$n" "$(awk -v b=$n -v s=$s 'BEGIN{printf "%.0f", b/1048576/s}')"
engine_stop xb
rm -f "$x/img.tar" "$x/img.z" "$x/img.tar.gz"

say "retention: 10 commits with --keep current"
runner_start xk; DOCKER_HOST=$(engine_host xk)
echo
echo "## Store size after 10 commits with \`--keep current\` (W1, classic builder, one runner)"
echo
echo "| commit | change | save s | store bytes | peak RSS MB |"
echo "|---:|---|---:|---:|---:|"
deps=""
for i in $(seq 1 10); do
  what="source"; if (( i == 4 || i == 8 )); then deps="v$i"; what="deps"; fi
  c=$(mkctx "k$i" "$i" "$deps")
  DOCKER_BUILDKIT=0 /usr/bin/time -f %M -o "$x/rss" "$LC" build --cache "dir:$x/store" --scope bench/main --keep current \
    --format json -t app:latest "$c" -- --network none > "$x/r.json" 2> "$x/b.log"
  printf '| %s | %s | %.2f | %s | %s |\n' "$i" "$what" "$(jq -r '.save.seconds' "$x/r.json")" "$(du -sb "$x/store" | cut -f1)" "$(( $(tail -1 "$x/rss") / 1024 ))"
  (( i < 10 )) && rm -rf "$c"
done
after=$(du -sb "$x/store" | cut -f1)
# One build's layers: the same last commit saved into an empty store.
DOCKER_BUILDKIT=0 "$LC" save --cache "dir:$x/one" --scope bench/main --format json "$x/ctx-k10" -- --network none > "$x/one.json" 2>"$x/s.log" || \
  { c=$(mkctx k10b 10 "$deps"); DOCKER_BUILDKIT=0 "$LC" build --cache "dir:$x/one" --scope bench/main --format json -t app:latest "$c" -- --network none > "$x/one.json" 2>"$x/s.log"; }
one=$(du -sb "$x/one" | cut -f1)
echo
echo "After 10 commits: $after bytes; one build's layers (the last commit saved into an empty store): $one bytes; ratio **$(awk -v a=$after -v b=$one 'BEGIN{printf "%.3f", a/b}')** (target <= 1.2)."
echo "RETENTION_RATIO=$(awk -v a=$after -v b=$one 'BEGIN{printf "%.3f", a/b}')" > "$x/retention"
engine_stop xk
rm -rf "$x/store" "$x/one"
