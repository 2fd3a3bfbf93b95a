#!/usr/bin/env bash
# The demo: what layercache will cache for the example app (the stage graph).
set -euo pipefail
layercache=${1:?path to the layercache binary}
cd "$(dirname "$0")/.."
echo "== layercache stages -f examples/multistage/Dockerfile examples/multistage"
"$layercache" stages -f examples/multistage/Dockerfile examples/multistage
echo
echo "== the same as JSON"
"$layercache" stages -f examples/multistage/Dockerfile --format json examples/multistage
