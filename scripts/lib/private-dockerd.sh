# Private Docker engines for the demo: each is a fresh "CI runner" with its own data root,
# exec root, socket, containerd and bridge (never --bridge=none: dockerd would then delete the
# host's docker0). Source this file; call lc_dockerd_start NAME, then lc_dockerd_stop NAME.

LC_DOCKERD_ROOT=${LC_DOCKERD_ROOT:-/tmp/layercache-demo}

lc_dockerd_start() {
  local name=$1 dir="$LC_DOCKERD_ROOT/$1" n bridge
  lc_dockerd_stop "$name" 2>/dev/null || true
  mkdir -p "$dir"
  # Pick a free bridge name and link-local /24: `ip link add` fails if another engine holds it.
  for n in $(seq 200 250); do
    bridge="lcdemo$n"
    if ip link add "$bridge" type bridge 2>/dev/null; then break; fi
    bridge=""
  done
  [[ -n "$bridge" ]] || { echo "demo: no free bridge name" >&2; return 1; }
  ip addr add "169.254.$n.1/24" dev "$bridge"
  ip link set "$bridge" up
  echo "$bridge" > "$dir/bridge"
  echo '{}' > "$dir/daemon.json"
  containerd --root "$dir/containerd" --state "$dir/containerd-state" \
    --address "$dir/containerd.sock" > "$dir/containerd.log" 2>&1 &
  echo $! > "$dir/containerd.pid"
  for _ in $(seq 1 50); do [[ -S "$dir/containerd.sock" ]] && break; sleep 0.1; done
  dockerd --config-file "$dir/daemon.json" --data-root "$dir/data" --exec-root "$dir/exec" \
    --pidfile "$dir/dockerd.pid" -H "unix://$dir/docker.sock" --containerd "$dir/containerd.sock" \
    --iptables=false --ip-masq=false --bridge="$bridge" > "$dir/dockerd.log" 2>&1 &
  for _ in $(seq 1 100); do
    DOCKER_HOST="unix://$dir/docker.sock" /usr/bin/docker version >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "demo: dockerd $name did not start; its log:" >&2
  tail -20 "$dir/dockerd.log" >&2
  return 1
}

lc_dockerd_host() { echo "unix://$LC_DOCKERD_ROOT/$1/docker.sock"; }

lc_dockerd_stop() {
  local dir="$LC_DOCKERD_ROOT/$1" pid
  [[ -d "$dir" ]] || return 0
  for f in dockerd.pid containerd.pid; do
    if [[ -f "$dir/$f" ]] && pid=$(cat "$dir/$f") && kill "$pid" 2>/dev/null; then
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
  { grep -o " $dir[^ ]*" /proc/mounts || true; } | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  [[ -f "$dir/bridge" ]] && ip link delete "$(cat "$dir/bridge")" 2>/dev/null || true
  rm -rf "$dir"
}
