#!/usr/bin/env bash
# Runs eigenscope's analysis and the reference Python analysis side by side on the paper's MQAR presets
# (same weights, same inputs), then the long-sequence softmax memory check. Needs python3-torch and python3-numpy
# (Debian) and a build with EIGENSCOPE_BENCH=ON.
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=${REPEATS:-3}
dump=$(mktemp -d)
trap 'rm -rf "$dump"' EXIT
echo "## eigenscope"
build/bench/analysis_bench --repeats "$repeats" --dump "$dump"
echo
echo "## reference (bench/reference/paper_analysis.py)"
/usr/bin/python3 bench/reference/paper_analysis.py "$dump" --repeats "$repeats"
echo
echo "## long sequences"
build/bench/analysis_bench --long-softmax "${LONG_T:-16384}"
