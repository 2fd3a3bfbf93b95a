#!/usr/bin/env bash
# Server throughput (issue 11): `layercache serve` against Distribution (Debian's docker-registry) on
# this machine, side by side in one run: blob pushes (POST + streamed monolithic PUT) and pulls (GET)
# of 1, 10 and 100 MB blobs by 1, 4 and 16 concurrent clients (curl), and each server's peak RSS.
# Every push round uploads content neither server has; each point runs Distribution then layercache.
#   BENCH_SERVE_SIZES="1 10 100"  BENCH_SERVE_CLIENTS="1 4 16"  BENCH_SERVE_REPS=3  BENCH_SERVE_OUT=path.md
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); repo=$(dirname "$here")
source "$here/lib.sh"

SIZES=${BENCH_SERVE_SIZES:-1 10 100}
CLIENTS=${BENCH_SERVE_CLIENTS:-1 4 16}
REPS=${BENCH_SERVE_REPS:-3}
WORK=$LCB_ROOT/serve-bench; rm -rf "$WORK"; mkdir -p "$WORK/blobs"
cp -a "$repo/src/LayerCache.Cli/bin/Release/net10.0" "$WORK/lc"
LC=$WORK/lc/layercache
LC_COMMIT=$(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet HEAD -- src || echo "+dirty")
out=${BENCH_SERVE_OUT:-$here/results/$(date +%Y-%m-%d)-$(hostname -s)-serve-throughput.md}
say() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }

LC_PID=""
cleanup() { [[ -n $LC_PID ]] && kill "$LC_PID" 2>/dev/null; registry_stop dist 2>/dev/null || true; }
trap cleanup EXIT

registry_start dist "$WORK/dist-storage"
DIST=http://127.0.0.1:$(registry_port dist)
DIST_PID=$(cat "$LCB_ROOT/dist/registry.pid")
port=$(( 20000 + RANDOM % 5000 )); while ss -ltn | grep -q ":$port "; do port=$(( 20000 + RANDOM % 5000 )); done
"$LC" serve --store "dir:$WORK/lc-store" --listen "127.0.0.1:$port" 2> "$WORK/serve.log" &
LC_PID=$!
LCS=http://127.0.0.1:$port
for _ in $(seq 1 100); do curl -sf "$LCS/v2/" >/dev/null && break; sleep 0.1; done
curl -sf "$LCS/v2/" >/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }

# blob SIZE_MB: the path of a fresh random blob (its digest beside it).
blob() {
  local f; f=$(mktemp "$WORK/blobs/$1-XXXXXX")
  head -c $(( $1 * 1048576 )) /dev/urandom > "$f"
  echo "sha256:$(sha256sum "$f" | cut -d' ' -f1)" > "$f.digest"
  echo "$f"
}
push_one() { # BASE REPO FILE
  local loc sep
  loc=$(curl -sS -f -X POST -D - -o /dev/null "$1/v2/$2/blobs/uploads/" | tr -d '\r' | awk 'tolower($1)=="location:"{print $2}')
  [[ $loc == http* ]] || loc=$1$loc
  sep='?'; [[ $loc == *\?* ]] && sep='&'
  curl -sS -f -X PUT -H 'Content-Type: application/octet-stream' -T "$3" -o /dev/null "$loc${sep}digest=$(cat "$3.digest")"
}
pull_one() { # BASE REPO FILE
  curl -sS -f -o /dev/null "$1/v2/$2/blobs/$(cat "$3.digest")"
}
# round OP BASE REPO PER_CLIENT FILE...: the clients at once, each moving PER_CLIENT of the files one
# after another (small blobs several times, so a round is not a handful of milliseconds); prints MB/s.
round() {
  local op=$1 base=$2 repo=$3 k=$4 t f i pids=() bytes=0; shift 4
  local files=("$@")
  for f in "${files[@]}"; do bytes=$(( bytes + $(stat -c %s "$f") )); done
  t=$(date +%s%N)
  for (( i = 0; i < ${#files[@]}; i += k )); do
    ( for f in "${files[@]:i:k}"; do "${op}_one" "$base" "$repo" "$f"; done ) & pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  awk -v b="$bytes" -v ns="$(( $(date +%s%N) - t ))" 'BEGIN{printf "%.1f", b / 1048576 / (ns / 1e9)}'
}

# Warm-up, not measured: both servers' first requests (connections, layercache's JIT).
warm=(); for _ in 1 2 3 4; do warm+=("$(blob 1)"); done
for base in "$DIST" "$LCS"; do round push "$base" bench/warm 1 "${warm[@]}" >/dev/null; round pull "$base" bench/warm 1 "${warm[@]}" >/dev/null; done
rm -f "${warm[@]}" "${warm[@]/%/.digest}"

rows=()
for size in $SIZES; do
  k=$(( size >= 16 ? 1 : 16 / size ))
  for c in $CLIENTS; do
    push_d="" push_l="" pull_d="" pull_l=""
    for r in $(seq 1 "$REPS"); do
      files=(); for _ in $(seq 1 $(( c * k ))); do files+=("$(blob "$size")"); done
      push_d+=" $(round push "$DIST" "bench/s$size" "$k" "${files[@]}")"
      push_l+=" $(round push "$LCS" "bench/s$size" "$k" "${files[@]}")"
      pull_d+=" $(round pull "$DIST" "bench/s$size" "$k" "${files[@]}")"
      pull_l+=" $(round pull "$LCS" "bench/s$size" "$k" "${files[@]}")"
      rm -f "${files[@]}" "${files[@]/%/.digest}"
    done
    for op in push pull; do
      d=$(eval echo "\$${op}_d" | median); l=$(eval echo "\$${op}_l" | median)
      ratio=$(awk -v a="$l" -v b="$d" 'BEGIN{printf "%.2f", a / b}')
      rows+=("| $op | $size MB | $c | $d | $l | ${ratio}x | $(awk -v x="$ratio" 'BEGIN{print (x >= 1.0 ? "yes" : "no")}') |")
      say "$op ${size}MB x$c: distribution $d MB/s, layercache $l MB/s (${ratio}x)"
    done
  done
done
rss() { awk '/VmHWM/{printf "%d MB", $2 / 1024}' "/proc/$1/status"; }
dist_rss=$(rss "$DIST_PID"); lc_rss=$(rss "$LC_PID")

{
  echo "# layercache serve vs Distribution: blob throughput"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), layercache $LC_COMMIT (framework-dependent Release build), $(docker-registry --version 2>/dev/null | head -1 || echo 'docker-registry'),"
  echo "$(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME"); both servers on 127.0.0.1, storage on the same disk."
  echo "Clients: curl, each moving its own blobs one after another (16 of 1 MB, else one; push: POST then one streamed PUT with the digest; pull: GET), after an unmeasured warm-up of both servers."
  echo "MB/s = all clients' bytes / wall time of the round; median of $REPS rounds, each push round of content new to both servers."
  echo "Distribution ran first at every point. Target (issue 11): layercache >= 1.0x Distribution at every point."
  echo
  echo "| op | blob | clients | Distribution MB/s | layercache MB/s | layercache / Distribution | >= 1.0x |"
  echo "|---|---:|---:|---:|---:|---:|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "Peak RSS over the whole run: Distribution $dist_rss, layercache serve $lc_rss."
} > "$out"
say "wrote $out"
