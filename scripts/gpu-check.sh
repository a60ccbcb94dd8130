#!/usr/bin/env bash
# The GPU checks (SPEC §9) on a machine with an NVIDIA GPU and a Python PyTorch with CUDA (C++11 ABI, the default of
# the PyTorch >= 2.6 wheels): builds core, CLI, tests and benchmarks without Qt against that PyTorch's LibTorch, runs
# the whole test suite, then the GPU benchmarks side by side with PyTorch on the same GPU, and prints one table.
# BUNDLE, made by scripts/bundle-deps.sh where apt works, supplies the other build dependencies on machines without
# package access: every package of it that is not installed is unpacked into a private prefix.
# Usage: bash scripts/gpu-check.sh [BUNDLE]        (build folder: build-gpu; logs: build-gpu/gpu-check/)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${GPU_CHECK_BUILD:-build-gpu}
logs="$build/gpu-check"
mkdir -p "$logs"
started=$(date +%s)
python=${PYTHON:-python3}
torch_prefix=$("$python" -c 'import torch; print(torch.utils.cmake_prefix_path)')
"$python" -c 'import torch; assert torch.cuda.is_available(), "PyTorch sees no CUDA device"'

prefixes="$torch_prefix"
if [ $# -ge 1 ]; then
  root="$PWD/$build/deps"
  mkdir -p "$root"
  for deb in "$1"/*.deb; do
    name=$(dpkg-deb -f "$deb" Package)
    if dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -q "install ok installed"; then continue; fi
    dpkg-deb -x "$deb" "$root"
  done
  # The packages' pkg-config files name /usr; point them at the private prefix.
  find "$root" -name '*.pc' -exec sed -i "s|^prefix=/usr\$|prefix=$root/usr|" {} +
  export PKG_CONFIG_PATH="$root/usr/lib/x86_64-linux-gnu/pkgconfig:$root/usr/share/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
  export LD_LIBRARY_PATH="$root/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  command -v pkg-config >/dev/null || export PKG_CONFIG="$root/usr/bin/pkgconf"
  prefixes="$root/usr;$prefixes"
fi

echo "gpu-check: configuring and building in $build"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DEIGENSCOPE_GUI=OFF -DCMAKE_PREFIX_PATH="$prefixes" \
  ${PKG_CONFIG:+-DPKG_CONFIG_EXECUTABLE="$PKG_CONFIG"} >"$logs/configure.log" 2>&1 || { tail -30 "$logs/configure.log"; exit 1; }
cmake --build "$build" --parallel "$(nproc)" >"$logs/build.log" 2>&1 || { tail -40 "$logs/build.log"; exit 1; }
built=$(date +%s)

echo "gpu-check: running the test suite"
tests_status=0
ctest --test-dir "$build" -j"$(nproc)" --output-on-failure >"$logs/ctest.log" 2>&1 || tests_status=$?
tests_line=$(grep -E "tests passed|tests failed" "$logs/ctest.log" | tail -1)
tested=$(date +%s)

echo "gpu-check: GPU benchmarks"
bench="$build/bench"
cli="$build/app/eigenscope-cli"
dump=$(mktemp -d)
trap 'rm -rf "$dump"' EXIT
"$bench/analysis_bench" --device cuda --repeats 20 --dump "$dump" >"$logs/analysis_cuda.md" 2>&1 || true
"$bench/analysis_bench" --device cpu --repeats 3 >"$logs/analysis_cpu.md" 2>&1 || true
"$python" bench/reference/paper_analysis.py "$dump" --device cuda --repeats 20 >"$logs/analysis_torch.md" 2>&1 || true
cold_start=$(date +%s.%N)
"$cli" analyze preset:paper-mqar-softmax --device cuda --batch 64 --input task:mqar:kv_pairs=64 >"$logs/cold.log" 2>&1 || true
cold=$(echo "$(date +%s.%N) - $cold_start" | bc)
train_dump=$(mktemp -d)
"$bench/train_bench" --device cuda --paper-scale --dump "$train_dump" >"$logs/train_cuda.md" 2>&1 || true
"$python" bench/reference/train_reference.py "$train_dump" --device cuda >"$logs/train_torch.md" 2>&1 || true
rm -rf "$train_dump"

# One table from the benchmark outputs: each line "| name | value |" of every log's table, by preset.
column() {  # column FILE PRESET N: field N of the table row of PRESET
  awk -F'|' -v p="$2" -v n="$3" '$2 ~ " "p" " {gsub(/ /, "", $(n+1)); print $(n+1); exit}' "$1" 2>/dev/null
}
echo
echo "## eigenscope gpu-check: $(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1), LibTorch $("$python" -c 'import torch; print(torch.__version__)')"
echo
echo "tests: ${tests_line:-no summary (see $logs/ctest.log)}"
echo "build $((built - started)) s, tests $((tested - built)) s, whole check $(( $(date +%s) - started )) s (target < 480 s)"
echo "cold eigenscope-cli analyze --device cuda (paper-mqar-softmax, B = 64, T = 512): ${cold} s (target <= 1.5 s)"
echo
echo "| preset | corrected analysis, cuda ms (<= 5) | PyTorch forward + eig + bins, cuda ms | ratio (>= 1) | cpu ms | cpu / cuda (>= 20) | train steps/s cuda | PyTorch steps/s | ratio (>= 1) |"
echo "|---|---|---|---|---|---|---|---|---|"
for name in softmax linear norm mamba2 s4 lru; do
  preset="paper-mqar-$name"
  gpu=$(column "$logs/analysis_cuda.md" "$preset" 1)
  ref=$(column "$logs/analysis_torch.md" "$preset" 1)
  cpu=$(column "$logs/analysis_cpu.md" "$preset" 1)
  steps=$(column "$logs/train_cuda.md" "$preset" 5)
  refSteps=$(column "$logs/train_torch.md" "$preset" 5)
  ratio() { [ -n "$1" ] && [ -n "$2" ] && echo "scale=2; $1 / $2" | bc || echo "–"; }
  echo "| $preset | ${gpu:-–} | ${ref:-–} | $(ratio "$ref" "$gpu") | ${cpu:-–} | $(ratio "$cpu" "$gpu") | ${steps:-–} | ${refSteps:-–} | $(ratio "$steps" "$refSteps") |"
done
echo
echo "logs: $logs"
exit "$tests_status"
