#!/usr/bin/env bash
# Starts eigenscope on the built-in demo model (cpu-paper-mqar-mamba2).
# The desktop application is not built yet; until it is, this shows the demo model with the CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
cli=build/app/eigenscope-cli
[ -x "$cli" ] || bash scripts/build.sh
"$cli" info preset:cpu-paper-mqar-mamba2
echo
echo "More: $cli --help   |   $cli presets   |   $cli mixers"
