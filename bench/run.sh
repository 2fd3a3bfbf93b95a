#!/usr/bin/env bash
# make bench: layercache against the seeds' own cache strategies, each CI run on a fresh runner
# (a private dockerd with an empty data root). See bench/README.md.
#   BENCH_QUICK=1   one repetition, W1 with 2x25 MB of deps instead of 2x200 MB (a fast check)
#   BENCH_REPS=N    repetitions per (strategy, scenario); default 3
#   BENCH_WORKLOADS="W1 W2"   BENCH_STRATEGIES="..."   BENCH_OUT=path.md
#   BENCH_LC_FORM=aot|fdd     the binary measured (default: the NativeAOT release binary, published here)
#   BENCH_LC=path             a binary already built (of that form)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); repo=$(dirname "$here")
source "$here/lib.sh"

QUICK=${BENCH_QUICK:-0}
if [[ $QUICK == 1 ]]; then REPS=${BENCH_REPS:-1}; DEPS_MB=25; else REPS=${BENCH_REPS:-3}; DEPS_MB=200; fi
# W3 (node_modules-like) and W4 (one big layer) sizes: full = 40,000 files / 1 GB and 2 GB.
if [[ $QUICK == 1 ]]; then W3_FILES=${BENCH_W3_FILES:-4000}; W3_MB=${BENCH_W3_MB:-100}; W4_MB=${BENCH_W4_MB:-256}
else W3_FILES=${BENCH_W3_FILES:-40000}; W3_MB=${BENCH_W3_MB:-1024}; W4_MB=${BENCH_W4_MB:-2048}; fi
WORKLOADS=${BENCH_WORKLOADS:-W1 W2 W3 W4}
STRATEGIES=${BENCH_STRATEGIES:-cold warm seed-file seed-registry-classic seed-registry-buildkit lc-classic lc-buildkit lc-archive-classic lc-archive-buildkit lc-registry-classic lc-registry-buildkit}
# W3 and W4 also get a base image update (the same base tag, a new upstream image).
scenarios_of() { [[ -n ${BENCH_SCENARIOS:-} ]] && { echo "$BENCH_SCENARIOS"; return; }; case $1 in W1|W2) echo "unchanged src deps";; *) echo "unchanged src deps base";; esac; }

# A private copy of the CLI: other engineers may rebuild src/ while the bench runs.
WORK=$LCB_ROOT/work; rm -rf "$WORK"; mkdir -p "$WORK"
BASE_TAR=$LCB_ROOT/busybox.tar BASE_TAR2=$LCB_ROOT/busybox-updated.tar
# The form users install (README): the NativeAOT release binary, published here; BENCH_LC_FORM=fdd
# runs the framework-dependent build the tests run (JIT: about 1 s more per process, 2026-12-03-startup.md).
LC_FORM=${BENCH_LC_FORM:-aot}
if [[ -n ${BENCH_LC:-} ]]; then
  cp "$BENCH_LC" "$WORK/layercache"; LC=$WORK/layercache   # a binary given (BENCH_LC_FORM says which form)
elif [[ $LC_FORM == aot ]]; then
  DIST_VARIANTS=linux-x64 "$repo/scripts/dist.sh" "$WORK/dist" >&2 || {
    echo "bench: publishing the NativeAOT binary failed (above); BENCH_LC_FORM=fdd measures the framework-dependent build" >&2; exit 1; }
  LC=$WORK/dist/layercache-linux-x64
else
  cp -a "$repo/src/LayerCache.Cli/bin/Release/net10.0" "$WORK/lc"
  LC=$WORK/lc/layercache
