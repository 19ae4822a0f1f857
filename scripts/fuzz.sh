#!/usr/bin/env bash
# Runs every fuzz target for FUZZTIME each (default 1m; CI uses 10s).
set -euo pipefail
cd "$(dirname "$0")/.."
go_bin=$(scripts/find-go.sh)
export PATH="$(dirname "$go_bin"):$PATH"
fuzztime=${FUZZTIME:-1m}
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    echo "-- $pkg $target ($fuzztime)"
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg"
  done
done
