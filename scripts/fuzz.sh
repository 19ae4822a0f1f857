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
    # Go's fuzzer can report "context deadline exceeded" when its time is
    # up while a worker is busy (a loaded machine): not a finding, since no
    # failing input is written. Such a run is repeated once.
    if ! out=$(go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg" 2>&1); then
      echo "$out"
      if grep -q 'context deadline exceeded' <<<"$out" && ! grep -q 'Failing input written' <<<"$out"; then
        echo "-- $target: the fuzzer's deadline fired with no failing input; running it again"
        go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg"
      else
        exit 1
      fi
    else
      echo "$out"
    fi
  done
done
