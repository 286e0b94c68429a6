#!/usr/bin/env bash
# `cmake --install` + find_package(mmcpp) (label slow): installs the build to a
# fresh prefix, checks the installed `mmcpp` runs (the launcher finds
# mmcpp-main, which finds the installed libraries), trains a LeNet-5 for a few
# iterations with it, then configures and builds examples/inference against the
# prefix alone and checks its predictions equal `mmcpp infer`'s.
#
#   install_example.sh BUILD_DIR SOURCE_DIR WORK_DIR
set -euo pipefail
build=$1 src=$2 work=$3
fail() { echo "FAILED: $*" >&2; exit 1; }
rm -rf "$work"
mkdir -p "$work"
prefix="$work/prefix"
cmake --install "$build" --prefix "$prefix" > "$work/install.log" ||
  fail "cmake --install: $(cat "$work/install.log")"
for f in bin/mmcpp bin/mmcpp-main lib/cmake/mmcpp/mmcppConfig.cmake \
         lib/cmake/mmcpp/mmcppConfigVersion.cmake lib/cmake/mmcpp/mmcppTargets.cmake \
         include/mmcpp/pretrain/apis/image_classification.h; do
  test -e "$prefix/$f" || fail "$f not installed"
done
ls "$prefix"/lib/libmmcpp_pretrain.so > /dev/null || fail "libmmcpp_pretrain.so not installed"
mmcpp="$prefix/bin/mmcpp"
"$mmcpp" --version | grep -q '^mmcpp ' || fail "the installed mmcpp does not run"

cfg="$src/configs/lenet/lenet5_8xb32_fashion-mnist.py"
"$mmcpp" train "$cfg" --work-dir "$work/train" --no-validate --cfg-options \
  train_cfg.max_epochs=1 train_dataloader.dataset.indices=320 > "$work/train.log" 2>&1 ||
  fail "train: $(tail -20 "$work/train.log")"
ckpt="$work/train/epoch_1.pth"
test -f "$ckpt" || fail "no checkpoint"
"$mmcpp" browse-dataset "$cfg" --phase test --mode original -n 4 --output-dir "$work/pngs" \
  > /dev/null || fail "browse-dataset"

cmake -S "$src/examples/inference" -B "$work/example" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" > "$work/configure.log" 2>&1 ||
  fail "configuring examples/inference: $(cat "$work/configure.log")"
cmake --build "$work/example" -j1 > "$work/build.log" 2>&1 ||
  fail "building examples/inference: $(cat "$work/build.log")"
# The example uses the installed libraries, not the build tree's.
# (ldd's output captured first: `ldd | grep -q` under pipefail fails when grep
# exits at the first match and ldd, still writing, gets SIGPIPE.)
libs=$(ldd "$work/example/classify")
grep -q "$prefix/lib/libmmcpp_pretrain.so" <<< "$libs" ||
  fail "classify does not load the installed library: $libs"

images=("$work"/pngs/*.png)
"$work/example/classify" "$ckpt" - "${images[@]}" > "$work/classify.txt" ||
  fail "classify failed"
"$work/example/classify" "$cfg" "$ckpt" "${images[@]}" > "$work/classify_cfg.txt" ||
  fail "classify with the config failed"
cmp -s "$work/classify.txt" "$work/classify_cfg.txt" || fail "config + checkpoint differ from the checkpoint alone"
test "$(wc -l < "$work/classify.txt")" -eq "${#images[@]}" || fail "$(cat "$work/classify.txt")"
"$mmcpp" infer "$cfg" "${images[@]}" --checkpoint "$ckpt" --topk 1 > "$work/infer.txt" ||
  fail "mmcpp infer"
# Each image's label and class name as `mmcpp infer` prints them.
while IFS=$'\t' read -r image label name score; do
  grep -A1 -xF "$image" "$work/infer.txt" | grep -qF "1. $name ($label)" ||
    fail "$image: classify says $name ($label), mmcpp infer says: $(cat "$work/infer.txt")"
done < "$work/classify.txt"
echo "INSTALL_EXAMPLE_OK"
