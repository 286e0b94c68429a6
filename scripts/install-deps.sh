#!/usr/bin/env bash
# Install mmcpp's build dependencies from Debian (bookworm or later); with
# --test, also what only the tests need (python3-torch: the checks that real
# PyTorch loads our checkpoints and we load its; mmcpp itself never needs Python).
# Quick and offline when everything is installed already; uses sudo only when
# not run as root.
#
#   scripts/install-deps.sh [--test]
set -euo pipefail

with_test=0
for arg in "$@"; do
  case "$arg" in
    --test) with_test=1 ;;
    *) echo "install-deps: unknown argument $arg (usage: install-deps.sh [--test])" >&2; exit 2 ;;
  esac
done

packages=(
  build-essential cmake ninja-build ccache
  libtorch-dev libopencv-dev libyaml-cpp-dev nlohmann-json3-dev libcli11-dev
  libgtest-dev libgmock-dev libopenblas0-pthread
  libplplot-dev plplot-driver-cairo pkg-config
  zlib1g-dev
  dataset-fashion-mnist
  clang-format
)
test_packages=(python3-torch)
((with_test)) && packages+=("${test_packages[@]}")

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "installed" ]] || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages are installed"
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
