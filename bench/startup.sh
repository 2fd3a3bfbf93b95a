#!/usr/bin/env bash
# bench/startup.sh: the fixed cost of a cached no-op `layercache build` against `docker build`
# alone, on W2 (examples/multistage), one private engine with everything already built.
# Each round runs, back to back: `docker build` alone, then `layercache build` once per variant
# (interleaved, so machine load hits every column alike); medians over BENCH_STARTUP_ROUNDS.
#   bench/startup.sh [LABEL=DIR[:ENV=V,ENV=V] ...]
#     DIR: a layercache build output directory (bin/Release/net10.0 or a publish dir);
#     ENV: extra environment for that variant (e.g. DOTNET_TieredPGO=0).
#   Default: LC=src/LayerCache.Cli/bin/Release/net10.0. Prints a markdown table.
#   BENCH_STARTUP_ROUNDS=N (default 9), BENCH_STARTUP_BUILDER=0|1 (DOCKER_BUILDKIT, default 0).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); repo=$(dirname "$here")
export LCB_ROOT=${LCB_ROOT:-/tmp/lcb-startup}
source "$here/lib.sh"
BASE_TAR=$LCB_ROOT/busybox.tar
ROUNDS=${BENCH_STARTUP_ROUNDS:-9}
BK=${BENCH_STARTUP_BUILDER:-0}
(( $# )) || set -- "lc=$repo/src/LayerCache.Cli/bin/Release/net10.0"
W=$LCB_ROOT/w; rm -rf "$W"; mkdir -p "$W"
trap 'engine_stop su 2>/dev/null || true' EXIT
ensure_base_tar >/dev/null
labels=(); dirs=(); envs=()
for v in "$@"; do
  l=${v%%=*}; rest=${v#*=}; d=${rest%%:*}; e=""; [[ $rest == *:* ]] && e=${rest#*:}
  mkdir -p "$W/bin"; cp -a "$d" "$W/bin/$l"
  labels+=("$l"); dirs+=("$W/bin/$l"); envs+=("${e//,/ }")
done
cp -a "$here/workloads/W2" "$W/ctx"
runner_start su; export DOCKER_HOST; DOCKER_HOST=$(engine_host su)
# Prime: the first run builds and saves; each variant then has the same no-op to do.
DOCKER_BUILDKIT=$BK "${dirs[0]}/layercache" build --cache "dir:$W/store" --scope bench/main --keep current \
  -t app:latest "$W/ctx" -- --network none > "$W/prime.log" 2>&1
lc_run() { # DIR ENV: CPU seconds (user + sys, children included: docker CLI, git) in $W/cpu
  /usr/bin/time -f "%U %S" -o "$W/cpu" env DOCKER_BUILDKIT=$BK $2 "$1/layercache" build --cache "dir:$W/store" --scope bench/main --keep current \
    -t app:latest "$W/ctx" -- --network none > "$W/run.log" 2>&1
}
# One warm-up round (page cache, first JIT of the host's dotnet).
DOCKER_BUILDKIT=$BK $DOCKER build --network none -t app:latest "$W/ctx" >/dev/null 2>&1
for i in "${!labels[@]}"; do lc_run "${dirs[$i]}" "${envs[$i]}"; done
: > "$W/times"
for r in $(seq 1 "$ROUNDS"); do
  t=$(now); DOCKER_BUILDKIT=$BK /usr/bin/time -f "%U %S" -o "$W/cpu" $DOCKER build --network none -t app:latest "$W/ctx" >/dev/null 2>&1; echo "docker $(since "$t")" >> "$W/times"
  echo "cpu-docker $(awk '{printf "%.2f", $1 + $2}' "$W/cpu")" >> "$W/times"
  t=$(now); "${dirs[0]}/layercache" --version >/dev/null; echo "version $(since "$t")" >> "$W/times"
  for i in "${!labels[@]}"; do
    t=$(now); lc_run "${dirs[$i]}" "${envs[$i]}"; echo "${labels[$i]} $(since "$t")" >> "$W/times"
    echo "cpu-${labels[$i]} $(awk '{printf "%.2f", $1 + $2}' "$W/cpu")" >> "$W/times"
  done
done
python3 - "$W/times" "$ROUNDS" "$BK" "${labels[@]}" <<'PY'
import statistics, sys
times, rounds, bk, labels = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
t = {}
for line in open(times):
    k, v = line.split(); t.setdefault(k, []).append(float(v))
d = statistics.median(t["docker"])
print(f"W2 no-op (everything cached, engine warm), DOCKER_BUILDKIT={bk}, median of {rounds} interleaved rounds\n")
print("Wall seconds depend on the load of the shared machine; CPU seconds (user + sys of the process and its children: the docker CLI, git) much less.\n")
print("| command | median wall s | min s | max s | above `docker build` s (median) | CPU s (median) | CPU above `docker build` s |")
print("|---|---:|---:|---:|---:|---:|---:|")
dc = statistics.median(t["cpu-docker"])
print(f"| `docker build` alone | {d:.2f} | {min(t['docker']):.2f} | {max(t['docker']):.2f} | - | {dc:.2f} | - |")
v = t["version"]; print(f"| `layercache --version` (process start only) | {statistics.median(v):.2f} | {min(v):.2f} | {max(v):.2f} | - | | |")
for l in labels:
    m = statistics.median(t[l]); c = statistics.median(t["cpu-" + l])
    print(f"| `layercache build` ({l}) | {m:.2f} | {min(t[l]):.2f} | {max(t[l]):.2f} | {m-d:+.2f} | {c:.2f} | {c-dc:+.2f} |")
PY
