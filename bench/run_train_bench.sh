#!/usr/bin/env bash
# Training-step time of the CPU presets in eigenscope (bench/train_bench) and in PyTorch
# (bench/reference/train_reference.py), one preset after the other, both on the same weights and batch and with
# the same number of threads (THREADS, default: all cores). The Python side first checks that its logits equal
# eigenscope's. Needs python3-torch and python3-numpy (Debian) and a build with EIGENSCOPE_BENCH=ON.
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${STEPS:-20}
threads=${THREADS:-$(nproc)}
presets=${PRESETS:-"cpu-paper-mqar-softmax cpu-paper-mqar-linear cpu-paper-mqar-norm cpu-paper-mqar-mamba2 cpu-paper-mqar-s4 cpu-paper-mqar-lru s6"}
dump=$(mktemp -d)
trap 'rm -rf "$dump"' EXIT
echo "MQAR T=128, 8 pairs, vocab 256, batch 32; $steps timed steps (median); $threads thread(s) each"
echo
echo "| preset | eigenscope ms/step | PyTorch ms/step | PyTorch / eigenscope | eigenscope fwd + bwd ms | PyTorch fwd + bwd ms | logits max rel. difference |"
echo "|---|---|---|---|---|---|---|"
for preset in $presets; do
  ours=$(build/bench/train_bench --steps "$steps" --threads "$threads" --presets "$preset" --dump "$dump" | grep "^| $preset ")
  theirs=$(/usr/bin/python3 bench/reference/train_reference.py "$dump" --steps "$steps" --threads "$threads" \
           --presets "$preset" | grep "^| $preset ")
  paste -d'|' <(echo "$ours") <(echo "$theirs") | awk -F'|' '{
    printf "| %s | %.1f | %.1f | %.2f× | %.1f + %.1f | %.1f + %.1f | %s |\n", $2, $3, $11, $11 / $3, $4, $5, $12, $13, $16 }' |
    sed 's/  */ /g'
done
