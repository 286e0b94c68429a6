#!/usr/bin/env bash
# `mmcpp zoo-report` over the given folders of MMPretrain's config tree: every
# ImageClassifier config of each folder builds ("N of N", N > 0) and no model
# component is listed as unsupported.
#   zoo_report_folders.sh MMCPP TREE WORK_DIR FOLDER...
set -u
mmcpp=$1 tree=$2 work=$3
shift 3
[ $# -gt 0 ] || { echo "FAILED: no folder given"; exit 1; }
mkdir -p "$work"
fail() { echo "FAILED: $*"; exit 1; }
for d in "$@"; do
  [ -d "$tree/$d" ] || fail "no folder $tree/$d"
  out="$work/zoo_${d//\//_}.txt"
  "$mmcpp" zoo-report "$tree/$d" > "$out" 2>&1 || fail "zoo-report $d exited $?: $(cat "$out")"
  cat "$out"
  line=$(grep -E '^[0-9]+ of [0-9]+ ImageClassifier configs build$' "$out") ||
    fail "$d: no summary line"
  built=${line%% of *} rest=${line#* of } total=${rest%% *}
  [ "$total" -gt 0 ] || fail "$d: no ImageClassifier config"
  [ "$built" -eq "$total" ] || fail "$d: only $built of $total ImageClassifier configs build"
  missing=$(awk '/^Unsupported model components/{on=1; next} on && /^$/{exit} on{print $2}' "$out")
  [ -z "$missing" ] || fail "$d: unsupported model components: $missing"
done
echo "PASSED zoo-report of $*"
