#!/usr/bin/env bash
# make dist-measure: size and start-up of each form layercache ships in (and of the forms it does not:
# the framework-dependent build and a trimmed single-file linux-x64, the alternative to NativeAOT),
# as a Markdown table in bench/results/<date>-dist.md. Start-up is the median wall time of N runs of
# `layercache --version` and of `layercache stages examples/multistage` (parses the Dockerfile, no engine).
#   scripts/dist-measure.sh [artifacts/dist] [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
dist=${1:-artifacts/dist}
runs=${2:-11}
stage=$dist/obj
project=src/LayerCache.Cli/LayerCache.Cli.csproj
common=(-c Release -nologo -v quiet --artifacts-path "$stage/build" -p:CopyOutputSymbolsToPublishDirectory=false
        -p:PublishDocumentationFiles=false -p:PublishReferencesDocumentationFiles=false)

# The comparison forms: built here, never shipped.
[[ $stage/fdd/layercache -nt $dist/layercache-linux-x64 ]] || dotnet publish "$project" "${common[@]}" -o "$stage/fdd"
[[ $stage/linux-x64/layercache -nt $dist/layercache-linux-x64 ]] || DIST_VARIANTS=linux-x64-singlefile scripts/dist.sh "$dist"

median_ms() { # command...: median wall time of $runs runs, in ms
  local times=() i start
  "$@" >/dev/null 2>&1 || { echo "dist-measure: '$*' failed" >&2; return 1; }
  for ((i = 0; i < runs; i++)); do
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1
    times+=($(( ($(date +%s%N) - start) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}
peak_mb() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1 | awk '{ printf "%.0f", $1 / 1024 }'; }
size_mb() { du -sb "$1" | awk '{ printf "%.1f", $1 / 1048576 }'; }

example=examples/multistage
rows=()
row() { # label, size path, binary
  local label=$1 sized=$2 bin=$3
  rows+=("| $label | $(size_mb "$sized") | $(median_ms "$bin" --version) | $(median_ms "$bin" stages "$example") | $(peak_mb "$bin" stages "$example") |")
}
row "framework-dependent (\`dotnet tool\`; needs the .NET 10 runtime; size of the directory)" "$stage/fdd" "$stage/fdd/layercache"
row "self-contained single-file, trimmed, compressed, linux-x64 (not shipped)" "$stage/linux-x64/layercache" "$stage/linux-x64/layercache"
row "**NativeAOT linux-x64** (\`layercache-linux-x64\`)" "$dist/layercache-linux-x64" "$dist/layercache-linux-x64"
rows+=("| self-contained single-file, trimmed, compressed, linux-musl-x64 (\`layercache-linux-musl-x64\`) | $(size_mb "$dist/layercache-linux-musl-x64") | Alpine only | | |")
rows+=("| self-contained single-file, trimmed, compressed, linux-arm64 (\`layercache-linux-arm64\`) | $(size_mb "$dist/layercache-linux-arm64") | arm64 only | | |")
[[ -f $(ls "$dist"/layercache.*.nupkg 2>/dev/null | head -1) ]] && rows+=("| dotnet tool package (\`$(basename "$(ls "$dist"/layercache.*.nupkg | head -1)")\`) | $(size_mb "$(ls "$dist"/layercache.*.nupkg | head -1)") | as framework-dependent | | |")

out=bench/results/$(date -u +%Y-%m-%d)-dist.md
{
  echo "# layercache: size and start-up of each distribution form"
  echo
  echo "- $(date -u '+%Y-%m-%d %H:%M UTC'); commit $(git rev-parse --short HEAD); $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) (shared machine: start-up times are noisy)"
  echo "- dotnet $(dotnet --version); median of $runs runs; peak RSS of \`stages\`"
  echo
  echo "| form | size MB | \`--version\` ms | \`stages\` ms | \`stages\` peak RSS MB |"
  echo "|---|---:|---:|---:|---:|"
  printf '%s\n' "${rows[@]}"
} > "$out"
cat "$out"
echo "dist-measure: $out" >&2
