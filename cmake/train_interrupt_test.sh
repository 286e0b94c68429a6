#!/usr/bin/env bash
# `mmcpp train` stopped with Ctrl-C: exit status 130, a resumable checkpoint, and
# a "Resume with:" command that repeats the whole command line, quoted for the
# shell, and that finishes the job when run as printed.
#   train_interrupt_test.sh MMCPP CONFIG DIR
set -u
mmcpp=$1 config=$2 dir=$3
rm -rf "$dir" && mkdir -p "$dir" || exit 1
out="$dir/interrupted.txt"
"$mmcpp" train "$config" --work-dir "$dir/work" \
  --cfg-options "experiment_name=ctrl c" train_cfg.max_epochs=3 >"$out" 2>&1 &
pid=$!
# Ctrl-C once training runs (its first log line).
for _ in $(seq 1 1200); do
  grep -q "Epoch(train)" "$out" && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.05
done
kill -INT "$pid"
wait "$pid"
status=$?
if [ "$status" -ne 130 ]; then
  echo "exit status $status, expected 130"; cat "$out"; exit 1
fi
cmd=$(grep -o "Resume with: .*" "$out" | head -n 1 | sed 's/^Resume with: //')
case "$cmd" in
  *"--cfg-options 'experiment_name=ctrl c' train_cfg.max_epochs=3 --resume $dir/work/iter_"*".pth") ;;
  *) echo "unexpected resume command: '$cmd'"; cat "$out"; exit 1 ;;
esac
eval "$cmd" >"$dir/resumed.txt" 2>&1 || { echo "the resume command failed"; cat "$dir/resumed.txt"; exit 1; }
grep -q "resumed epoch" "$dir/resumed.txt" || { echo "not resumed"; cat "$dir/resumed.txt"; exit 1; }
test -f "$dir/work/epoch_3.pth" || { echo "no epoch_3.pth"; exit 1; }
echo TRAIN_INTERRUPT_OK
