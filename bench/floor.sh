#!/usr/bin/env bash
# bench/floor.sh: what the engine itself costs in W1's changed-input runs, with no layercache in
# them: the bound under every transport a cache tool can use with this engine, against the seeds'
# registry strategies measured in the same run. Prints markdown. Standalone:
#   bench/floor.sh > floor.md          (BENCH_REPS=N, DEPS_MB=M; run.sh calls it with its own)
# Every CI run is a fresh runner (a private dockerd with the base image loaded) and one of:
#   seed:   pull the three stage images (gzip, from Distribution), build each --target with
#           --cache-from, push them (run.sh's seed-registry rows);
#   load:   `docker load` of the stage images (plain tars: the archive transport's restore), one
#           build of the target, `docker save` of the changed stages (what that transport's save
#           must export: the engine has no registry digest for a loaded layer, so a push would gzip
#           and send every layer again, moby distribution/push_v2.go);
#   pull:   pull of the stage images with plain-tar layers from Distribution (the bridge's restore:
#           the engine now knows each layer's digest), one build, push of the changed stages;
#   direct: (BuildKit) no restore: one build with --cache-from naming the registry's stage images
#           (gzip layers as a registry store keeps them, or plain tars as the bridge serves them), so
#           BuildKit fetches only the layers the build uses; then a push, and an export, of the
#           changed stages (both timed: which one is cheaper depends on how much is new).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
REPS=${BENCH_REPS:-3}
DEPS_MB=${DEPS_MB:-200}
BASE_TAR=${BASE_TAR:-$LCB_ROOT/busybox.tar}
x=$LCB_ROOT/floor; rm -rf "$x"; mkdir -p "$x"
say() { printf '[%s] floor: %s\n' "$(date +%T)" "$*" >&2; }
# Registries first: engine_stop removes the NAME directory, and with it a registry's pid file.
cleanup() { local n; for n in fgz fplain; do registry_stop "$n" 2>/dev/null || true; done; for n in fa fr; do engine_stop "$n" 2>/dev/null || true; done; }
trap cleanup EXIT
ensure_base_tar
STAGES="deps compile runtime"

base=$(w1_ctx "$x/ctx-base")
declare -A CTX=([src]=$(w1_ctx "$x/ctx-src" 1) [deps]=$(w1_ctx "$x/ctx-deps" "" 1.0.1))
# The stages whose images a save must store after each change (the rest are unchanged).
declare -A CHANGED=([src]="compile runtime" [deps]="deps compile runtime")

# Distribution pushes with plain-tar layers: curl, from a `docker save` archive (docker 20.10 form).
put_blob() { # PORT REPO FILE -> prints "digest size"
  local port=$1 repo=$2 f=$3 d n loc
  d=sha256:$(sha256sum "$f" | cut -c1-64); n=$(stat -c %s "$f")
  if ! curl -sf -o /dev/null -I "http://127.0.0.1:$port/v2/$repo/blobs/$d"; then
    loc=$(curl -sf -D - -o /dev/null -X POST "http://127.0.0.1:$port/v2/$repo/blobs/uploads/" | tr -d '\r' | awk 'tolower($1)=="location:"{print $2}')
    [[ $loc == http* ]] || loc=http://127.0.0.1:$port$loc
    curl -sf -o /dev/null -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$f" "$loc&digest=$d"
  fi
  echo "$d $n"
}
push_plain() { # PORT REPO ARCHIVE: each image of the archive as an OCI manifest with plain-tar layers, tagged by its RepoTag's tag
  local port=$1 repo=$2 dir=$x/unpacked i count tag cfg c cn l ld ln layers
  rm -rf "$dir"; mkdir -p "$dir"; tar -xf "$3" -C "$dir"
  count=$(jq length "$dir/manifest.json")
  for ((i = 0; i < count; i++)); do
    tag=$(jq -r ".[$i].RepoTags[0]" "$dir/manifest.json"); tag=${tag##*:}
    cfg=$(jq -r ".[$i].Config" "$dir/manifest.json")
    read -r c cn < <(put_blob "$port" "$repo" "$dir/$cfg")
    layers=""
    for l in $(jq -r ".[$i].Layers[]" "$dir/manifest.json"); do
      read -r ld ln < <(put_blob "$port" "$repo" "$dir/$l")
      layers+="${layers:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"$ld\",\"size\":$ln}"
    done
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[%s]}' "$c" "$cn" "$layers" > "$x/m.json"
    curl -sf -o /dev/null -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' --data-binary "@$x/m.json" "http://127.0.0.1:$port/v2/$repo/manifests/$tag"
  done
  rm -rf "$dir"
}

