#!/bin/sh
# Generates MB megabytes of text that compresses like source code (about 3-4x with gzip):
# a 1 MiB chunk of pseudo-random words seeded from deps.lock and KIND, written into package
# directories of 4 MiB each with a unique header per file.
set -eu
kind=$1 mb=$2 out=$3
seed=$(cat deps.lock "$0" | md5sum | cut -c1-8)
mkdir -p "$out"
awk -v seed="$((0x$seed))" -v kind="$kind" 'BEGIN {
  srand(seed); split("const let var function return import export from default class extends new this if else for while switch case break continue try catch finally throw async await yield typeof instanceof null undefined true false module require exports prototype length push map filter reduce then resolve reject promise object string number array buffer stream event emitter listener callback error warning options config value key index result data", w, " ");
  n = length(w); size = 0; line = "";
  while (size < 1048576) {
    line = "  " w[int(rand()*n)+1] " " w[int(rand()*n)+1] "_" int(rand()*1000) " = " w[int(rand()*n)+1] "(" int(rand()*100000) ", \"" kind w[int(rand()*n)+1] "\");";
    print line; size += length(line) + 1;
  }
}' > /build/.chunk-$kind
i=1
while [ "$i" -le "$mb" ]; do
  p=$(( (i - 1) / 4 + 1 ))
  mkdir -p "$out/pkg$p"
  { echo "// $kind package $p file $i ($seed)"; cat /build/.chunk-$kind; } > "$out/pkg$p/file$i.txt"
  i=$((i + 1))
done
rm -f /build/.chunk-$kind
