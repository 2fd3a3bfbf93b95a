# layercache: the two set-up commands are `make demo` and `make test`; each installs and
# starts what it needs by itself (scripts/provision.sh, private dockerd per test fixture).
SHELL := /bin/bash
DOTNET ?= dotnet
CONFIG ?= Release
RESULTS := artifacts/test-results
LAYERCACHE := src/LayerCache.Cli/bin/$(CONFIG)/net10.0/layercache

.PHONY: all provision build test demo bench bench-serve bench-quick clean dist dist-check dist-measure

all: build

provision:
	@scripts/provision.sh

build: provision
	$(DOTNET) build LayerCache.slnx -c $(CONFIG) -nologo -v quiet

# Every test project runs against real parts: private dockerds, Distribution, skopeo.
test: build
	rm -rf $(RESULTS)
	$(DOTNET) test LayerCache.slnx -c $(CONFIG) --no-build -nologo \
	  --logger "console;verbosity=normal" --logger trx --results-directory $(RESULTS); \
	  status=$$?; scripts/test-summary.sh $(RESULTS); exit $$status

demo: build
	scripts/demo.sh $(LAYERCACHE)

bench: build
	bench/run.sh
	bench/serve-throughput.sh

# layercache serve against Distribution: blob throughput and peak RSS (part of make bench).
bench-serve: build
	bench/serve-throughput.sh

# Release files under artifacts/dist/ (scripts/dist.sh): NativeAOT linux-x64, trimmed single-file
# linux-musl-x64 and linux-arm64, the dotnet tool package, the image's context, SHA256SUMS.
DIST := artifacts/dist
dist: provision
	scripts/dist.sh $(DIST)

# Installs from every channel with the README's commands and smoke-tests each (private dockerds).
dist-check: dist
	scripts/dist-check.sh $(DIST)

# Size and start-up of each form (and the framework-dependent build) into bench/results/.
dist-measure: dist
	scripts/dist-measure.sh $(DIST)

# The fast check, under 10 minutes on 2 idle cores (plus ~2.5 min to publish the release binary it
# measures): 1 repetition, W1 (2 x 25 MB of deps) and W2,
# with the CI cache step. W3, W4 and the growth curves at quick sizes take ~30 min more:
# BENCH_QUICK=1 BENCH_WORKLOADS="W3 W4" bench/run.sh (see bench/README.md).
bench-quick: build
	BENCH_QUICK=1 BENCH_WORKLOADS="W1 W2" BENCH_NO_CURVES=1 bench/run.sh

clean:
	rm -rf artifacts src/*/bin src/*/obj tests/*/bin tests/*/obj
