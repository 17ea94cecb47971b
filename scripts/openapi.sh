#!/usr/bin/env bash
# Rewrites openapi/openapi.json (the document the server serves, from `xentree openapi`) and the
# client generated from it in openapi/clienttest (oapi-codegen, pinned in that module's go.mod).
# Run it after changing a route and commit what changes: CI fails while either is stale.
set -euo pipefail
cd "$(dirname "$0")/.."
go run ./cmd/xentree openapi > openapi/openapi.json.tmp
mv openapi/openapi.json.tmp openapi/openapi.json
go -C openapi/clienttest generate ./...
