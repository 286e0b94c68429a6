#!/usr/bin/env bash
# `mmcpp zoo-report` over MMPretrain's levit (with deploy/) and eva02 config
# folders: every ImageClassifier config builds ("N of N"), and no model
# component is listed as unsupported.
#   zoo_report_levit_eva02.sh MMCPP TREE WORK_DIR
set -u
mmcpp=$1 tree=$2 work=$3
mkdir -p "$work"
fail() { echo "FAILED: $*"; exit 1; }
for d in levit eva02; do
  [ -d "$tree/$d" ] || fail "no folder $tree/$d"
  out="$work/zoo_$d.txt"
  "$mmcpp" zoo-report "$tree/$d" > "$out" 2>&1 || fail "zoo-report $d exited $?: $(cat "$out")"
  cat "$out"
  line=$(grep -E '^[0-9]+ of [0-9]+ ImageClassifier configs build$' "$out") ||
    fail "$d: no summary line"
  built=${line%% of *} rest=${line#* of } total=${rest%% *}
  [ "$total" -gt 0 ] || fail "$d: no ImageClassifier config"
  [ "$built" -eq "$total" ] || fail "$d: only $built of $total build"
  missing=$(awk '/^Unsupported model components/{on=1; next} on && /^$/{exit} on{print $2}' "$out")
  [ -z "$missing" ] || fail "$d: unsupported model components: $missing"
done
echo "PASSED zoo-report of the LeViT and EVA02 families"