fi
LC_COMMIT=$(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet HEAD -- src || echo "+dirty")
RESULTS=$WORK/results.tsv; : > "$RESULTS"
LOG=$WORK/log; mkdir -p "$LOG"
cleanup() { for d in "$LCB_ROOT"/*/; do n=$(basename "$d"); [[ $n == work ]] && continue; registry_stop "$n" 2>/dev/null || true; engine_stop "$n" 2>/dev/null || true; done; }
trap cleanup EXIT
ensure_base_tar
[[ " $WORKLOADS " == *" W3 "* || " $WORKLOADS " == *" W4 "* ]] && ensure_base_tar2
say() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }

# ---- workloads and their commits ------------------------------------------------------------
stages_of() { case $1 in W1) echo "deps compile runtime";; W2) echo "base compile-backend compile-frontend compiled runtime";;
  W3) echo "base deps prod-deps build-server build-client assets runtime";; W4) echo "weights app";; esac; }
src_file_of() { case $1 in W1) echo src/main.txt;; W2) echo backend/main.txt;; W3) echo server/main.js;; W4) echo src/main.txt;; esac; }
workload_dir() { echo "$here/workloads/$1"; }
# ctx W SCENARIO REP: the build context of that commit (created once).
ctx() {
  local w=$1 s=$2 r=$3 d="$WORK/ctx/$1-$2-$3"
  if [[ ! -d $d ]]; then
    mkdir -p "$WORK/ctx"; cp -a "$(workload_dir "$w")" "$d"
    [[ $w == W1 ]] && sed -i "s/^ARG DEPS_MB=.*/ARG DEPS_MB=$DEPS_MB/" "$d/Dockerfile"
    [[ $w == W3 ]] && sed -i -e "s/^ARG MODULES_FILES=.*/ARG MODULES_FILES=$W3_FILES/" -e "s/^ARG MODULES_MB=.*/ARG MODULES_MB=$W3_MB/" "$d/Dockerfile"
    [[ $w == W4 ]] && sed -i "s/^ARG BIG_MB=.*/ARG BIG_MB=$W4_MB/" "$d/Dockerfile"
    case $s in
      src)  echo "change $r" >> "$d/$(src_file_of "$w")";;
      deps) case $w in W1) echo "newdep 1.0.$r" >> "$d/deps.lock";; W2) echo "libnew$r 1048576" >> "$d/deps.lock";;
              W3) echo "newdep@1.0.$r" >> "$d/package-lock.json";; W4) echo "weights v$((r + 1))" >> "$d/model.lock";; esac;;
    esac
  fi
  echo "$d"
}

