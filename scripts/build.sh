#!/usr/bin/env bash
# Configures and builds eigenscope into build/ (Release, Ninja, ccache when present).
# Extra arguments are passed to CMake's configure step, e.g. -DEIGENSCOPE_GUI=OFF.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build build --parallel "$(nproc)"
