#!/usr/bin/env bash
# The main job behind the README's first quick-start command: install the
# dependencies, build only the `mmcpp` program (not the test suite), train a
# classifier on Fashion-MNIST from a shipped config (validating on the 10,000
# test images every epoch, keeping the best checkpoint), `mmcpp test` the best
# checkpoint, write a few test images as PNG files and `mmcpp infer` them.
# Prints where everything went, the final accuracy and the wall time of each step.
#
#   scripts/main-job.sh [--skip-deps] [--config CONFIG] [--work-dir DIR] [-- TRAIN_ARGS...]
#
# MMCPP_BUILD_DIR (default build/) and MMCPP_JOBS (default: nproc) go to
# scripts/build.sh. TRAIN_ARGS go to `mmcpp train` (e.g. --cfg-options ...).
set -euo pipefail
cd "$(dirname "$0")/.."

config=configs/resnet/resnet18-cifar-w16_1xb128-4e_fashion-mnist.py
work_dir=
skip_deps=0
train_args=()
while (($#)); do
  case "$1" in
    --skip-deps) skip_deps=1 ;;
    --config) config=$2; shift ;;
    --work-dir) work_dir=$2; shift ;;
    --) shift; train_args=("$@"); break ;;
    *) echo "main-job: unknown argument $1 (usage: main-job.sh [--skip-deps]" \
            "[--config CONFIG] [--work-dir DIR] [-- TRAIN_ARGS...])" >&2; exit 2 ;;
  esac
  shift
done
name=$(basename "$config" .py)
work_dir=${work_dir:-work_dirs/$name}
build_dir=${MMCPP_BUILD_DIR:-build}
mmcpp=$build_dir/mmcpp
data_root=/usr/share/datasets/fashion-mnist

declare -A seconds
logged() {  # logged FILE COMMAND...: runs the command, its output also into FILE
  local file=$1; shift
  "$@" 2>&1 | tee "$file"  # pipefail: the command's failure is the pipeline's
}
step() {  # step NAME COMMAND...: runs the command, records its wall time
  local what=$1; shift
  local t0=$SECONDS
  echo; echo "=== main job: $what ==="
  "$@"
  seconds[$what]=$((SECONDS - t0))
}

((skip_deps)) || step install scripts/install-deps.sh
step build scripts/build.sh --target mmcpp

# Train. The run's own folder (log, scalars, config dump) is the newest
# timestamped folder in the work_dir; checkpoints sit in the work_dir itself.
train_out=$(mktemp)
trap 'rm -f "$train_out"' EXIT
step train logged "$train_out" "$mmcpp" train "$config" --work-dir "$work_dir" "${train_args[@]}"
best=$(sed -n 's/^  best: *\([^ ]*\) (.*/\1/p' "$train_out" | tail -n 1)
log=$(sed -n 's/^  log: *//p' "$train_out" | tail -n 1)
if [[ -z "$best" || ! -f "$best" ]]; then
  echo "main-job: training did not report a best checkpoint" >&2
  exit 1
fi

# Test the best checkpoint on the 10,000 test images.
test_out=$(mktemp)
trap 'rm -f "$train_out" "$test_out"' EXIT
step test logged "$test_out" "$mmcpp" test "$config" "$best" --work-dir "$work_dir"
accuracy=$(grep -o 'Epoch(test).*accuracy/top1: [0-9.]*' "$test_out" | tail -n 1 |
             sed 's/.*accuracy\/top1: //')

# Write the first 8 test images as PNG files (0.png ... 7.png, pixels as stored)
# and classify them.
png_dir=$work_dir/test_images
rm -rf "$png_dir"
step pngs "$mmcpp" browse-dataset "$config" --phase test --mode original --show-number 8 \
  --output-dir "$png_dir"
classes=(T-shirt/top Trouser Pullover Dress Coat Sandal Shirt Sneaker Bag "Ankle boot")
echo "true classes of $png_dir/{0..7}.png (from the t10k label file):"
i=0
for label in $(zcat "$data_root/t10k-labels-idx1-ubyte.gz" | od -An -tu1 -j8 -N8); do
  echo "  $i.png: ${classes[$label]} ($label)"
  i=$((i + 1))
done
step infer "$mmcpp" infer "$config" "$png_dir" --checkpoint "$best" --topk 1 \
  --json "$work_dir/infer.json"

echo
echo "=== main job: done ==="
echo "  config:          $config"
echo "  work_dir:        $work_dir"
echo "  training log:    $log"
echo "  best checkpoint: $best"
echo "  test PNGs:       $png_dir"
echo "  predictions:     $work_dir/infer.json"
echo "  test accuracy/top1 of the best checkpoint: $accuracy %"
echo -n "  wall time (s):  "
for what in install build train test pngs infer; do
  if [[ -n "${seconds[$what]:-}" ]]; then echo -n " $what ${seconds[$what]}"; fi
done
echo
