#!/usr/bin/env bash
# Configure and build mmcpp (Release, Ninja) into build/.
#
#   scripts/build.sh [--target T]... [CMAKE_ARGS...]
#       e.g. scripts/build.sh -DMMCPP_BUILD_BENCHMARKS=OFF
#            scripts/build.sh --target mmcpp     (only the program, not the tests)
#
# --target builds only the named targets (default: everything); the other
# arguments go to the cmake configure step. MMCPP_BUILD_DIR overrides build/ and
# MMCPP_JOBS the parallelism (default: nproc).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${MMCPP_BUILD_DIR:-build}
jobs=${MMCPP_JOBS:-$(nproc)}

targets=()
cmake_args=()
while (($#)); do
  case "$1" in
    --target) targets+=(--target "$2"); shift ;;
    *) cmake_args+=("$1") ;;
  esac
  shift
done

generator=()
# The generator can only be chosen when the build dir is first configured.
[[ -f "$build_dir/CMakeCache.txt" ]] || generator=(-G Ninja)
cmake -S . -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release "${cmake_args[@]}"
cmake --build "$build_dir" -j "$jobs" "${targets[@]}"
