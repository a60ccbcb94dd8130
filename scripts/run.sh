#!/usr/bin/env bash
# Starts eigenscope on the built-in demo model (cpu-paper-mqar-mamba2 on an MQAR batch).
# The desktop application is not built yet; until it is, this runs the demo with the command-line tool.
set -euo pipefail
cd "$(dirname "$0")/.."
cli=build/app/eigenscope-cli
[ -x "$cli" ] || bash scripts/build.sh
"$cli" info preset:cpu-paper-mqar-mamba2
echo
"$cli" analyze preset:cpu-paper-mqar-mamba2 --input task:mqar --batch 8 --init --impulse 0
echo
echo "More: $cli --help   |   $cli presets   |   $cli mixers   |   $cli analyze --help"
