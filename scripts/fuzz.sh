#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (build-fuzz/) and runs each for SECONDS (default 600), both at once.
# The seed corpus is the test fixtures; findings land in fuzz/findings/ (add them to tests/fixtures as cases).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
command -v clang++ >/dev/null || { echo "fuzz.sh: needs clang (apt install clang)" >&2; exit 1; }
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEIGENSCOPE_FUZZ=ON \
  -DEIGENSCOPE_GUI=OFF -DEIGENSCOPE_TESTS=OFF -DEIGENSCOPE_BENCH=OFF >/dev/null
cmake --build build-fuzz --target fuzz_safetensors fuzz_torch_pickle
corpus=build-fuzz/corpus
mkdir -p "$corpus/safetensors" "$corpus/torch_pickle" fuzz/findings
find tests/fixtures -name '*.safetensors' -exec cp {} "$corpus/safetensors/" \;
for archive in $(find tests/fixtures -name '*.pt' -o -name '*.pth' -o -name '*.bin'); do
  unzip -p "$archive" '*/data.pkl' > "$corpus/torch_pickle/$(echo "$archive" | tr / _).pkl"
done
for target in safetensors torch_pickle; do
  build-fuzz/fuzz/fuzz_$target "$corpus/$target" -max_total_time="$seconds" -rss_limit_mb=4096 \
    -artifact_prefix=fuzz/findings/$target- -print_final_stats=1 > "build-fuzz/$target.log" 2>&1 &
done
wait
for target in safetensors torch_pickle; do
  echo "== $target"; grep -E "stat::number_of_executed_units|Done|ERROR|SUMMARY" "build-fuzz/$target.log" || true
done
