#!/usr/bin/env bash
# One shard of "does every config of MMPretrain's tree that mmcpp builds also
# train?": `mmcpp zoo-report --train-steps 3` over the shard's configs (3 SGD
# steps on 2 random images through the config's own pipeline lower the loss,
# and predict gives finite scores). Fails when zoo-report fails, when nothing
# trained, or when any config FAILED to train or to build. Configs that cannot
# train by design (no head; MMPretrain's NotImplementedError) and those over
# the cost budget are listed, not failures.
#   zoo_train_shard.sh MMCPP TREE OUT_TXT SHARD(I/N) MAX_COST
set -u
mmcpp=$1 tree=$2 out=$3 shard=$4 cost=$5
mkdir -p "$(dirname "$out")"
"$mmcpp" zoo-report "$tree" --train-steps 3 --max-cost "$cost" --shard "$shard" --progress \
  > "$out" 2> "$out.progress"
rc=$?
cat "$out"
fail() { echo "FAILED: $*"; exit 1; }
[ $rc -eq 0 ] || { tail -20 "$out.progress"; fail "zoo-report exited $rc"; }
line=$(grep -E '^[0-9]+ of [0-9]+ built configs train' "$out") || fail "no train summary line"
trained=${line%% of *}
[ "$trained" -gt 0 ] || fail "nothing trained"
if grep -qE '^Built, but FAILED to train|^Supported but failed to build' "$out"; then
  fail "a config failed (see above)"
fi
echo "PASSED shard $shard: $line"
