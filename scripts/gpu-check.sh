#!/usr/bin/env bash
# The CUDA checks of SPEC §9 on a machine with an NVIDIA GPU: builds core, CLI, tests and benchmarks without Qt
# against the CUDA LibTorch of the local PyTorch install, runs the CUDA tests, times the analysis on CPU and
# GPU side by side, and prints a short table. Needs a PyTorch built with the C++11 ABI (the default of
# PyTorch ≥ 2.6 wheels), since the Debian GoogleTest, CLI11 and nlohmann-json it links use that ABI.
# Usage: bash scripts/gpu-check.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-gpu}
torch_dir=$(python3 -c 'import torch, os; print(os.path.join(torch.utils.cmake_prefix_path, "Torch"))')
python3 -c 'import torch; assert torch.cuda.is_available(), "PyTorch sees no CUDA device"'
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DEIGENSCOPE_GUI=OFF -DTorch_DIR="$torch_dir" >/dev/null
cmake --build "$build" --parallel "$(nproc)"
"$build/tests/eigenscope_tests" --gtest_filter='Cuda.*' --gtest_brief=1
echo
echo "| preset | device | analysis ms (B=64, T=512) |"
echo "|---|---|---|"
for preset in paper-mqar-softmax paper-mqar-linear paper-mqar-norm paper-mqar-mamba2 paper-mqar-s4 paper-mqar-lru; do
  for device in cpu cuda; do
    ms=$("$build/app/eigenscope-cli" analyze "preset:$preset" --device "$device" --batch 64 --input task:mqar:kv_pairs=64 \
         --json - 2>/dev/null | grep '"elapsed_ms"' | tr -dc '0-9.')
    echo "| $preset | $device | $ms |"
  done
done
