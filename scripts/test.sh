#!/usr/bin/env bash
# The whole test suite: vet, unit + integration + e2e tests, and a short run
# of every fuzz target. `make test` and CI run exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
go_bin=$(scripts/find-go.sh)
export PATH="$(dirname "$go_bin"):$PATH"
export CGO_ENABLED=0

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.git/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt: these files need formatting:" >&2
  echo "$unformatted" >&2
  exit 1
fi

echo "== go vet"
go vet ./...

echo "== go test"
# -p 2: the machine has 2 cores; e2e and integration tests start servers.
go test -p 2 -count=1 -timeout 20m ./...

echo "== fuzz (short)"
FUZZTIME=${FUZZTIME:-10s} bash scripts/fuzz.sh
echo "== all tests passed"