# ---- one CI run per strategy: sets R_RESTORE R_BUILD R_SAVE R_TOTAL R_RSS ------------------
# Each runs on the current DOCKER_HOST with cache state in $1, building context $2.
run_seed_file() {
  local cache=$1 c=$2 t ids
  t=$(now); if [[ -f $cache/cache.tar.gz ]]; then gunzip -c "$cache/cache.tar.gz" | $DOCKER load -q >/dev/null; fi; R_RESTORE=$(since "$t")
  t=$(now); DOCKER_BUILDKIT=0 $DOCKER build --network none -t app:latest "$c" > "$cache/build.log" 2>&1 || return 1; R_BUILD=$(since "$t")
  t=$(now)
  ids=$(grep -oE '^ ---> [0-9a-f]{12}$' "$cache/build.log" | cut -c7- | sort -u)
  $DOCKER save $ids | gzip > "$cache/cache.tar.gz.new" || return 1; mv "$cache/cache.tar.gz.new" "$cache/cache.tar.gz"
  R_SAVE=$(since "$t")
  R_BYTES=$(stat -c %s "$cache/cache.tar.gz")
}
run_seed_registry() { # $3 = 0 classic, 1 buildkit
  local cache=$1 c=$2 bk=$3 t s port img from=() extra=()
  registry_start reg "$cache/registry"; port=$(registry_port reg); img=127.0.0.1:$port/app
  for s in $STAGES; do from+=(--cache-from "$img:$s"); done
  [[ $bk == 1 ]] && extra=(--build-arg BUILDKIT_INLINE_CACHE=1)
  t=$(now); for s in $STAGES; do $DOCKER pull -q "$img:$s" >/dev/null 2>&1 || true; done; R_RESTORE=$(since "$t")
  t=$(now)
  for s in $STAGES; do
    DOCKER_BUILDKIT=$bk $DOCKER build --network none --target "$s" "${from[@]}" "${extra[@]}" -t "$img:$s" "$c" >> "$cache/build.log" 2>&1 || return 1
  done
  R_BUILD=$(since "$t")
  t=$(now); for s in $STAGES; do $DOCKER push -q "$img:$s" >/dev/null || return 1; done; R_SAVE=$(since "$t")
  registry_stop reg
  R_BYTES=$(du -sb "$cache/registry" | cut -f1)
}
run_lc() { # $3 = 0 classic, 1 buildkit; $4 = the store (default: dir:$cache/store); $5 = more flags (--no-bridge)
  local cache=$1 c=$2 bk=$3 store=${4:-dir:$1/store} t extra=()
  [[ -n ${5:-} ]] && extra=("$5")
  t=$(now)
  DOCKER_BUILDKIT=$bk /usr/bin/time -f %M -o "$cache/rss" "$LC" build --cache "$store" --scope bench/main \
    --keep current --format json "${extra[@]}" -t app:latest "$c" -- --network none > "$cache/report.json" 2> "$cache/build.log" || return 1
  R_TOTAL=$(since "$t")
  read -r R_RESTORE R_BUILD R_SAVE R_MOVED R_EXPORTED R_WRITTEN R_LOADED < <(jq -r '[(.restore.seconds // 0), (.build.seconds // 0), (.save.seconds // 0), (.save.layerBytesWritten // 0), (.save.bytesExported // 0), (.save.bytesWritten // 0), (.restore.bytesLoaded // 0)] | @tsv' "$cache/report.json")
  # Issue 14's bound: the engine loads <= 1.2x the target image (its layers' size as the engine counts it).
  R_IMAGE=$($DOCKER image inspect app:latest --format '{{.Size}}' 2>/dev/null || echo -)
  R_RSS=$(( $(tail -1 "$cache/rss") / 1024 ))
  [[ $store == dir:* ]] || return 0
  R_BYTES=$(du -sb "$cache/store" | cut -f1)
  # The changed layers, measured on disk: layer blobs the entry added to the store (not in the
  # primed store); JSON blobs (configs, manifests, indexes) are metadata.
  local b f; R_NEWLAYERS=0
  for b in $(comm -13 <(ls "$PRIMED/store/blobs/sha256" 2>/dev/null | sort) <(ls "$cache/store/blobs/sha256" | sort)); do
    f=$cache/store/blobs/sha256/$b
    [[ $(head -c1 "$f") == "{" ]] || R_NEWLAYERS=$(( R_NEWLAYERS + $(stat -c %s "$f") ))
  done
}
# layercache with a registry store (issue 10): the cache is a repository of a Distribution registry
# that, like the seed-registry strategies', persists between CI runs; nothing goes through a CI cache step.
run_lc_registry() { # $3 = 0 classic, 1 buildkit
  local cache=$1 c=$2 bk=$3 port b f
  registry_start reg "$cache/registry"; port=$(registry_port reg)
  run_lc "$cache" "$c" "$bk" "registry://127.0.0.1:$port/cache" || { registry_stop reg; return 1; }
  registry_stop reg
  R_BYTES=$(du -sb "$cache/registry" | cut -f1)
  # New layers: layer blobs (gzip, as pushed) the run added to the registry's storage.
  local blobs=docker/registry/v2/blobs/sha256; R_NEWLAYERS=0
  for b in $(comm -13 <(cd "$PRIMED/registry/$blobs" 2>/dev/null && ls -d */* | sort) <(cd "$cache/registry/$blobs" && ls -d */* | sort)); do
    f=$cache/registry/$blobs/$b/data
    [[ $(head -c1 "$f") == "{" ]] || R_NEWLAYERS=$(( R_NEWLAYERS + $(stat -c %s "$f") ))
  done
}
run_cold() {
  local cache=$1 c=$2 t
  R_RESTORE=0; R_SAVE=0; R_BYTES=0
  t=$(now); DOCKER_BUILDKIT=0 $DOCKER build --network none -t app:latest "$c" > "$cache/build.log" 2>&1 || return 1; R_BUILD=$(since "$t")
}
strategy_run() { # STRATEGY CACHE_DIR CONTEXT
  R_RESTORE=0 R_BUILD=0 R_SAVE=0 R_TOTAL="" R_RSS="" R_BYTES=0 R_MOVED="" R_NEWLAYERS="" R_EXPORTED="" R_WRITTEN="" R_LOADED="" R_IMAGE=""
  case $1 in
    cold) run_cold "$2" "$3";;
    seed-file) run_seed_file "$2" "$3";;
    seed-registry-classic) run_seed_registry "$2" "$3" 0;;
    seed-registry-buildkit) run_seed_registry "$2" "$3" 1;;
    lc-classic) run_lc "$2" "$3" 0;;
    lc-buildkit) run_lc "$2" "$3" 1;;
    lc-archive-classic) run_lc "$2" "$3" 0 "" --no-bridge;;
    lc-archive-buildkit) run_lc "$2" "$3" 1 "" --no-bridge;;
    lc-registry-classic) run_lc_registry "$2" "$3" 0;;
    lc-registry-buildkit) run_lc_registry "$2" "$3" 1;;
  esac
  [[ -n $R_TOTAL ]] || R_TOTAL=$(awk -v a="$R_RESTORE" -v b="$R_BUILD" -v c="$R_SAVE" 'BEGIN{printf "%.2f", a+b+c}')
}
record() { # W STRATEGY SCENARIO REP
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$R_RESTORE" "$R_BUILD" "$R_SAVE" "$R_TOTAL" "$R_BYTES" "${R_RSS:--}" "${R_MOVED:--}" "${R_NEWLAYERS:--}" "${R_EXPORTED:--}" "${R_WRITTEN:--}" \
    "${R_CIRESTORE:--}" "${R_CIDOWN:--}" "${R_CISAVE:--}" "${R_CIUP:--}" "${R_LOADED:--}" "${R_IMAGE:--}" >> "$RESULTS"
  say "$1 $2 $3 #$4: restore $R_RESTORE build $R_BUILD save $R_SAVE total $R_TOTAL bytes $R_BYTES rss ${R_RSS:--}MB${R_CIRESTORE:+ ci-restore $R_CIRESTORE s ${R_CIDOWN} B ci-save $R_CISAVE s ${R_CIUP} B}"
}
# A CI run on a fresh runner, with the cache state copied from $primed (the CI's cache restore).
# The CI's own cache step (actions/cache: tar + zstd -T0), for the strategies whose cache is a
# path on the runner: restore = download + extract the archive; save = tar + compress + upload,
# skipped when the key exists. The key is "<strategy>-<commit>" (restore-keys "<strategy>-"), so
# a rerun of the same commit (unchanged) finds its key and saves nothing, every new commit saves.
ci_paths() { case $1 in seed-file) echo cache.tar.gz;; lc-registry-*) ;; lc-*) echo store;; esac; }
ci_restore() { # STRATEGY RUN_DIR ARCHIVE
  R_CIRESTORE=0 R_CIDOWN=0
  [[ -f $3 ]] || return 0
  local t; t=$(now); zstd -d -q -c "$3" | tar -x -C "$2"; R_CIRESTORE=$(since "$t"); R_CIDOWN=$(stat -c %s "$3")
}
ci_save() { # STRATEGY RUN_DIR SCENARIO ARCHIVE_OUT
  R_CISAVE=0 R_CIUP=0
  [[ $3 == unchanged ]] && return 0   # the key exists: actions/cache skips the save
  local t p=(); for x in $(ci_paths "$1"); do [[ -e $2/$x ]] && p+=("$x"); done
  (( ${#p[@]} )) || return 0
  t=$(now); tar --posix -C "$2" -cf - "${p[@]}" | zstd -T0 -q -o "$4.new"; R_CISAVE=$(since "$t")
  R_CIUP=$(stat -c %s "$4.new"); mv "$4.new" "$4"
}
fresh_run() { # W STRATEGY SCENARIO REP PRIMED
  local run=$WORK/run ci=""; rm -rf "$run"; mkdir -p "$run"
  R_CIRESTORE="" R_CIDOWN="" R_CISAVE="" R_CIUP=""
  [[ -n $(ci_paths "$2") ]] && ci=$5.tar.zst
  if [[ -n $ci ]]; then ci_restore "$2" "$run" "$ci"; elif [[ -d $5 ]]; then cp -a "$5/." "$run/"; fi
  RUNNER_BASE_TAR=$BASE_TAR; [[ $3 == base ]] && RUNNER_BASE_TAR=$BASE_TAR2
  runner_start runner; export DOCKER_HOST; DOCKER_HOST=$(engine_host runner)
  PRIMED=$5; strategy_run "$2" "$run" "$(ctx "$1" "$3" "$4")" || { say "FAILED: $*; log:"; tail -20 "$run/build.log" >&2; exit 1; }
  engine_stop runner
  if [[ -n $ci ]]; then
    if [[ $3 == first ]]; then ci_save "$2" "$run" "$3" "$ci"; else ci_save "$2" "$run" "$3" "$WORK/ci-out.tar.zst"; rm -f "$WORK/ci-out.tar.zst"; fi
  fi
  record "$1" "$2" "$3" "$4"
  rm -f "$run/build.log"; [[ $3 == first ]] && { rm -rf "$5"; mkdir -p "$5"; cp -a "$run/." "$5/"; }
  rm -rf "$run"
}

T0=$(now)
BENCH_LOADAVG_START=$(cut -d' ' -f1-3 /proc/loadavg); export BENCH_LOADAVG_START
out=${BENCH_OUT:-$here/results/$(date +%Y-%m-%d)-$(hostname -s)$([[ $QUICK == 1 ]] && echo -quick || true).md}
export WORK LC LC_FORM LC_COMMIT REPS DEPS_MB QUICK W3_FILES W3_MB W4_MB LCB_ROOT
# Written after each workload too, so a long run that is cut short still leaves its tables.
write_report() {
  BENCH_SVG_PREFIX=${out%.md} python3 "$here/report.py" "$RESULTS" "$WORK/extras.md" > "$WORK/report.md"
  cp "$WORK/report.md" "$out"; cp "$RESULTS" "${out%.md}.tsv"
}
for W in $WORKLOADS; do
  STAGES=$(stages_of "$W")
  for S in $STRATEGIES; do
    case $S in
      cold)
        for r in $(seq 1 "$REPS"); do fresh_run "$W" cold unchanged "$r" /nonexistent; done;;
      warm)
        # The floor: the same engine again (a CI runner that kept its disk).
        engine_start warm; DOCKER_HOST=$(engine_host warm); export DOCKER_HOST
        $DOCKER load -q -i "$BASE_TAR" >/dev/null
        DOCKER_BUILDKIT=0 $DOCKER build --network none -t app:latest "$(ctx "$W" unchanged 0)" > "$LOG/warm-prime.log" 2>&1
        for r in $(seq 1 "$REPS"); do for sc in $(scenarios_of "$W"); do
          # The kept disk sees the base update too: the updated image replaces the tag, then back.
          [[ $sc == base ]] && $DOCKER load -q -i "$BASE_TAR2" >/dev/null
          t=$(now); DOCKER_BUILDKIT=0 $DOCKER build --network none -t app:latest "$(ctx "$W" "$sc" "$r")" > "$LOG/warm.log" 2>&1
          R_RESTORE=0 R_SAVE=0 R_BYTES=0 R_RSS="" R_MOVED="" R_NEWLAYERS="" R_EXPORTED="" R_WRITTEN="" R_LOADED="" R_IMAGE=""; R_BUILD=$(since "$t"); R_TOTAL=$R_BUILD
          record "$W" warm "$sc" "$r"
          [[ $sc == base ]] && $DOCKER load -q -i "$BASE_TAR" >/dev/null
        done; done
        engine_stop warm;;
      *)
        primed=$WORK/primed/$W-$S; rm -rf "$primed"; mkdir -p "$primed"
        # The first CI run: an empty cache (also measured: what the cache costs on a cold run).
        fresh_run "$W" "$S" first 1 "$primed"
        for r in $(seq 1 "$REPS"); do for sc in $(scenarios_of "$W"); do fresh_run "$W" "$S" "$sc" "$r" "$primed"; done; done
        rm -rf "$primed" "$primed.tar.zst";;
    esac
  done
  write_report
done
say "strategies done in $(since "$T0") s"

# ---- extras on W1: store size after 10 commits, profile of where the seconds go ----------------
if [[ " $WORKLOADS " == *" W1 "* && -z ${BENCH_NO_EXTRAS:-} ]]; then
  "$here/extras.sh" > "$WORK/extras.md" || say "extras failed"
  # The engine's own floor under each transport, beside the seeds' registry strategies (no layercache
  # in it; ~25 min at full size, so not in the quick check, where 50 MB of deps would say little).
  if [[ $QUICK != 1 ]]; then
    { echo; BENCH_REPS=$REPS DEPS_MB=$DEPS_MB BASE_TAR=$BASE_TAR "$here/floor.sh"; } >> "$WORK/extras.md" || say "floor failed"
  fi
fi
# ---- growth curves: layer bytes, entries, scopes (tables + SVG plots beside the results) -------
if [[ -z ${BENCH_NO_CURVES:-} ]]; then
  "$here/curves.sh" || say "curves failed"
fi
write_report
say "wrote $out (total $(since "$T0") s)"
