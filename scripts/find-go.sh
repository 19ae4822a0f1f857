#!/usr/bin/env bash
# Prints the path of a Go toolchain new enough for berth (go.mod's version):
# `go` on PATH if it is, else /usr/local/go/bin/go. Exits 1 when neither is.
set -euo pipefail
want=$(sed -n 's/^go \([0-9]*\)\.\([0-9]*\).*/\1 \2/p' "$(dirname "$0")/../go.mod")
read -r want_major want_minor <<<"$want"
for candidate in "$(command -v go 2>/dev/null || true)" "${BERTH_GO_INSTALL_DIR:-/usr/local/go}/bin/go"; do
  [ -n "$candidate" ] && [ -x "$candidate" ] || continue
  v=$(GOTOOLCHAIN=local "$candidate" env GOVERSION 2>/dev/null || "$candidate" version | awk '{print $3}')
  major=$(sed -E 's/^go([0-9]+)\..*/\1/' <<<"$v")
  minor=$(sed -E 's/^go[0-9]+\.([0-9]+).*/\1/' <<<"$v")
  if [ "$major" -gt "$want_major" ] || { [ "$major" -eq "$want_major" ] && [ "$minor" -ge "$want_minor" ]; }; then
    echo "$candidate"
    exit 0
  fi
done
echo "find-go: no Go ${want_major}.${want_minor} or newer found (run scripts/setup.sh)" >&2
exit 1
