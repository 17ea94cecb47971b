# Xentree against PocketBase (bench/, its own Go module): see the README's
# "Benchmarks against PocketBase". Pass flags with BENCH_FLAGS, e.g.
#   make bench BENCH_FLAGS='-duration 5s -out bench.md'
BENCH_FLAGS ?=

.PHONY: bench
bench:
	go -C bench run . $(BENCH_FLAGS)
