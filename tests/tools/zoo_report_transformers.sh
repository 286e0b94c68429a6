#!/usr/bin/env bash
# `mmcpp zoo-report` over the transformer folders of MMPretrain's config tree
# (vision_transformer, deit, deit3, swin_transformer, swin_transformer_v2,
# dinov2): every ImageClassifier config of each folder builds ("N of N"),
# except vision_transformer's LoRA fine-tuning config, whose `LoRAModel`
# wrapper (MMPretrain's peft package) must then be the only unsupported model
# component listed.
#   zoo_report_transformers.sh MMCPP TREE WORK_DIR
set -u
mmcpp=$1 tree=$2 work=$3
allowed='LoRAModel'
mkdir -p "$work"
fail() { echo "FAILED: $*"; exit 1; }
for d in vision_transformer deit deit3 swin_transformer swin_transformer_v2 dinov2; do
  [ -d "$tree/$d" ] || fail "no folder $tree/$d"
  out="$work/zoo_$d.txt"
  "$mmcpp" zoo-report "$tree/$d" > "$out" 2>&1 || fail "zoo-report $d exited $?: $(cat "$out")"
  cat "$out"
  line=$(grep -E '^[0-9]+ of [0-9]+ ImageClassifier configs build$' "$out") ||
    fail "$d: no summary line"
  built=${line%% of *} rest=${line#* of } total=${rest%% *}
  [ "$total" -gt 0 ] || fail "$d: no ImageClassifier config"
  missing=$(awk '/^Unsupported model components/{on=1; next} on && /^$/{exit} on{print $2}' "$out")
  for t in $missing; do
    [ "$t" = "$allowed" ] || fail "$d: model component $t is not supported"
  done
  needing=$(awk '/^Unsupported model components/{on=1; next} on && /^$/{exit} on{n+=$1} END{print n+0}' "$out")
  [ $((built + needing)) -ge "$total" ] ||
    fail "$d: $built of $total build, only $needing need a missing component"
  [ "$built" -gt 0 ] || fail "$d: nothing builds"
done
echo "PASSED zoo-report of the transformer families"
