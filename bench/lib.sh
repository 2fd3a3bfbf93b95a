# bench/lib.sh: private engines (fresh CI runners), a private Distribution registry, timing.
# Sourced by bench/run.sh. Everything lives under $LCB_ROOT (a short /tmp path: socket paths
# must stay < 100 chars).
LCB_ROOT=${LCB_ROOT:-/tmp/lcb}
DOCKER=/usr/bin/docker            # 20.10 client: classic and DOCKER_BUILDKIT=1 builds
export LAYERCACHE_DOCKER=$DOCKER

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.2f", b-a}'; }
# median: of the numbers on stdin (whitespace-separated).
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# w1_ctx DIR [SRC_CHANGE] [DEPS_CHANGE]: a W1 build context at DIR with $DEPS_MB per dependency step,
# a source change and a dependency change appended when given; prints DIR.
w1_ctx() {
  cp -a "$(dirname "${BASH_SOURCE[0]}")/workloads/W1" "$1"
  sed -i "s/^ARG DEPS_MB=.*/ARG DEPS_MB=$DEPS_MB/" "$1/Dockerfile"
  [[ -n ${2:-} ]] && echo "change $2" >> "$1/src/main.txt"
  [[ -n ${3:-} ]] && echo "newdep $3" >> "$1/deps.lock"
  echo "$1"
}

# engine_start NAME: a fresh dockerd (own data root, exec root, pidfile, socket, containerd,
# bridge on a free link-local /24). Never --bridge=none (dockerd would delete the host's docker0).
engine_start() {
  local name=$1 dir="$LCB_ROOT/$1" n bridge="" used
  engine_stop "$name" 2>/dev/null || true
  mkdir -p "$dir"
  used=$(ip -4 -o addr show)
  for n in $(seq 130 168); do
    grep -q "169\.254\.$n\." <<<"$used" && continue
    if ip link add "lcb$n" type bridge 2>/dev/null; then bridge="lcb$n"; break; fi
  done
  [[ -n "$bridge" ]] || { echo "bench: no free bridge" >&2; return 1; }
  ip addr add "169.254.$n.1/24" dev "$bridge"
  ip link set "$bridge" up
  echo "$bridge" > "$dir/bridge"
  echo '{}' > "$dir/daemon.json"
  containerd --root "$dir/containerd" --state "$dir/cs" --address "$dir/containerd.sock" \
    > "$dir/containerd.log" 2>&1 &
  echo $! > "$dir/containerd.pid"
  for _ in $(seq 1 50); do [[ -S "$dir/containerd.sock" ]] && break; sleep 0.1; done
  dockerd --config-file "$dir/daemon.json" --data-root "$dir/data" --exec-root "$dir/exec" \
    --pidfile "$dir/dockerd.pid" -H "unix://$dir/docker.sock" --containerd "$dir/containerd.sock" \
    --iptables=false --ip-masq=false --bridge="$bridge" > "$dir/dockerd.log" 2>&1 &
  echo $! > "$dir/dockerd.bgpid"
  for _ in $(seq 1 150); do
    DOCKER_HOST="unix://$dir/docker.sock" $DOCKER version >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "bench: dockerd $name did not start" >&2; tail -20 "$dir/dockerd.log" >&2; return 1
}
engine_host() { echo "unix://$LCB_ROOT/$1/docker.sock"; }

engine_stop() {
  local dir="$LCB_ROOT/$1" pid f
  [[ -d "$dir" ]] || return 0
  for f in dockerd.bgpid containerd.pid; do
    if [[ -f "$dir/$f" ]] && pid=$(cat "$dir/$f") && kill "$pid" 2>/dev/null; then
      for _ in $(seq 1 75); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
  { grep -o " $dir/[^ ]*" /proc/mounts || true; } | sort -r | while read -r m; do umount -R "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
  [[ -f "$dir/bridge" ]] && ip link delete "$(cat "$dir/bridge")" 2>/dev/null || true
  rm -rf "$dir"
}

# A fresh runner with the pinned base image loaded.
runner_start() {
  engine_start "$1" || return 1
  DOCKER_HOST=$(engine_host "$1") $DOCKER load -q -i "${RUNNER_BASE_TAR:-$BASE_TAR}" >/dev/null
}

# registry_start NAME STORAGE_DIR: Distribution 2.8 on 127.0.0.1:PORT (port printed to NAME/port).
registry_start() {
  local name=$1 storage=$2 dir="$LCB_ROOT/$1" port
  mkdir -p "$dir" "$storage"
  port=$(( 15000 + RANDOM % 5000 ))
  while ss -ltn | grep -q ":$port "; do port=$(( 15000 + RANDOM % 5000 )); done
  cat > "$dir/config.yml" <<CFG
version: 0.1
log: {level: error}
storage:
  filesystem: {rootdirectory: $storage}
  delete: {enabled: true}
http: {addr: 127.0.0.1:$port}
CFG
  /usr/bin/docker-registry serve "$dir/config.yml" > "$dir/registry.log" 2>&1 &
  echo $! > "$dir/registry.pid"
  echo "$port" > "$dir/port"
  for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/v2/" >/dev/null && return 0; sleep 0.1; done
  echo "bench: registry did not start" >&2; cat "$dir/registry.log" >&2; return 1
}
registry_port() { cat "$LCB_ROOT/$1/port"; }
registry_stop() {
  local dir="$LCB_ROOT/$1" pid
  [[ -f "$dir/registry.pid" ]] && pid=$(cat "$dir/registry.pid") && kill "$pid" 2>/dev/null && \
    { for _ in $(seq 1 25); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done; }
  rm -rf "$dir"
}

# The pinned base image: busybox-static in an image of its own, saved once.
ensure_base_tar() {
  [[ -f "$BASE_TAR" ]] && return 0
  local t; for t in /tmp/layercache-test-images/busybox*.tar; do [[ -f "$t" ]] && tar -xOf "$t" manifest.json | grep -q "busybox:latest" && { cp "$t" "$BASE_TAR"; return 0; }; done
  engine_start base
  local ctx; ctx=$(mktemp -d); cp /bin/busybox "$ctx/"
  printf 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox","--install","-s","/bin"]\n' > "$ctx/Dockerfile"
  DOCKER_HOST=$(engine_host base) DOCKER_BUILDKIT=0 $DOCKER build -q --network none -t busybox:latest "$ctx" >/dev/null
  DOCKER_HOST=$(engine_host base) $DOCKER save busybox:latest -o "$BASE_TAR"
  rm -rf "$ctx"; engine_stop base
}

# The base image after an upstream update: the same tag (busybox:latest), one more layer.
ensure_base_tar2() {
  [[ -f "$BASE_TAR2" ]] && return 0
  local ctx; ctx=$(mktemp -d)
  RUNNER_BASE_TAR=$BASE_TAR runner_start base2
  printf 'FROM busybox:latest\nRUN echo "base update 2" > /etc/base-release\n' > "$ctx/Dockerfile"
  DOCKER_HOST=$(engine_host base2) DOCKER_BUILDKIT=0 $DOCKER build -q --network none -t busybox:latest "$ctx" >/dev/null
  DOCKER_HOST=$(engine_host base2) $DOCKER save busybox:latest -o "$BASE_TAR2"
  rm -rf "$ctx"; engine_stop base2
}
