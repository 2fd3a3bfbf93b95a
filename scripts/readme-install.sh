#!/usr/bin/env bash
# Prints the README's install command for a channel, exactly as written in its Install table:
#   scripts/readme-install.sh layercache-linux-x64 | dotnet tool | docker build
# (the first table row whose command contains the words given). Tests and make dist-check run it
# as it is, so the README's commands are the ones that are tested.
set -euo pipefail
cd "$(dirname "$0")/.."
want="$*"
awk -v want="$want" '
  /^## Install/ { on = 1; next }
  /^## / { on = 0 }
  on && /^\|/ {
    n = split($0, cells, "|")
    cmd = cells[3]
    if (index(cmd, want) == 0) next
    gsub(/^ *`|` *$/, "", cmd)
    print cmd
    exit
  }' README.md | grep . || { echo "readme-install: no Install row for '$want'" >&2; exit 1; }
