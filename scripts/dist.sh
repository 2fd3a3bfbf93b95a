#!/usr/bin/env bash
# make dist: the release files, under artifacts/dist/ (or $1):
#   layercache-linux-x64         NativeAOT (glibc >= 2.34), starts in ~0.03 s
#   layercache-linux-musl-x64    self-contained single-file, trimmed, compressed (Alpine)
#   layercache-linux-arm64       self-contained single-file, trimmed, compressed
#   layercache.<version>.nupkg   the dotnet tool (framework-dependent, needs the .NET 10 runtime)
#   image/                       the container image's build context (packaging/Dockerfile)
#   SHA256SUMS                   sha256sum -c format, for every file above but image/
# No runtime version is named anywhere: the SDK picks its own runtime packs.
# Trim and AOT analysis warnings are errors (TreatWarningsAsErrors), so a publish that would
# trim away something the code uses fails here instead of at a user's.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-artifacts/dist}
dotnet=${DOTNET:-dotnet}
project=src/LayerCache.Cli/LayerCache.Cli.csproj
stage=$out/obj
mkdir -p "$out" "$stage"

variants=${DIST_VARIANTS:-"linux-x64 linux-musl-x64 linux-arm64 tool image"}

# NativeAOT links with the platform's C toolchain: clang, else Debian's clang-14.
cc=$(command -v clang || command -v clang-14 || true)
if [[ -z "$cc" && " $variants " == *" linux-x64 "* ]]; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "dist: installing clang and zlib1g-dev for NativeAOT" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang zlib1g-dev >/dev/null
    cc=$(command -v clang)
  else
    echo "dist: NativeAOT needs clang (Debian: apt-get install clang zlib1g-dev)" >&2
    exit 1
  fi
fi

# Symbols and XML docs stay out of the release files; the single file is what ships. The builds go to
# a tree of their own (--artifacts-path), so a dist never rewrites the bin/ and obj/ that tests run.
common=(-c Release -nologo -v quiet --artifacts-path "$stage/build" -p:CopyOutputSymbolsToPublishDirectory=false
        -p:PublishDocumentationFiles=false -p:PublishReferencesDocumentationFiles=false)

publish_single_file() { # RID [ship]: self-contained, single file, trimmed, compressed
  local rid=$1 ship=${2:-ship}
  "$dotnet" publish "$project" "${common[@]}" -r "$rid" --self-contained \
    -p:PublishSingleFile=true -p:PublishTrimmed=true -p:EnableCompressionInSingleFile=true \
    -o "$stage/$rid"
  [[ $ship == ship ]] && cp "$stage/$rid/layercache" "$out/layercache-$rid"
  return 0
}

publish_aot() { # RID: NativeAOT
  local rid=$1
  "$dotnet" publish "$project" "${common[@]}" -r "$rid" -p:PublishAot=true \
    -p:CppCompilerAndLinker="$cc" -o "$stage/$rid-aot"
  cp "$stage/$rid-aot/layercache" "$out/layercache-$rid"
}

for variant in $variants; do
  echo "dist: $variant" >&2
  case $variant in
    linux-x64) publish_aot linux-x64 ;;
    linux-musl-x64 | linux-arm64) publish_single_file "$variant" ;;
    # Not shipped: the trimmed single-file build this machine can run, so `make dist-check` smoke-tests
    # what trimming does to the musl and arm64 binaries (same trimming, same code).
    linux-x64-singlefile) publish_single_file linux-x64 no-ship ;;
    tool)
      rm -f "$out"/layercache.*.nupkg
      "$dotnet" pack "$project" -c Release -nologo -v quiet --artifacts-path "$stage/build" -o "$out" ;;
    image) scripts/dist-image-context.sh "$out/layercache-linux-x64" "$out/image" ;;
    *) echo "dist: unknown variant $variant" >&2; exit 2 ;;
  esac
done

shopt -s nullglob
files=()
for f in "$out"/layercache-linux-* "$out"/layercache.*.nupkg; do files+=("${f##*/}"); done
(cd "$out" && sha256sum -- "${files[@]}" > SHA256SUMS.tmp && mv SHA256SUMS.tmp SHA256SUMS)
echo "dist: ${files[*]} and SHA256SUMS in $out" >&2
