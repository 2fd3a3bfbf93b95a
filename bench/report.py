#!/usr/bin/env python3
"""bench/report.py RESULTS.tsv EXTRAS.md: the markdown report of a bench run (stdout)."""
import os, platform, statistics, subprocess, sys
from collections import defaultdict

rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
extras = open(sys.argv[2]).read() if os.path.exists(sys.argv[2]) else ""
work = os.environ.get("WORK", "")
data = defaultdict(list)  # (w, strategy, scenario) -> rows
for r in rows:
    data[(r[0], r[1], r[2])].append(r)

def sh(cmd):
    try: return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except Exception: return "?"

def med(rs, i):
    v = [float(r[i]) for r in rs if r[i] not in ("-", "")]
    return statistics.median(v) if v else None

def fmt_b(b):
    if b is None: return "-"
    return f"{b/1048576:.1f} MB" if b >= 1048576 else f"{b/1024:.1f} KB"

STRATS = ["cold", "warm", "seed-file", "seed-registry-classic", "seed-registry-buildkit", "lc-classic", "lc-buildkit"]
SEEDS = ["seed-file", "seed-registry-classic", "seed-registry-buildkit"]
SCEN = [("first", "first CI run (empty cache; save cost on a cold build)"), ("unchanged", "unchanged rerun"),
        ("src", "one source file changed"), ("deps", "deps changed")]
out = []
p = out.append
quick = os.environ.get("QUICK") == "1"
p(f"# layercache bench{' (BENCH_QUICK)' if quick else ''}: {sh('date -u +%Y-%m-%dT%H:%MZ')}\n")
mem = sh("free -g | awk '/Mem:/{print $2}'"); fs = sh("df -T /tmp | awk 'NR==2{print $2}'")
p(f"- machine: {sh('hostname -s')}, nproc {os.cpu_count()}, memory {mem} GiB, kernel {platform.release()}, /tmp on {fs}")
p(f"- dockerd {sh('dockerd --version')}; dotnet {sh('dotnet --version')}; layercache commit {os.environ.get('LC_COMMIT','?')}; {sh('docker-registry --version 2>&1 | head -1')}; gzip {sh('gzip --version | head -1')}")
p(f"- repetitions {os.environ.get('REPS','?')} (median shown); W1 deps {2*int(os.environ.get('DEPS_MB','200'))} MB of generated text in 2 RUN steps; other engineers' tests ran concurrently, so compare ratios within this run")
p("- seconds: restore (load/pull), build, save (save/push), total = wall time of the CI run's cache+build steps (for layercache: the whole `layercache build` process, incl. startup); bytes stored = cache file / registry storage / store dir after the run; RSS = GNU time max RSS of `layercache build`; exported = bytes the engine exported to layercache's save (`docker save`, read and hashed); moved = layer bytes the save wrote (layercache report; configs and manifests are listed apart as '+ meta'); new layers = layer blobs the run added to the store, measured on disk\n")

targets = []
for w in sorted({r[0] for r in rows}):
    for sc, title in SCEN:
        present = [s for s in STRATS if data.get((w, s, "unchanged" if s == "cold" else sc))]
        if not present or not any(data.get((w, s, sc)) for s in STRATS): continue
        p(f"## {w}: {title}\n")
        p("| strategy | restore s | build s | save s | total s | bytes stored | lc peak RSS | exported / moved / new layers | vs seed-file | vs reg-classic | vs reg-buildkit |")
        p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        tot = {}
        for s in present:
            key = (w, s, "unchanged" if s == "cold" else sc)
            if sc == "first" and s in ("cold", "warm"): continue
            rs = data[key]; tot[s] = med(rs, 7)
        for s in present:
            if s not in tot: continue
            rs = data[(w, s, "unchanged" if s == "cold" else sc)]
            ratios = []
            for seed in SEEDS:
                ratios.append(f"{tot[s]/tot[seed]:.2f}x" if s.startswith("lc-") and tot.get(seed) else "")
            rss = max([int(r[9]) for r in rs if r[9] not in ("-", "")], default=None)
            meta = (med(rs,13) - med(rs,10)) if len(rs[0]) > 13 and med(rs,13) is not None and med(rs,10) is not None else None
            moved = f"{fmt_b(med(rs,12)) if len(rs[0]) > 12 else '-'} / {fmt_b(med(rs,10))}{' + ' + fmt_b(meta) + ' meta' if meta else ''} / {fmt_b(med(rs,11))}" if s.startswith("lc-") else ""
            name = s + (" (unchanged build; same for every scenario)" if s == "cold" and sc != "unchanged" else "")
            p(f"| {name} | {med(rs,4):.2f} | {med(rs,5):.2f} | {med(rs,6):.2f} | {tot[s]:.2f} | {fmt_b(med(rs,8)) if s not in ('cold','warm') else '-'} | {str(rss)+' MB' if rss else ''} | {moved} | " + " | ".join(ratios) + " |")
            if w == "W1" and s.startswith("lc-"):
                if sc == "unchanged":
                    if tot.get("seed-file"): targets.append((f"{s}: unchanged total <= 0.35x seed-file", tot[s]/tot["seed-file"], 0.35))
                    if tot.get("seed-registry-classic"): targets.append((f"{s}: unchanged total <= 1.0x seed-registry-classic", tot[s]/tot["seed-registry-classic"], 1.0))
                if sc == "src":
                    if tot.get("seed-file"): targets.append((f"{s}: one source file changed total <= 0.5x seed-file", tot[s]/tot["seed-file"], 0.5))
                    m, n = med(rs, 10), med(rs, 11)
                    if m and n: targets.append((f"{s}: one source file changed, layer bytes saved <= 1.1x changed layers ({fmt_b(m)} / {fmt_b(n)})", m/n, 1.1))
                if rss and sc in ("first", "unchanged", "deps"):
                    targets.append((f"{s}: {title}: peak RSS <= 150 MB (moving >= 400 MB of layers)", rss, 150))
        p("")
ret = ""
if work and os.path.exists(f"{work}/extras/retention"):
    ret = open(f"{work}/extras/retention").read().strip().split("=")[1]
    targets.append(("store after 10 commits with --keep current <= 1.2x one build's layers", float(ret), 1.2))
if targets:
    p("## Targets (issue 4, W1, ratios from this run)\n")
    p("| target | measured | limit | met |")
    p("|---|---:|---:|---|")
    for t, v, lim in targets:
        p(f"| {t} | {v:.3g} | {lim} | {'yes' if v <= lim else '**no**'} |")
    p("")
p(extras)
print("\n".join(out))
