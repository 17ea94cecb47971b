# Xentree against PocketBase (bench/, its own Go module): see the README's
# "Benchmarks against PocketBase" and docs/performance.md. Xentree on
# PostgreSQL (one node, two nodes on one database) is measured in the same
# run: -postgres auto runs scripts/postgres.sh (as root) for the server.
# Pass flags with BENCH_FLAGS; later flags win, e.g.
#   make bench BENCH_FLAGS='-duration 5s -out bench.md'
#   make bench BENCH_FLAGS='-postgres off'                  # SQLite and PocketBase only
#   make bench BENCH_FLAGS='-postgres postgres://u:p@host:5432/db'
BENCH_FLAGS ?=

.PHONY: bench
bench:
	go -C bench run . -postgres auto $(BENCH_FLAGS)

# Quality against human-judged data that is kept outside the repository
# (licensed for evaluation only): Spearman's rho of the offline writing scorer
# against human scores, on a fixed held-out part; knowledge search on the CISI
# collection (nDCG@10, recall@10, MAP) beside a plain BM25 baseline computed
# in the same run, and the project's own retrieval set. See docs/evaluation.md.
# The data folder defaults to ../shared/eval; override it with EVAL_DIR.
EVAL_DIR ?= ../shared/eval

.PHONY: eval
eval:
	go run ./cmd/xentree-eval writing -data $(EVAL_DIR)/ellipse-dev.csv
	go run ./cmd/xentree-eval retrieval -data $(EVAL_DIR)/cisi

# The OpenAPI document (openapi/openapi.json) and the client generated from it
# (openapi/clienttest, its own Go module): rewrite both after a route change and
# commit what changes. CI fails while either is stale.
.PHONY: openapi
openapi:
	bash scripts/openapi.sh
