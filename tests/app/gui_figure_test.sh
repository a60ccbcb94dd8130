#!/usr/bin/env bash
# eigenscope --figure: a saved model file, opened headless, exported as one figure per format; bad options named.
set -euo pipefail
gui=$1 cli=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export QT_QPA_PLATFORM=offscreen
"$cli" convert preset:cpu-paper-mqar-lru "$dir/lru.safetensors" > /dev/null
for ext in svg png pdf; do
  "$gui" "$dir/lru.safetensors" --compare init --plots bins,decay --figure "$dir/figure.$ext" | grep -q "wrote $dir/figure.$ext"
  [ -s "$dir/figure.$ext" ] || { echo "figure.$ext is empty"; exit 1; }
done
grep -q "<svg" "$dir/figure.svg"
"$gui" "$dir/lru.safetensors" --plots bins --title "LRU after training" --figure "$dir/titled.svg" > /dev/null
grep -q "LRU after training" "$dir/titled.svg"
# Qt's SVG writer splits a title into runs at script changes ("|λ| " and "bins per layer"): join the runs.
svg_text() { tr -d '\n' < "$1" | grep -o '>[^<]*</text>' | sed 's/^>//; s/<\/text>$//' | tr -d '\n'; }
svg_text "$dir/figure.svg" | grep -q "|λ| bins per layer" || { echo "the bins plot's title is missing"; exit 1; }
svg_text "$dir/figure.svg" | grep -q "Memory decay R(k)" || { echo "the decay plot's title is missing"; exit 1; }
head -c 4 "$dir/figure.pdf" | grep -q "%PDF"
# --mode paper: the reference code's analysis, said in the title, its closed bins on the axis.
"$gui" "$dir/lru.safetensors" --mode paper --plots bins --figure "$dir/paper.svg" > /dev/null
svg_text "$dir/paper.svg" | grep -q "bins per layer (paper mode)" || { echo "the paper-mode figure does not say so"; exit 1; }
svg_text "$dir/paper.svg" | grep -q "\[0.9,1\]" || { echo "the paper-mode figure lacks its closed bins"; exit 1; }
if "$gui" preset:s6 --mode sideways --figure "$dir/x.png" 2> "$dir/err"; then echo "a bad --mode was accepted"; exit 1; fi
grep -q "must be corrected or paper" "$dir/err"
if "$gui" preset:s6 --plots bins,nope --figure "$dir/x.png" 2> "$dir/err"; then echo "an unknown plot was accepted"; exit 1; fi
grep -q 'unknown plot "nope"' "$dir/err"
if "$gui" preset:s6 --compare sideways --figure "$dir/x.png" 2> "$dir/err"; then echo "a bad --compare was accepted"; exit 1; fi
grep -q "must be none or init" "$dir/err"
# A model that cannot be opened is an error and writes nothing (the demo must not be drawn instead).
for bad in "$dir/missing.safetensors" "$dir/missing.json" preset:nonexistent; do
  if "$gui" "$bad" --figure "$dir/x.png" 2> "$dir/err"; then echo "$bad was accepted"; exit 1; fi
  grep -q "$(basename "$bad")" "$dir/err" || { echo "the error does not name $bad: $(cat "$dir/err")"; exit 1; }
  [ ! -e "$dir/x.png" ] || { echo "$bad wrote a figure"; exit 1; }
done
# A run folder opens as its latest snapshot.
"$cli" train --model preset:cpu-paper-mqar-lru --task task:mqar:seq_len=16,kv_pairs=2,vocab=32 --steps 4 --batch 2 \
  --snapshot-every 2 --out "$dir/run" > /dev/null
"$gui" "$dir/run" --plots bins --figure "$dir/run.svg" | grep -q "wrote $dir/run.svg"
svg_text "$dir/run.svg" | grep -q "step 4" || { echo "the run's figure does not show its last snapshot"; exit 1; }
# A comparison board: a run folder against its first snapshot beside two presets, as one figure with three cells.
"$gui" --board "$dir/run,preset:cpu-paper-mqar-lru,preset:s6" --compare init --plots bins --seq-len 16 --batch 2 \
  --columns 3 --figure "$dir/board.svg" | grep -q "wrote $dir/board.svg"
[ "$(svg_text "$dir/board.svg" | grep -o "|λ| bins per layer" | wc -l)" -eq 3 ] || { echo "the board has not three cells"; exit 1; }
svg_text "$dir/board.svg" | grep -q "run @ step 4" || { echo "the board does not name the run's snapshot"; exit 1; }
if "$gui" --board "preset:s6,$dir/missing.safetensors" --figure "$dir/bad-board.png" 2> "$dir/err"; then
  echo "a board with a missing model was accepted"; exit 1
fi
grep -q "missing.safetensors" "$dir/err" || { echo "the board's error does not name the file: $(cat "$dir/err")"; exit 1; }
[ ! -e "$dir/bad-board.png" ] || { echo "a failed board wrote a figure"; exit 1; }
echo "gui figure: ok"
