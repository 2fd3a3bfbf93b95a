#!/usr/bin/env bash
# bench/curves.sh: how each cost grows (issue 13, point 3). Called by run.sh (needs WORK, LC, QUICK)
# or alone (then it uses src/LayerCache.Cli/bin/Release/net10.0). Writes raw rows to
# $WORK/curves.tsv and prints nothing; report.py turns them into tables and SVG plots.
#   1. layer bytes: one stage with one layer of SIZE MB (random bytes), saved by a first
#      `layercache build` on a fresh engine, restored by a second one on another fresh engine:
#      restore s, save s, peak RSS; beside the bare engine bounds (`docker save` to /dev/null,
#      `docker load` of the saved tar into a fresh engine) and sha256sum of the same bytes.
#   2. entries and scopes: a store grown by real saves (a one-step build per entry, build arg
#      V=i makes each key new); at each size: `ls`, `restore` (the selection among N entries;
#      the engine already has the images, so nothing is loaded), `prune` (nothing to delete:
#      the scan) and `verify` (re-hash everything).
# Sizes: BENCH_CURVE_MB, BENCH_CURVE_ENTRIES, BENCH_CURVE_SCOPES (space-separated lists).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); repo=$(dirname "$here")
source "$here/lib.sh"
BASE_TAR=$LCB_ROOT/busybox.tar
ensure_base_tar >/dev/null
WORK=${WORK:-$LCB_ROOT/work}; mkdir -p "$WORK"
if [[ -z ${LC:-} ]]; then rm -rf "$WORK/lc"; cp -a "$repo/src/LayerCache.Cli/bin/Release/net10.0" "$WORK/lc"; LC=$WORK/lc/layercache; fi
if [[ ${QUICK:-0} == 1 ]]; then
  MBS=${BENCH_CURVE_MB:-64 256}; ENTRIES=${BENCH_CURVE_ENTRIES:-1 10 30}; SCOPES=${BENCH_CURVE_SCOPES:-1 10 30}
else
  MBS=${BENCH_CURVE_MB:-100 250 500 1000 2000 4000}; ENTRIES=${BENCH_CURVE_ENTRIES:-1 10 100 1000}; SCOPES=${BENCH_CURVE_SCOPES:-1 10 100}
fi
x=$WORK/curves; rm -rf "$x"; mkdir -p "$x"
OUT=$WORK/curves.tsv; : > "$OUT"
say() { printf '[%s] curves: %s\n' "$(date +%T)" "$*" >&2; }
trap 'engine_stop ca 2>/dev/null; engine_stop cb 2>/dev/null; true' EXIT
lcrun() { # LOGNAME ARGS...: runs layercache, GNU time peak RSS in $x/rss
  local n=$1; shift
  DOCKER_BUILDKIT=0 /usr/bin/time -f %M -o "$x/rss" "$LC" "$@" > "$x/$n.out" 2> "$x/$n.err"
}
rss_mb() { echo $(( $(tail -1 "$x/rss") / 1024 )); }

# ---- 1. restore and save vs layer bytes --------------------------------------------------------
for mb in $MBS; do
  say "layer $mb MB"
  c=$x/ctx-$mb; mkdir -p "$c"
  printf 'FROM busybox:latest\nARG MB=1\nRUN head -c "$((MB * 1048576))" /dev/urandom > /blob.bin\n' > "$c/Dockerfile"
  runner_start ca; export DOCKER_HOST; DOCKER_HOST=$(engine_host ca)
  lcrun save-$mb build --cache "dir:$x/store-$mb" --scope curve/main --format json --build-arg MB="$mb" -t curve:latest "$c" -- --network none
  save_s=$(jq -r '.save.seconds' "$x/save-$mb.out"); save_rss=$(rss_mb)
  bytes=$(jq -r '.save.bytesExported // 0' "$x/save-$mb.out")
  t=$(now); $DOCKER save curve:latest | wc -c > /dev/null; bare_save=$(since "$t")
  $DOCKER save curve:latest -o "$x/img.tar"
  t=$(now); sha256sum "$x/img.tar" > /dev/null; hash_s=$(since "$t")
  engine_stop ca
  runner_start cb; DOCKER_HOST=$(engine_host cb)
  t=$(now); $DOCKER load -q -i "$x/img.tar" > /dev/null; bare_load=$(since "$t")
  engine_stop cb; rm -f "$x/img.tar"
  runner_start cb; DOCKER_HOST=$(engine_host cb)
  lcrun restore-$mb restore --cache "dir:$x/store-$mb" --scope curve/main --format json --build-arg MB="$mb" "$c"
  restore_s=$(jq -r '.restore.seconds' "$x/restore-$mb.out"); restore_rss=$(rss_mb)
  engine_stop cb; rm -rf "$x/store-$mb" "$c"
  printf 'bytes\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$mb" "$bytes" "$save_s" "$restore_s" "$bare_save" "$bare_load" "$hash_s" "$save_rss" "$restore_rss" >> "$OUT"
done

# ---- 2. ls, restore selection, prune, verify vs entries and scopes ----------------------------
# series "entries": every entry in one scope; series "scopes": each entry in a scope of its own.
measure_store() { # SERIES N STORE CTX LAST_V LAST_SCOPE
  local t ls_s restore_s prune_s verify_s
  t=$(now); lcrun ls ls --cache "dir:$3"; ls_s=$(since "$t")
  t=$(now); lcrun restore restore --cache "dir:$3" --scope "$6" --build-arg V="$5" "$4"; restore_s=$(since "$t")
  t=$(now); lcrun prune prune --cache "dir:$3" --keep 3650d; prune_s=$(since "$t")
  t=$(now); lcrun verify verify --cache "dir:$3"; verify_s=$(since "$t")
  printf 'store\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$ls_s" "$restore_s" "$prune_s" "$verify_s" "$(du -sb "$3" | cut -f1)" >> "$OUT"
}
c=$x/ctx-small; mkdir -p "$c"
printf 'FROM busybox:latest\nARG V=0\nRUN echo "entry $V" > /v.txt\n' > "$c/Dockerfile"
runner_start ca; DOCKER_HOST=$(engine_host ca)
for series in entries scopes; do
  if [[ $series == entries ]]; then sizes=$ENTRIES; else sizes=$SCOPES; fi
  store=$x/store-$series; rm -rf "$store"; i=0
  for n in $sizes; do
    say "$series: growing to $n"
    while (( i < n )); do
      i=$((i + 1)); scope=curve/main; [[ $series == scopes ]] && scope=curve/s$i
      # --keep 3650d: retention keeps every entry (the point is a store that holds N of them).
      lcrun grow build --cache "dir:$store" --scope "$scope" --keep 3650d --build-arg V="$i" -t small:latest "$c" -- --network none
    done
    measure_store "$series" "$n" "$store" "$c" "$i" "$scope"
  done
  rm -rf "$store"
done
engine_stop ca
say "done"
