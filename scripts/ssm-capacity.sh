#!/usr/bin/env bash
# Why S4 and the LRU stay on MQAR's plateau at d = 64 (scripts/sweep-mqar.sh): the same models with fewer
# key-value pairs to hold (T = 64, 2 and 4 pairs) and wider (d = 128, 256 at 4 pairs, the state per channel
# unchanged), one seed, at the sweep's best learning rate and the presets' other settings, at most STEPS steps
# (stop at 99 %). If they learn with fewer pairs or more width, the plateau is capacity, not a defect.
# Writes docs/results/ssm-capacity.md. One run per core, one thread each.
set -euo pipefail
cd "$(dirname "$0")/.."
cli=build/app/eigenscope-cli
[ -x "$cli" ] || bash scripts/build.sh
steps=${STEPS:-3000}; jobs=${JOBS:-$(nproc)}; runs=${RUNS:-runs/ssm-capacity}; report=${REPORT:-docs/results/ssm-capacity.md}
mkdir -p "$runs/specs" "$(dirname "$report")"
started=$(date +%s)
configs=()
for model in s4 lru; do
  for pairs in 2 4; do configs+=("$model 64 $pairs"); done
  for d in 128 256; do configs+=("$model $d 4"); done
done
lr_of() { [ "$1" = s4 ] && echo 1e-2 || echo 2.1544e-3; }  # the sweep's best (docs/results/mqar-sweep.md)
train_one() {  # model d pairs
  local name="$1-d$2-kv$3" out="$runs/$1-d$2-kv$3"
  [ -f "$out/done" ] && return 0
  rm -rf "$out"
  "$cli" info "preset:cpu-paper-mqar-$1" --spec | sed -n '/^{/,$p' |
    python3 -c 'import json, sys; s = json.load(sys.stdin); s["d_model"] = int(sys.argv[1]); s["name"] = sys.argv[2]; json.dump(s, sys.stdout)' \
      "$2" "$name" > "$runs/specs/$name.json"
  local t0=$(date +%s)
  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$cli" train --model "$runs/specs/$name.json" \
    --task "task:mqar:seq_len=64,kv_pairs=$3,vocab=256" --steps "$steps" --batch 32 --lr "$(lr_of "$1")" --seed 1 \
    --eval-every 100 --target-acc 0.99 --out "$out" > "$out.log" 2>&1
  echo "$(( $(date +%s) - t0 ))" > "$out/done"
  echo "$name: $(tail -1 "$out.log")"
}
for c in "${configs[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  train_one $c &
done
wait
python3 - "$runs" "$report" "$steps" "$(( $(date +%s) - started ))" "${configs[@]}" <<'PY'
import csv, sys
runs, report, steps, elapsed, configs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5:]
lines = ["# S4 and the LRU on MQAR: fewer pairs, more width", "",
         f"`scripts/ssm-capacity.sh`: MQAR T = 64, vocabulary 256, batch 32, at most {steps} steps (stop at 99 %), "
         "seed 1; S4 at lr 1e-2, the LRU at 2.1544e-3 (the sweep's best), the presets' other settings; d_state "
         f"unchanged (64). {elapsed // 60} min on this machine (2 cores, one run per core).", "",
         "| model | d | pairs | accuracy % (last evaluation) | best % | steps | plateau: guessing among the pairs' values |",
         "|---|---|---|---|---|---|---|"]
for c in configs:
    model, d, pairs = c.split()
    rows = list(csv.DictReader(open(f"{runs}/{model}-d{d}-kv{pairs}/metrics.csv")))
    last, best = 100 * float(rows[-1]["eval_accuracy"]), 100 * max(float(r["eval_accuracy"]) for r in rows)
    lines.append(f"| {model} | {d} | {pairs} | {last:.1f} | {best:.1f} | {rows[-1]['step']} | {100 / int(pairs):.0f} % |")
open(report, "w").write("\n".join(lines) + "\n")
print("wrote", report)
PY
