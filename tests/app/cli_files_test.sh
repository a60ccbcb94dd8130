#!/usr/bin/env bash
# eigenscope-cli info, convert and analyze on model files: every fixture format converts to a native file that
# info describes; bad files fail with one line naming the file. Usage: cli_files_test.sh CLI FIXTURES_DIR
set -euo pipefail
cli=$1
fixtures=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$cli" info "$fixtures/mamba2_hf" > "$work/info.txt" || fail "info on the Mamba-2 folder"
grep -q "format: Hugging Face / mamba_ssm: Mamba-2" "$work/info.txt" || fail "info does not name the format: $(cat "$work/info.txt")"
grep -q "warning: lm_head.weight rebuilt from the tied embedding" "$work/info.txt" || fail "info does not warn about the tied head"

"$cli" info "$fixtures/paper_softmax/checkpoint.pth" --config "$fixtures/paper_softmax/config.yaml" > "$work/paper.txt" ||
  fail "info on the paper checkpoint"
grep -q "warning: storages saved on cuda:0 were loaded on the CPU" "$work/paper.txt" || fail "no cuda note: $(cat "$work/paper.txt")"

for source in mamba_ssm mamba2_hf mamba2_sharded; do
  "$cli" convert "$fixtures/$source" "$work/$source.safetensors" > /dev/null || fail "convert $source"
  "$cli" info "$work/$source.safetensors" | grep -q "format: eigenscope native" || fail "$source: the converted file is not native"
done
"$cli" convert "$fixtures/paper_mamba2/checkpoint.pth" "$work/paper.safetensors" --config "$fixtures/paper_mamba2/config.yaml" \
  > /dev/null || fail "convert the paper checkpoint"
"$cli" analyze "$work/paper.safetensors" --input task:mqar:vocab=32,kv_pairs=2 --batch 2 --seq-len 16 > "$work/analyze.txt" ||
  fail "analyze the converted file"
grep -q "layer 1 head 1" "$work/analyze.txt" || fail "analyze output: $(cat "$work/analyze.txt")"

printf 'not a model' > "$work/broken.safetensors"
if "$cli" info "$work/broken.safetensors" 2> "$work/err.txt"; then fail "info accepted a broken file"; fi
[ "$(wc -l < "$work/err.txt")" -eq 1 ] || fail "the error is not one line: $(cat "$work/err.txt")"
grep -q "broken.safetensors" "$work/err.txt" || fail "the error does not name the file: $(cat "$work/err.txt")"
if "$cli" convert "$fixtures/mamba2_hf" "$work/out.bin" 2> "$work/err2.txt"; then fail "convert wrote a non-safetensors file"; fi
grep -q "out.bin: the native format is a .safetensors file" "$work/err2.txt" || fail "$(cat "$work/err2.txt")"
# train takes a preset's training settings unless flags override them, and the run folder records what it used.
"$cli" train --model preset:cpu-paper-mqar-mamba2 --task task:mqar:seq_len=16,kv_pairs=2,vocab=32 --steps 2 --batch 2 \
  --eval-every 2 --out "$work/run-preset" > "$work/train.txt" || fail "train with the preset's settings failed"
grep -q "training settings: lr 0.01, weight decay 0.1" "$work/train.txt" || fail "no preset settings: $(cat "$work/train.txt")"
grep -q '"lr": 0.01' "$work/run-preset/run.json" || fail "run.json does not record lr 0.01"
"$cli" train --model preset:cpu-paper-mqar-lru --task task:mqar:seq_len=16,kv_pairs=2,vocab=32 --steps 2 --batch 2 \
  --eval-every 2 --lr 0.003 --out "$work/run-flag" > /dev/null || fail "train with --lr failed"
grep -q '"lr": 0.003' "$work/run-flag/run.json" || fail "--lr did not override the preset"
grep -q '"weight_decay": 0.01' "$work/run-flag/run.json" || fail "the LRU preset's weight decay 0.01 was not used"
# info --spec writes a spec file with the preset's training settings; train on that file uses them.
"$cli" info preset:cpu-paper-mqar-lru --spec | sed -n '/^{/,$p' > "$work/lru.json"
grep -q '"ssm_lr_vars"' "$work/lru.json" || fail "info --spec leaves out the training settings"
"$cli" train --model "$work/lru.json" --task task:mqar:seq_len=16,kv_pairs=2,vocab=32 --steps 2 --batch 2 \
  --eval-every 2 --out "$work/run-file" > "$work/train-file.txt" || fail "train on a spec file failed"
grep -q "SSM variables at 0.001 without weight decay (the spec file's" "$work/train-file.txt" \
  || fail "the spec file's settings were not used: $(cat "$work/train-file.txt")"
grep -q '"weight_decay": 0.01' "$work/run-file/run.json" || fail "run.json does not record the file's weight decay"
echo "cli files: ok"
