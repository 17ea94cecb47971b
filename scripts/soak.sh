#!/usr/bin/env bash
# The long part of the reliability suite (docs/reliability.md); the fast part
# runs in `go test ./...` and CI. Loopback only. Takes about 25 minutes.
#   scripts/soak.sh            # everything
#   LOAD_DURATION=2m scripts/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(mktemp -d)/xentree"
go build -o "$bin" ./cmd/xentree

echo "== load: a realistic mix for ${LOAD_DURATION:-10m} (no failed call, no 5xx, no SQLITE_BUSY, anonymous memory growing no more than 5% over the second half)"
go run ./cmd/xentree-load -spawn "$bin" -duration "${LOAD_DURATION:-10m}" -warmup 1m -workers 16

echo "== SIGKILL during a write burst and disk full, ${FAULT_COUNT:-20} times"
go test -count="${FAULT_COUNT:-20}" -run 'TestSIGKILLDuringWriteBurst|TestDiskFull' ./cmd/xentree

echo "== isolation matrix under the race detector"
go test -race -count=3 -run 'TestIsolationMatrix|TestPermissionMatrix|TestEveryRouteChecksKeyScope' ./httpapi

echo "== every fuzz target for ${SOAK_FUZZTIME:-60s}"
grep -rl --include='*_test.go' '^func Fuzz' . | sort | while read -r file; do
  pkg="./$(dirname "${file#./}")"
  for fn in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$file" | sed 's/^func //'); do
    echo "-- $pkg $fn"
    go test -run '^$' -fuzz "^${fn}\$" -fuzztime "${SOAK_FUZZTIME:-60s}" "$pkg"
  done
done
echo "== soak passed"
