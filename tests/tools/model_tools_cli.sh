#!/usr/bin/env bash
# Command-line checks of `mmcpp check`, `get-flops`, `zoo-report`, `convert`
# and the check that `train`/`test` run first (registered in tests/CMakeLists.txt).
#
#   model_tools_cli.sh MMCPP SOURCE_DIR WORK_DIR CASE
set -euo pipefail
mmcpp=$1 src=$2 work=$3 case=$4
seed="$src/configs/seed_example/example_config.py"
bad="$src/tests/data/model_tools/unsupported.py"
rm -rf "$work/$case"
mkdir -p "$work/$case"
cd "$work/$case"

fail() { echo "FAILED: $*" >&2; exit 1; }
# The unsupported components of tests/data/model_tools/unsupported.py.
model_locations=(
  "model.type='NoSuchClassifier'" "model.backbone.type='NoSuchBackbone'"
  "model.backbone.norm_cfg.type='NoSuchNorm'" "model.head.type='NoSuchHead'"
  "model.head.loss.type='NoSuchLoss'")
train_locations=("train_dataloader.dataset.pipeline[0].type='NoSuchTransform'")
# Hooks are built for train and test alike.
hook_locations=("custom_hooks[1].type='NoSuchHook'")
test_locations=("test_dataloader.dataset.type='NoSuchTestDataset'")
expect_all() {  # FILE LOCATION...
  local file=$1; shift
  for l in "$@"; do grep -qF -- "$l" "$file" || fail "'$l' not in $file: $(cat "$file")"; done
}
expect_none() {
  local file=$1; shift
  for l in "$@"; do ! grep -qF -- "$l" "$file" || fail "'$l' should not be in $file"; done
}

case $case in
  check_supported)
    "$mmcpp" check "$seed" > out.txt || fail "check of the seed example failed: $(cat out.txt)"
    grep -qE "^.*example_config.py: all [0-9]+ components are supported by mmcpp$" out.txt ||
      fail "unexpected: $(cat out.txt)"
    ;;
  check_unsupported)
    if "$mmcpp" check "$bad" > out.txt 2> err.txt; then fail "check succeeded: $(cat out.txt)"; fi
    expect_all out.txt "${model_locations[@]}" "${train_locations[@]}" "${test_locations[@]}" \
      "${hook_locations[@]}"
    grep -q "8 unsupported types: NoSuchClassifier, NoSuchBackbone, NoSuchNorm" out.txt ||
      fail "no summary: $(cat out.txt)"
    # --for narrows it; --cfg-options apply first.
    if "$mmcpp" check "$bad" --for test --cfg-options test_dataloader.dataset.type=MyDataset \
        > test.txt; then fail "check --for test succeeded"; fi
    expect_all test.txt "${model_locations[@]}" "${hook_locations[@]}"
    expect_none test.txt "${train_locations[@]}" "${test_locations[@]}"
    ;;
  train_unsupported)
    if "$mmcpp" train "$bad" --work-dir "$PWD/run" > out.txt 2> err.txt; then
      fail "train succeeded"
    fi
    grep -q "^error: KeyError: mmcpp train stopped before building or writing anything" err.txt ||
      fail "unexpected error: $(cat err.txt)"
    expect_all err.txt "${model_locations[@]}" "${train_locations[@]}" "${hook_locations[@]}"
    expect_none err.txt "${test_locations[@]}"
    [[ ! -e run ]] || fail "train created its work_dir"
    ;;
  test_unsupported)
    if "$mmcpp" test "$bad" no_such.pth --work-dir "$PWD/run" > out.txt 2> err.txt; then
      fail "test succeeded"
    fi
    expect_all err.txt "${model_locations[@]}" "${test_locations[@]}" "${hook_locations[@]}"
    expect_none err.txt "${train_locations[@]}"
    [[ ! -e run ]] || fail "test created its work_dir"
    ;;
  get_flops_seed)
    # MyAwesomeModel(layers=2): Linear(2,64) ReLU Linear(64,64) ReLU Linear(64,2) on a
    # (1, 2) input: 128 + 4096 + 128 multiply-adds; 4482 parameters.
    "$mmcpp" get-flops "$seed" --input-shape 2 --json flops.json > out.txt ||
      fail "get-flops failed: $(cat out.txt)"
    expect_all out.txt "Input shape: (2,)" "Flops: 4.352K" "Params: 4.482K" "Activation: 0.13K"
    grep -qE '^\| model +\| 4\.482K +\| 4\.352K +\| 0\.13K +\|$' out.txt ||
      fail "model row: $(cat out.txt)"
    grep -qE '^\|  mlp +\|  4\.352K +\|  4\.224K +\|  0\.128K +\|$' out.txt ||
      fail "mlp row: $(cat out.txt)"
    grep -qE '^\|    mlp\.0\.weight +\|    \(64, 2\) +\| +\| +\|$' out.txt ||
      fail "parameter row: $(cat out.txt)"
    expect_all flops.json '"name": "mlp.0.weight"' '"flops": 4352' '"params": 4482'
    tr -d ' \n' < flops.json | grep -qF '{"name":"mlp.0.weight","shape":[64,2],"dtype":"float32"}' ||
      fail "state_dict entry: $(head -c 300 flops.json)"
    ;;
  get_flops_unsupported)
    if "$mmcpp" get-flops "$bad" --json flops.json > out.txt 2> err.txt; then
      fail "get-flops succeeded"
    fi
    grep -q "^error: KeyError: cannot build the model (nothing was built or written)" err.txt ||
      fail "unexpected error: $(cat err.txt)"
    expect_all err.txt "${model_locations[@]}"
    expect_none err.txt "${train_locations[@]}" "${test_locations[@]}" "${hook_locations[@]}"
    [[ ! -e flops.json ]] || fail "get-flops wrote its JSON"
    ;;
  *)
    fail "unknown case $case"
    ;;
esac
echo "PASSED $case"
