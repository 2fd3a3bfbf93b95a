#!/bin/sh
# Generates a node_modules-like tree: FILES small files (MB megabytes in all, sizes spread
# 0.25x-1.75x around the mean) in packages of 25 files, text that compresses like JavaScript,
# seeded from package-lock.json and KIND (a changed lockfile changes every file). One awk process
# writes every file, so a tree of 40,000 files takes seconds, not minutes.
set -eu
kind=$1 files=$2 mb=$3 out=$4
seed=$(cat package-lock.json "$0" | md5sum | cut -c1-8)
pkgs=$(( (files + 24) / 25 ))
mkdir -p "$out"
i=1; while [ "$i" -le "$pkgs" ]; do echo "$out/pkg$i/lib"; i=$((i + 1)); done | xargs mkdir -p
awk -v seed="$((0x$seed))" -v kind="$kind" -v files="$files" -v bytes="$((mb * 1048576))" -v out="$out" 'BEGIN {
  srand(seed);
  split("const let var function return import export from default class extends new this if else for while switch case break continue try catch finally throw async await yield typeof instanceof null undefined true false module require exports prototype length push map filter reduce then resolve reject promise object string number array buffer stream event emitter listener callback error warning options config value key index result data", w, " ");
  # 256 KiB of text built as 8 pieces of 32 KiB: appending line by line to one big string
  # copies it every time (quadratic; minutes for busybox awk).
  n = length(w); chunk = "";
  for (k = 0; k < 8; k++) {
    piece = "";
    while (length(piece) < 32768) {
      piece = piece "  " w[int(rand()*n)+1] " " w[int(rand()*n)+1] "_" int(rand()*1000) " = " w[int(rand()*n)+1] "(" int(rand()*100000) ", \"" kind w[int(rand()*n)+1] "\");\n";
    }
    chunk = chunk piece;
  }
  mean = bytes / files; clen = length(chunk);
  for (i = 1; i <= files; i++) {
    p = int((i - 1) / 25) + 1;
    f = out "/pkg" p "/lib/file" i ".js";
    size = int(mean * (0.25 + 1.5 * rand()));
    printf "// %s pkg%d file%d %d\n", kind, p, i, seed > f;
    while (size > 0) {
      off = int(rand() * (clen - 4096)) + 1; len = size < 65536 ? size : 65536;
      if (off + len > clen) len = clen - off;
      printf "%s", substr(chunk, off, len) > f; size -= len;
    }
    close(f);
  }
}'