# The primed cache: the base commit's stage images, built once per builder, in both registries and
# as archives. Repository "classic" holds the classic builder's, "buildkit" BuildKit's (with inline
# cache metadata, as seed-registry-buildkit pushes them).
say "priming (DEPS_MB=$DEPS_MB, $REPS repetitions)"
runner_start fa; export DOCKER_HOST; DOCKER_HOST=$(engine_host fa)
registry_start fgz "$x/reg-gz"; gz=127.0.0.1:$(registry_port fgz)
registry_start fplain "$x/reg-plain"; plain=127.0.0.1:$(registry_port fplain)
bk_args() { [[ $1 == buildkit ]] && echo "--build-arg BUILDKIT_INLINE_CACHE=1" || true; }
bk_env() { [[ $1 == buildkit ]] && echo 1 || echo 0; }
for b in classic buildkit; do
  for s in $STAGES; do
    # shellcheck disable=SC2046
    DOCKER_BUILDKIT=$(bk_env $b) $DOCKER build -q --network none $(bk_args $b) --target "$s" -t "$gz/$b:$s" "$base" >/dev/null
    $DOCKER tag "$gz/$b:$s" "$b:$s"
    $DOCKER push -q "$gz/$b:$s" >/dev/null
  done
  # shellcheck disable=SC2046
  $DOCKER save $(for s in $STAGES; do echo "$b:$s"; done) -o "$x/$b.tar"
  push_plain "$(registry_port fplain)" "$b" "$x/$b.tar"
done
stage_bytes=$(stat -c %s "$x/classic.tar")
engine_stop fa

declare -A T
add() { T[$1]+="$2 "; }
from_args() { # PREFIX: --cache-from for every stage image
  local s; for s in $STAGES; do echo "--cache-from $1$s"; done
}
build() { # BUILDER CONTEXT CACHE_FROM_PREFIX [--target S]: the one build of the target a cache tool runs
  local b=$1 c=$2 p=$3; shift 3
  # shellcheck disable=SC2046
  DOCKER_BUILDKIT=$(bk_env $b) $DOCKER build -q --network none $(bk_args $b) $(from_args "$p") "$@" -t app:latest "$c"
}
stage_ids() { # BUILDER SCENARIO PREFIX: the changed stages' images (outside the timings: the target build tags no stages)
  local s; for s in ${CHANGED[$2]}; do build "$1" "${CTX[$2]}" "$3" --target "$s"; done
}

run() { # BUILDER SCENARIO TRANSPORT REP: one CI run on a fresh runner
  local b=$1 sc=$2 tr=$3 r=$4 k="$1 $2 $3" c=${CTX[$2]} t s ids
  runner_start fr; DOCKER_HOST=$(engine_host fr)
  case $tr in
    seed)
      t=$(now); for s in $STAGES; do $DOCKER pull -q "$gz/$b:$s" >/dev/null; done; add "$k restore" "$(since "$t")"
      t=$(now)
      # Tagged as the seed tags them, so the next --target finds this stage's new image under its --cache-from name.
      for s in $STAGES; do build "$b" "$c" "$gz/$b:" --target "$s" -t "$gz/$b:$s" >/dev/null; done
      add "$k build" "$(since "$t")"
      # Pushed under other tags, so every run restores the primed images.
      for s in $STAGES; do $DOCKER tag "$gz/$b:$s" "$gz/$b:$s-$sc$r"; done
      t=$(now); for s in $STAGES; do $DOCKER push -q "$gz/$b:$s-$sc$r" >/dev/null; done; add "$k save" "$(since "$t")";;
    load)
      t=$(now); $DOCKER load -q -i "$x/$b.tar" >/dev/null; add "$k restore" "$(since "$t")"
      t=$(now); build "$b" "$c" "$b:" >/dev/null; add "$k build" "$(since "$t")"
      ids=$(stage_ids "$b" "$sc" "$b:")
      # shellcheck disable=SC2086
      t=$(now); $DOCKER save $ids | wc -c > "$x/exported-$b-$sc"; add "$k save" "$(since "$t")";;
    pull|direct-gz|direct-plain)
      local reg=$plain prefix="$b:"
      case $tr in
        pull)
          t=$(now); for s in $STAGES; do $DOCKER pull -q "$plain/$b:$s" >/dev/null; done; add "$k restore" "$(since "$t")"
          for s in $STAGES; do $DOCKER tag "$plain/$b:$s" "$b:$s"; done;;
        direct-gz) add "$k restore" 0; reg=$gz; prefix="$gz/$b:";;
        direct-plain) add "$k restore" 0; prefix="$plain/$b:";;
      esac
      t=$(now); build "$b" "$c" "$prefix" >/dev/null; add "$k build" "$(since "$t")"
      ids=$(stage_ids "$b" "$sc" "$prefix")
      local i=0; for s in $ids; do i=$((i + 1)); $DOCKER tag "$s" "$reg/$b:new$i-$sc$r"; done
      t=$(now); for ((s = 1; s <= i; s++)); do $DOCKER push -q "$reg/$b:new$s-$sc$r" >/dev/null; done; add "$k save" "$(since "$t")"
      if [[ $tr == direct-* ]]; then
        # The other save after a direct build: the export (the push gzips every new layer in the engine).
        # shellcheck disable=SC2086
        t=$(now); $DOCKER save $ids | wc -c > /dev/null; add "$k save-export" "$(since "$t")"
      fi;;
  esac
  engine_stop fr
}

