#!/usr/bin/env bash
# Install mmcpp's build and test dependencies from Debian (bookworm or later).
# Quick and offline when everything is installed already; uses sudo only when
# not run as root.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache
  libtorch-dev libopencv-dev libyaml-cpp-dev nlohmann-json3-dev libcli11-dev
  libgtest-dev libgmock-dev libopenblas0-pthread
  libplplot-dev plplot-driver-cairo pkg-config
  zlib1g-dev
  dataset-fashion-mnist
  clang-format
  # tests: protoc --decode_raw reads the TensorBoard event files we write;
  # python3's pickle module reads our prediction dumps
  protobuf-compiler python3
)

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
