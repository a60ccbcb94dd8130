#!/usr/bin/env bash
# The learning-rate sweep of issue 13 on a CPU-scale MQAR: every MQAR model (the paper's cpu- presets and s6) at
# logspace(−4, −2, 4), one seed, short runs, each run on one thread and one run per core; then every model below
# 90 % again at its best lr for LONG_STEPS. Writes docs/results/mqar-sweep.md: the best evaluation accuracy of each
# run and the step it stopped at. The presets' other training settings (weight decay, warmup, SSM rate) are kept;
# only the peak lr varies.
set -euo pipefail
cd "$(dirname "$0")/.."
cli=build/app/eigenscope-cli
[ -x "$cli" ] || bash scripts/build.sh
models=${MODELS:-"cpu-paper-mqar-softmax cpu-paper-mqar-linear cpu-paper-mqar-norm cpu-paper-mqar-mamba2 cpu-paper-mqar-s4 cpu-paper-mqar-lru s6"}
lrs=${LRS:-"1e-4 4.6416e-4 2.1544e-3 1e-2"}
task=${TASK:-task:mqar:seq_len=64,kv_pairs=4,vocab=256}
steps=${STEPS:-1500}; long_steps=${LONG_STEPS:-8000}; batch=${BATCH:-32}; seed=${SEED:-1}; jobs=${JOBS:-$(nproc)}
runs=${RUNS:-runs/mqar-sweep}; report=${REPORT:-docs/results/mqar-sweep.md}
mkdir -p "$runs" "$(dirname "$report")"
started=$(date +%s)
run_one() {  # model lr steps folder
  local out="$runs/$4"
  [ -f "$out/done" ] && return 0
  rm -rf "$out"
  if OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$cli" train --model "preset:$1" --task "$task" --steps "$3" \
      --batch "$batch" --lr "$2" --seed "$seed" --eval-every 100 --target-acc 0.99 --out "$out" > "$out.log" 2>&1; then
    touch "$out/done"
  fi
  echo "$1 lr $2, $3 steps: $(tail -1 "$out.log")"
}
queue() {  # model lr steps folder
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  run_one "$@" &
}
best_below() {  # "model lr" for each model whose best short run stays under 90 %
  python3 - "$runs" "$models" "$lrs" <<'PY'
import csv, os, sys
runs, models, lrs = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
for m in models:
    best = []
    for lr in lrs:
        path = f"{runs}/{m}-lr{lr}/metrics.csv"
        rows = list(csv.DictReader(open(path))) if os.path.exists(path) else []
        if rows: best.append((max(float(r["eval_accuracy"]) for r in rows), lr))
    if best and max(best)[0] < 0.9: print(m, max(best)[1])
PY
}
for model in $models; do
  for lr in $lrs; do queue "$model" "$lr" "$steps" "$model-lr$lr"; done
done
wait
while read -r model lr; do queue "$model" "$lr" "$long_steps" "long-$model-lr$lr"; done < <(best_below)
wait
python3 - "$runs" "$report" "$models" "$lrs" "$task" "$steps" "$long_steps" "$batch" "$seed" "$(( $(date +%s) - started ))" <<'PY'
import csv, glob, os, sys
runs, report, models, lrs, task, steps, long_steps, batch, seed, elapsed = sys.argv[1:]
lrs = lrs.split()
def result(folder):  # best evaluation accuracy, last step
    path = f"{runs}/{folder}/metrics.csv"
    rows = list(csv.DictReader(open(path))) if os.path.exists(path) else []
    return (max(float(r["eval_accuracy"]) for r in rows), int(rows[-1]["step"])) if rows else None
lines = ["# MQAR learning-rate sweep at CPU scale", "",
         f"`scripts/sweep-mqar.sh`: {task}, batch {batch}, at most {steps} steps (stop at 99 % evaluation accuracy), "
         f"seed {seed}, peak lr over logspace(−4, −2, 4) with each preset's other training settings; "
         f"{int(elapsed) // 60} min on this machine. Cells: best evaluation accuracy (4 fixed batches) and the last "
         "step; **bold** the model's best lr.", "",
         "| model | " + " | ".join(f"lr {lr}" for lr in lrs) + " |", "|---|" + "---|" * len(lrs)]
for m in models.split():
    cells = [result(f"{m}-lr{lr}") for lr in lrs]
    best = max((c[0] for c in cells if c), default=None)
    text = [("–" if c is None else (f"**{100*c[0]:.1f} %** ({c[1]})" if c[0] == best else f"{100*c[0]:.1f} % ({c[1]})"))
            for c in cells]
    lines.append(f"| {m} | " + " | ".join(text) + " |")
long = sorted(glob.glob(f"{runs}/long-*/metrics.csv"))
if long:
    lines += ["", f"## Below 90 %: again at the best lr, at most {long_steps} steps", "",
              "| model | lr | best accuracy | last step |", "|---|---|---|---|"]
    for path in long:
        folder = path.split("/")[-2]
        model, lr = folder[len("long-"):].rsplit("-lr", 1)
        acc, step = result(folder)
        lines.append(f"| {model} | {lr} | {100*acc:.1f} % | {step} |")
open(report, "w").write("\n".join(lines) + "\n")
print(f"wrote {report}")
PY
