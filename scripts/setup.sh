#!/usr/bin/env bash
# Prepares a Debian 12 machine for building and running berth: checks the Go
# toolchain and installs the node runtime packages (containerd, runc, CNI
# plugins, iptables, conntrack, busybox-static) with apt where missing.
#
#   scripts/setup.sh            # everything
#   scripts/setup.sh --no-apt   # only check the toolchain
set -euo pipefail

want_go_minor=26
apt=1
for arg in "$@"; do
  case "$arg" in
    --no-apt) apt=0 ;;
    *) echo "setup: unknown argument $arg" >&2; exit 2 ;;
  esac
done

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  export PATH="/usr/local/go/bin:$PATH"
fi
if ! command -v go >/dev/null 2>&1; then
  echo "setup: Go 1.${want_go_minor} or newer is required (install it to /usr/local/go and add /usr/local/go/bin to PATH)" >&2
  exit 1
fi
minor=$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')
if [ "${minor:-0}" -lt "$want_go_minor" ]; then
  echo "setup: Go 1.${want_go_minor} or newer is required, found $(go env GOVERSION)" >&2
  exit 1
fi

if [ "$apt" = 1 ]; then
  missing=()
  command -v containerd >/dev/null 2>&1 || missing+=(containerd)
  command -v runc >/dev/null 2>&1 || missing+=(runc)
  [ -x /usr/lib/cni/bridge ] || missing+=(containernetworking-plugins)
  command -v iptables >/dev/null 2>&1 || missing+=(iptables)
  command -v conntrack >/dev/null 2>&1 || missing+=(conntrack)
  [ -x /bin/busybox ] || missing+=(busybox-static)
  if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
    echo "setup: installing ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi
echo "setup: ok ($(go env GOVERSION))"
