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
grep -q "|λ| bins per layer" "$dir/figure.svg" || grep -q "bins per layer" "$dir/figure.svg"
head -c 4 "$dir/figure.pdf" | grep -q "%PDF"
if "$gui" preset:s6 --plots bins,nope --figure "$dir/x.png" 2> "$dir/err"; then echo "an unknown plot was accepted"; exit 1; fi
grep -q 'unknown plot "nope"' "$dir/err"
if "$gui" preset:s6 --compare sideways --figure "$dir/x.png" 2> "$dir/err"; then echo "a bad --compare was accepted"; exit 1; fi
grep -q "must be none or init" "$dir/err"
if "$gui" "$dir/missing.safetensors" --figure "$dir/x.png" 2> "$dir/err"; then echo "a missing model was accepted"; exit 1; fi
grep -q "missing.safetensors" "$dir/err"
[ ! -e "$dir/x.png" ]
echo "gui figure: ok"
