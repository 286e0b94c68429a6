#!/usr/bin/env bash
# `mmcpp zoo-report` over the folders of MMPretrain's config tree that the model
# foundation covers (LeNet, ResNet, ResNeXt, SE-ResNet): every ImageClassifier
# config of each folder builds ("N of N"), except configs naming a component
# MMPretrain 1.x itself no longer registers (resnet50_8xb32-cutmix_in1k.py's
# 'BatchCutMix', an MMClassification 0.x name: Python's MODELS.build fails on
# it too), which must be the only unsupported model components listed.
#   zoo_report_family.sh MMCPP TREE WORK_DIR
set -u
mmcpp=$1 tree=$2 work=$3
legacy='BatchCutMix'
mkdir -p "$work"
fail() { echo "FAILED: $*"; exit 1; }
for d in lenet resnet resnext seresnet; do
  [ -d "$tree/$d" ] || fail "no folder $tree/$d"
  out="$work/zoo_$d.txt"
  "$mmcpp" zoo-report "$tree/$d" > "$out" 2>&1 || fail "zoo-report $d exited $?: $(cat "$out")"
  cat "$out"
  line=$(grep -E '^[0-9]+ of [0-9]+ ImageClassifier configs build$' "$out") ||
    fail "$d: no summary line"
  built=${line%% of *} rest=${line#* of } total=${rest%% *}
  [ "$total" -gt 0 ] || fail "$d: no ImageClassifier config"
  # The model components listed as unsupported (the block after the first
  # "Unsupported model components" heading, up to the blank line).
  missing=$(awk '/^Unsupported model components/{on=1; next} on && /^$/{exit} on{print $2}' "$out")
  for t in $missing; do
    [ "$t" = "$legacy" ] || fail "$d: model component $t is not supported"
  done
  # Every config that does not build is one that needs a listed component.
  needing=$(awk '/^Unsupported model components/{on=1; next} on && /^$/{exit} on{n+=$1} END{print n+0}' "$out")
  [ $((built + needing)) -ge "$total" ] ||
    fail "$d: $built of $total build, only $needing need a missing component"
  [ "$built" -gt 0 ] || fail "$d: nothing builds"
done
echo "PASSED zoo-report of the ResNet family"