RUNS=("classic src seed" "classic src load" "classic src pull"
      "buildkit src seed" "buildkit src load" "buildkit src pull" "buildkit src direct-gz" "buildkit src direct-plain"
      "buildkit deps seed" "buildkit deps load" "buildkit deps pull" "buildkit deps direct-gz" "buildkit deps direct-plain")
for ((r = 1; r <= REPS; r++)); do
  for spec in "${RUNS[@]}"; do
    say "repetition $r: $spec"
    # shellcheck disable=SC2086
    run $spec "$r"
  done
done

med() { median <<<"${T[$1]}"; }
total() { awk -v a="$(med "$1 restore")" -v b="$(med "$1 build")" -v c="$(med "$1 ${2:-save}")" 'BEGIN{printf "%.2f", a+b+c}'; }
mb() { awk -v b="$1" 'BEGIN{printf "%.1f MB", b/1e6}'; }
describe() {
  case $1 in
    seed) echo "seed-registry: \`docker pull\` of gzip layers, a build per stage, \`docker push\`";;
    load) echo "archive: \`docker load\` of plain tars, one build, \`docker save\` of the changed stages ($(mb "$(cat "$x/exported-$2-$3")"))";;
    pull) echo "bridge: \`docker pull\` of plain tars, one build, \`docker push\` of the changed stages";;
    direct-gz) echo "BuildKit --cache-from a registry of gzip layers (a registry store), no restore; one build, \`docker $4\` of the changed stages";;
    direct-plain) echo "BuildKit --cache-from a registry of plain tars (what the bridge serves), no restore; one build, \`docker $4\` of the changed stages";;
  esac
}
seed=$(total "classic src seed"); limit=$(awk -v s="$seed" 'BEGIN{printf "%.2f", 0.8*s}')
echo "## The engine's floor (W1, $(( 2 * DEPS_MB )) MB of deps; median of $REPS, fresh runners)"
echo
echo "No layercache in these rows: the engine's own work for each transport a cache tool has with dockerd"
echo "$(dockerd --version | awk '{print $3}' | tr -d ,), on the same stage images ($(mb "$stage_bytes") as a \`docker save\` archive). A cache tool adds its"
echo "own start, planning and I/O on top. Issues 10 and 11's target for a source change is total <= 0.8x"
echo "seed-registry-classic: $limit s in this run."
echo
echo "| builder | change | transport | restore s | build s | save s | total s | vs seed-registry-classic | vs seed-registry, same builder |"
echo "|---|---|---|---:|---:|---:|---:|---:|---:|"
row() { # SPEC SAVE_KEY SAVE_WORD
  local b sc tr tot same
  read -r b sc tr <<<"$1"
  tot=$(total "$1" "$2"); same=$(total "$b $sc seed")
  printf '| %s | %s | %s | %.2f | %.2f | %.2f | %s | %s | %s |\n' "$b" "$sc" "$(describe "$tr" "$b" "$sc" "$3")" \
    "$(med "$1 restore")" "$(med "$1 build")" "$(med "$1 $2")" "$tot" \
    "$([[ $sc == src ]] && awk -v a="$tot" -v b="$seed" 'BEGIN{printf "%.2fx", a/b}')" \
    "$(awk -v a="$tot" -v b="$same" 'BEGIN{printf "%.2fx", a/b}')"
}
for spec in "${RUNS[@]}"; do
  row "$spec" save push
  [[ $spec == *direct-* ]] && row "$spec" save-export save
done
echo
echo "A restore by \`docker load\` with the save of a push is not a transport: the push would send every"
echo "loaded layer again. So the least a source change can cost with this engine is the smaller of the"
echo "archive and bridge totals of its builder."
