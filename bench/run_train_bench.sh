#!/usr/bin/env bash
# Training-step time of the CPU presets in eigenscope (bench/train_bench) and in PyTorch
# (bench/reference/train_reference.py), one preset after the other, both on the same weights and batch and with
# the same number of threads (THREADS, default: all cores). The Python side first checks that its logits equal
# eigenscope's. Each pair runs ROUNDS times (default 3) alternating; the table keeps each side's fastest median,
# which filters out bursts of load from others on a shared machine. Needs python3-torch and python3-numpy
# (Debian) and a build with EIGENSCOPE_BENCH=ON.
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${STEPS:-20}
rounds=${ROUNDS:-3}
threads=${THREADS:-$(nproc)}
presets=${PRESETS:-"cpu-paper-mqar-softmax cpu-paper-mqar-linear cpu-paper-mqar-norm cpu-paper-mqar-mamba2 cpu-paper-mqar-s4 cpu-paper-mqar-lru s6"}
dump=$(mktemp -d)
trap 'rm -rf "$dump"' EXIT
echo "MQAR T=128, 8 pairs, vocab 256, batch 32; the median of $steps timed steps, best of $rounds alternating rounds; $threads thread(s) each"
echo
echo "| preset | eigenscope ms/step | PyTorch ms/step | PyTorch / eigenscope | eigenscope fwd + bwd ms | PyTorch fwd + bwd ms | logits max rel. difference |"
echo "|---|---|---|---|---|---|---|"
fastest() { sort -t'|' -k3,3 -g | head -1; }  # the row with the smallest step time
for preset in $presets; do
  ours="" theirs=""
  for _ in $(seq "$rounds"); do
    ours+=$(build/bench/train_bench --steps "$steps" --threads "$threads" --presets "$preset" --dump "$dump" | grep "^| $preset ")$'\n'
    theirs+=$(/usr/bin/python3 bench/reference/train_reference.py "$dump" --steps "$steps" --threads "$threads" \
              --presets "$preset" | grep "^| $preset ")$'\n'
  done
  paste -d'|' <(echo -n "$ours" | fastest) <(echo -n "$theirs" | fastest) | awk -F'|' '{
    printf "| %s | %.1f | %.1f | %.2f× | %.1f + %.1f | %.1f + %.1f | %s |\n", $2, $3, $11, $11 / $3, $4, $5, $12, $13, $16 }' |
    sed 's/  */ /g'
done
