#!/usr/bin/env bash
# Configure and build mmcpp (Release, Ninja) into build/.
#
#   scripts/build.sh [CMAKE_ARGS...]     e.g. scripts/build.sh -DMMCPP_BUILD_BENCHMARKS=OFF
#
# Arguments go to the cmake configure step. MMCPP_BUILD_DIR overrides build/ and
# MMCPP_JOBS the parallelism (default: nproc).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${MMCPP_BUILD_DIR:-build}
jobs=${MMCPP_JOBS:-$(nproc)}

generator=()
# The generator can only be chosen when the build dir is first configured.
[[ -f "$build_dir/CMakeCache.txt" ]] || generator=(-G Ninja)
cmake -S . -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build "$build_dir" -j "$jobs"
