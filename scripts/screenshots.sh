#!/usr/bin/env bash
# Renders the main window offscreen to docs/screenshots/*.png: the demo model, a comparison against a pinned
# result, the T×T impulse map, and the training view (init vs trained overlay). Builds first when the application is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
app=build/app/eigenscope
[ -x "$app" ] || bash scripts/build.sh
out=docs/screenshots
mkdir -p "$out"
export QT_QPA_PLATFORM=offscreen
# Keep the user's settings (window layout, recent files) out of the pictures.
export XDG_CONFIG_HOME="$(mktemp -d)"
trap 'rm -rf "$XDG_CONFIG_HOME"' EXIT
"$app" --screenshot "$out/demo.png"
"$app" --scenario compare --screenshot "$out/compare.png"
"$app" preset:cpu-paper-mqar-softmax --scenario map --screenshot "$out/softmax-map.png"
"$app" --scenario training --size 1600x1150 --screenshot "$out/training.png"
