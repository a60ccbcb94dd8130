#!/usr/bin/env bash
# Renders docs/screenshots/*.png offscreen: the demo model, a comparison against a pinned result, the T×T impulse map,
# the training view (init vs trained overlay), a reopened run, the heads of an RG-LRU as median and band, a 12-layer
# hybrid as a layer × bin heat map, and a comparison board of six briefly trained paper models against their init. Builds first when the application is missing.
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
"$app" preset:cpu-rglru --input task:mqar:kv_pairs=8 --screenshot "$out/heads.png"
"$app" docs/examples/hybrid-12.json --input randn --size 1600x1150 --screenshot "$out/hybrid.png"
"$app" docs/examples/nemotron-like-14.json --input randn --size 1600x1150 --screenshot "$out/hybrid-nemotron.png"
runs=$(mktemp -d)
trap 'rm -rf "$XDG_CONFIG_HOME" "$runs"' EXIT
cli=build/app/eigenscope-cli
for model in softmax linear norm mamba2 s4 lru; do
  "$cli" train --model "preset:cpu-paper-mqar-$model" --task task:mqar:seq_len=64,kv_pairs=4,vocab=64 --steps 300 \
    --lr 3e-3 --batch 32 --eval-every 50 --snapshot-every 100 --out "$runs/$model" > /dev/null
done
"$app" "$runs/mamba2" --size 1600x1150 --screenshot "$out/run.png"
boards=$(for model in softmax linear norm mamba2 s4 lru; do printf '%s,' "$runs/$model"; done)
"$app" --board "${boards%,}" --compare init --plots bins --columns 3 --dpi 96 --figure "$out/board.png"
