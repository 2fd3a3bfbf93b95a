#!/bin/sh
# "Bundles" the frontend assets.
set -eu
out=$1
mkdir -p "$out"
sleep 3 # stands for the bundler's time
for f in frontend/*.txt; do
  gzip -c "$f" > "$out/$(basename "$f").gz"
done
