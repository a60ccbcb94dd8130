#!/usr/bin/env bash
# eigenscope-cli analyze on every preset in both modes writes the JSON, NPZ and CSV outputs; bad input fails
# with a one-line reason. Usage: cli_analyze_test.sh PATH/TO/eigenscope-cli
set -euo pipefail
cli=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

presets=$("$cli" presets | cut -d' ' -f1)
[ -n "$presets" ] || fail "no presets listed"
count=0
for preset in $presets; do
  for mode in corrected paper; do
    out="$work/$preset-$mode"
    "$cli" analyze "preset:$preset" --mode "$mode" --batch 2 --seq-len 32 --init --impulse 0,5 \
      --json "$out.json" --npz "$out.npz" --csv "$out.csv" > "$out.txt" 2> "$out.err" || fail "$preset $mode: $(cat "$out.err")"
    grep -q '"bins_mean"' "$out.json" || fail "$preset $mode: JSON without bins_mean"
    grep -q '"init"' "$out.json" || fail "$preset $mode: JSON without the init result"
    grep -q "\"mode\": \"$mode\"" "$out.json" || fail "$preset $mode: JSON with the wrong mode"
    [ "$(head -c 2 "$out.npz")" = "PK" ] || fail "$preset $mode: NPZ is not a zip archive"
    grep -q "layer1_eig.npy" "$out.npz" || fail "$preset $mode: NPZ without layer1_eig"
    grep -q "init_layer0_bins_mean.npy" "$out.npz" || fail "$preset $mode: NPZ without the init arrays"
    for table in bins metrics decay eigenvalues; do
      [ -s "$out.csv/$table.csv" ] || fail "$preset $mode: missing $table.csv"
    done
    grep -q "^init,1,0," "$out.csv/bins.csv" || fail "$preset $mode: bins.csv without init rows"
    count=$((count + 1))
  done
done

"$cli" analyze preset:cpu-paper-mqar-mamba2 --batch 1 --seq-len 16 --json - | grep -q '"layers"' || fail "--json - prints nothing"
"$cli" analyze preset:cpu-gla --batch 1 --seq-len 16 --layers 1 --heads 1 --csv "$work/sel" > "$work/sel.txt" ||
  fail "--layers/--heads failed"
grep -q "layer 1 head 1 " "$work/sel.txt" || fail "--layers 1 --heads 1 does not print layer 1 head 1: $(cat "$work/sel.txt")"
! grep -q "layer 0 " "$work/sel.txt" || fail "--layers 1 still prints layer 0"
cut -d, -f2,3 "$work/sel/metrics.csv" | tail -n +2 | sort -u | grep -qx "1,1" || fail "metrics.csv does not name layer 1 head 1"
if "$cli" analyze preset:cpu-gla --batch 1 --seq-len 16 --layers 0,7 2> "$work/sel.err"; then
  fail "a layer past the model was accepted"
fi
grep -q "layers: 7 is outside the model's 2 layers" "$work/sel.err" || fail "unclear --layers error: $(cat "$work/sel.err")"
printf 'not numpy' > "$work/bad.npy"
if "$cli" analyze preset:cpu-paper-mqar-mamba2 --input "tokens:$work/bad.npy" 2> "$work/bad.err"; then
  fail "a corrupt input file was accepted"
fi
grep -q "bad.npy: not a .npy file" "$work/bad.err" || fail "unclear error: $(cat "$work/bad.err")"
[ "$(wc -l < "$work/bad.err")" -eq 1 ] || fail "the error is not one line"
echo "cli analyze: $count preset × mode runs wrote JSON, NPZ and CSV"
