#!/usr/bin/env bash
# Prepares a Debian 12 machine for building and running berth.
#
# - Go: berth needs the Go version named in go.mod. When no such toolchain
#   is installed, Debian's golang-go (1.19) is installed with apt and used
#   only to fetch the official toolchain module (golang.org/toolchain) from
#   the Go module proxy, which is installed to /usr/local/go.
# - Node runtime: containerd, runc, the CNI plugins, iptables, conntrack and
#   busybox-static are installed with apt where missing, and etcd-server,
#   which the tests use as an external etcd.
#
#   scripts/setup.sh            # everything
#   scripts/setup.sh --no-apt   # only make sure the Go toolchain is there
set -euo pipefail
cd "$(dirname "$0")/.."

apt=1
for arg in "$@"; do
  case "$arg" in
    --no-apt) apt=0 ;;
    *) echo "setup: unknown argument $arg" >&2; exit 2 ;;
  esac
done
if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
install_dir=${BERTH_GO_INSTALL_DIR:-/usr/local/go}

apt_install() {
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

if ! go_bin=$(scripts/find-go.sh 2>/dev/null); then
  version=$(sed -n 's/^go \([0-9.]*\).*/\1/p' go.mod)
  case "$(uname -m)" in
    x86_64) arch=amd64 ;;
    aarch64) arch=arm64 ;;
    *) echo "setup: unsupported architecture $(uname -m)" >&2; exit 1 ;;
  esac
  boot=$(command -v go || true)
  if [ -z "$boot" ]; then
    echo "setup: installing Debian's golang-go to fetch Go ${version}"
    apt_install golang-go
    boot=$(command -v go)
  fi
  echo "setup: fetching Go ${version} from the Go module proxy"
  tmp=$(mktemp -d)
  trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
  dir=$(cd "$tmp" && GOPATH="$tmp" GOMODCACHE="$tmp/mod" GOFLAGS=-modcacherw GO111MODULE=on GOTOOLCHAIN=local \
    "$boot" mod download -json "golang.org/toolchain@v0.0.1-go${version}.linux-${arch}" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -n "$dir" ] && [ -x "$dir/bin/go" ] || [ -f "$dir/bin/go" ] || { echo "setup: toolchain download failed" >&2; exit 1; }
  # Module archives carry no file modes: restore the executables'.
  chmod -R u+w "$dir"
  chmod +x "$dir"/bin/* "$dir"/pkg/tool/*/*
  if [ -e "$install_dir" ]; then $SUDO mv "$install_dir" "${install_dir}.old.$$"; fi
  $SUDO mkdir -p "$(dirname "$install_dir")"
  $SUDO cp -a "$dir" "$install_dir"
  go_bin="$install_dir/bin/go"
  echo "setup: installed $("$go_bin" version) in $install_dir"
fi

if [ "$apt" = 1 ]; then
  missing=()
  command -v containerd >/dev/null 2>&1 || missing+=(containerd)
  command -v runc >/dev/null 2>&1 || missing+=(runc)
  [ -x /usr/lib/cni/bridge ] || missing+=(containernetworking-plugins)
  command -v iptables >/dev/null 2>&1 || missing+=(iptables)
  command -v conntrack >/dev/null 2>&1 || missing+=(conntrack)
  [ -x /bin/busybox ] || missing+=(busybox-static)
  command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    apt_install "${missing[@]}"
  fi
fi
echo "setup: ok ($("$go_bin" version | awk '{print $3}') at $go_bin)"
