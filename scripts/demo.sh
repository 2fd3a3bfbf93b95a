#!/usr/bin/env bash
# make demo: the main job end to end on the default store ($XDG_CACHE_HOME/layercache, else
# ~/.cache/layercache: outside the build context). The demo points XDG_CACHE_HOME at a scratch
# directory of its own, so that it never touches your own cache.
#   1. a fresh CI runner (a private dockerd with an empty data root) builds examples/multistage
#      cold with `layercache build`, which saves every stage into the store;
#   2. a second fresh runner (the next CI run, with the CI's file cache restored) runs the same
#      `layercache build`: every step of every stage is cached.
set -euo pipefail
layercache=${1:?path to the layercache binary}
cd "$(dirname "$0")/.."
root=$(pwd)
source scripts/lib/private-dockerd.sh

export LAYERCACHE_DOCKER=/usr/bin/docker DOCKER_BUILDKIT=${DOCKER_BUILDKIT:-1}
export XDG_CACHE_HOME=$LC_DOCKERD_ROOT/cache
unset LAYERCACHE_CACHE
store=$XDG_CACHE_HOME/layercache
trap 'lc_dockerd_stop runner-1; lc_dockerd_stop runner-2' EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

base_tar=$LC_DOCKERD_ROOT/busybox.tar
mkdir -p "$LC_DOCKERD_ROOT"

say "CI run 1: a fresh runner, an empty cache"
lc_dockerd_start runner-1
export DOCKER_HOST=$(lc_dockerd_host runner-1)
if [[ ! -f "$base_tar" ]]; then
  # No Docker Hub here: the base image is busybox-static's binary in an image of its own,
  # saved once and loaded into every runner so its id is the same everywhere (a pinned pull).
  ctx=$(mktemp -d); cp /bin/busybox "$ctx/"
  printf 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox","--install","-s","/bin"]\n' > "$ctx/Dockerfile"
  DOCKER_BUILDKIT=0 /usr/bin/docker build -q --network none -t busybox:latest "$ctx" >/dev/null
  /usr/bin/docker save busybox:latest -o "$base_tar.tmp" && mv "$base_tar.tmp" "$base_tar"
  rm -rf "$ctx"
else
  /usr/bin/docker load -q -i "$base_tar" >/dev/null
fi
rm -rf "$store"
start=$(date +%s%N)
"$layercache" build --scope demo/main --keep current -t demo-app:latest examples/multistage -- --network none 2>/tmp/layercache-demo-build1.log \
  || { tail -30 /tmp/layercache-demo-build1.log >&2; exit 1; }
cold=$(( ($(date +%s%N) - start) / 1000000 ))
lc_dockerd_stop runner-1

say "CI run 2: another fresh runner, the store ($store) restored by the CI's file cache"
lc_dockerd_start runner-2
export DOCKER_HOST=$(lc_dockerd_host runner-2)
/usr/bin/docker load -q -i "$base_tar" >/dev/null
start=$(date +%s%N)
"$layercache" build --scope demo/main --keep current -t demo-app:latest examples/multistage -- --network none 2>/tmp/layercache-demo-build2.log \
  || { tail -30 /tmp/layercache-demo-build2.log >&2; exit 1; }
warm=$(( ($(date +%s%N) - start) / 1000000 ))

say "The app built on runner 2"
/usr/bin/docker run --rm --network none demo-app:latest

say "The store: layercache ls, layercache verify"
"$layercache" ls
"$layercache" verify
echo "SUMMARY (use its checksum in the CI cache key):"; cat "$store/SUMMARY"

say "Wall time: cold run $((cold / 1000)).$((cold % 1000 / 100))s, warm run on a fresh runner $((warm / 1000)).$((warm % 1000 / 100))s (docker's output: /tmp/layercache-demo-build{1,2}.log)"
