#!/usr/bin/env bash
# Trains the paper's six MQAR models (their cpu- presets) and s6 on CPU-sized MQAR, three seeds each, and writes
# docs/results/mqar-cpu.md: accuracy mean ± std per model and the |λ| bin masses per layer at init and after
# training (from the runs' first and last spectrum snapshots, in paper mode; MODE=corrected for the corrected
# analysis). --paper-scale trains the full-size presets on the
# paper's MQAR (T=512, 64 pairs, vocab 8192, d=128) on a GPU.
# On CPU the runs go JOBS at a time (default: one per core), each on one thread: at these sizes a second
# thread inside a run adds nothing (bench/RESULTS.md), a second run beside it doubles the throughput.
set -euo pipefail
cd "$(dirname "$0")/.."
scale=cpu
for arg in "$@"; do
  case "$arg" in
    --paper-scale) scale=paper ;;
    *) echo "usage: $0 [--paper-scale]   (STEPS=N overrides the step count)" >&2; exit 2 ;;
  esac
done
cli=build/app/eigenscope-cli
[ -x "$cli" ] || bash scripts/build.sh
if [ "$scale" = paper ]; then
  models="paper-mqar-softmax paper-mqar-linear paper-mqar-norm paper-mqar-mamba2 paper-mqar-s4 paper-mqar-lru"
  task="task:mqar:seq_len=512,kv_pairs=64,vocab=8192"; batch=64; device=cuda; steps=${STEPS:-40000}
  runs=${RUNS:-runs/mqar-paper}; report=${REPORT:-docs/results/mqar-paper.md}; jobs=${JOBS:-1}
else
  models="cpu-paper-mqar-softmax cpu-paper-mqar-linear cpu-paper-mqar-norm cpu-paper-mqar-mamba2 cpu-paper-mqar-s4 cpu-paper-mqar-lru s6"
  task="task:mqar:seq_len=128,kv_pairs=8,vocab=256"; batch=32; device=cpu; steps=${STEPS:-3000}
  runs=${RUNS:-runs/mqar-cpu}; report=${REPORT:-docs/results/mqar-cpu.md}; jobs=${JOBS:-$(nproc)}
fi
models=${MODELS:-$models}
seeds=${SEEDS:-1 2 3}
mode=${MODE:-paper}  # the analysis mode of the snapshots, the tables and the figures
mkdir -p "$runs" "$(dirname "$report")"
started=$(date +%s)
train_one() {  # model seed
  local model=$1 seed=$2 out="$runs/$1-seed$2" resume=""
  [ -f "$out/done" ] && return 0
  [ -f "$out/latest" ] && resume="--resume"
  echo "== $model seed $seed"
  if "$cli" train --model "preset:$model" --task "$task" --steps "$steps" --batch "$batch" \
      --seed "$seed" --eval-every 100 --snapshot-every "$steps" --snapshot-mode "$mode" --target-acc 0.99 --device "$device" --out "$out" $resume \
      > "$out.log" 2>&1; then
    echo "   $model seed $seed: $(tail -1 "$out.log")"
    touch "$out/done"
  else
    echo "   $model seed $seed failed: $(tail -1 "$out.log")"
  fi
}
# The slowest model first, so that the parallel runs end together.
ordered=""
for m in $models; do if [ "$m" = s6 ]; then ordered="s6 $ordered"; else ordered="$ordered $m"; fi; done
for model in $ordered; do
  for seed in $seeds; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
    if [ "$jobs" -gt 1 ]; then
      (export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1; train_one "$model" "$seed") &
    else
      train_one "$model" "$seed"
    fi
  done
done
wait
elapsed=$(( $(date +%s) - started ))
# The bar figures: |λ| bins of each model after training (first seed) over its initialization, drawn by the
# desktop application's figure export on an MQAR batch of the task.
figures=${report%.md}
gui=build/app/eigenscope
first_seed=${seeds%% *}
if [ -x "$gui" ]; then
  mkdir -p "$figures"
  for model in $models; do
    run="$runs/$model-seed$first_seed"
    [ -f "$run/latest" ] || continue
    QT_QPA_PLATFORM=offscreen "$gui" "$run/$(cat "$run/latest")/model.safetensors" --input "$task" --compare init \
      --mode "$mode" --title "$model, trained" --plots bins --figure "$figures/$model-bins.png" > /dev/null 2> "$figures/$model.err" || echo "no figure for $model: $(tail -1 "$figures/$model.err")"
    rm -f "$figures/$model.err"
  done
fi
python3 - "$runs" "$report" "$models" "$seeds" "$task" "$steps" "$batch" "$elapsed" "$jobs" "$figures" "$mode" <<'PY'
import ast, csv, glob, os, statistics, struct, sys, zipfile
runs, report, models, seeds, task, steps, batch, elapsed, jobs, figures, mode = sys.argv[1:]
models, seeds = models.split(), seeds.split()
edges = ["[0,0.1)", "[0.1,0.5)", "[0.5,0.9)", "[0.9,1)", "[1,10)", "[10,100)", "[100,∞)"]
def snapshot(out, which):
    files = sorted(glob.glob(f"{out}/snapshots/step-*.npz"), key=lambda p: int(p.split("-")[-1][:-4]))
    if not files: return None
    with zipfile.ZipFile(files[0 if which == "first" else -1]) as z:
        names = [n[:-4] for n in z.namelist() if n.endswith("_bins_mean.npy") and n.startswith("layer")]
        layers = sorted(int(n[5:n.index("_")]) for n in names)
        return [head_mean(z.read(f"layer{l}_bins_mean.npy")) for l in layers]
def head_mean(raw):  # a float64 (H, nbins) .npy → the mean over heads
    length = struct.unpack("<H", raw[8:10])[0]
    header = ast.literal_eval(raw[10:10 + length].decode())
    h, n = header["shape"]
    values = struct.unpack(f"<{h * n}d", raw[10 + length:10 + length + 8 * h * n])
    return [sum(values[i * n + j] for i in range(h)) / h for j in range(n)]
lines = [f"# MQAR at CPU scale: accuracy and |λ| bins", "",
         f"`scripts/reproduce-mqar.sh`: {task}, batch {batch}, at most {steps} steps (early stop at 99 % evaluation "
         f"accuracy), AdamW with the presets' training settings (the paper configs'), seeds {', '.join(seeds)}; "
         f"{int(elapsed) // 60} min on this machine ({jobs} runs at a time). Accuracy: the last evaluation (4 fixed "
         f"batches) of each run. Spectra in {mode} mode (MODE=corrected or MODE=paper).", "",
         "| model | accuracy mean ± std | per seed | steps |", "|---|---|---|---|"]
bins = []
for m in models:
    accs, done_steps = [], []
    for s in seeds:
        path = f"{runs}/{m}-seed{s}/metrics.csv"
        if not os.path.exists(path): continue
        rows = list(csv.DictReader(open(path)))
        if rows:
            accs.append(float(rows[-1]["eval_accuracy"]))
            done_steps.append(int(rows[-1]["step"]))
    if accs:
        sd = statistics.pstdev(accs) if len(accs) > 1 else 0.0
        lines.append(f"| {m} | {100*statistics.mean(accs):.1f} ± {100*sd:.1f} % | "
                     f"{', '.join(f'{100*a:.1f}' for a in accs)} | {', '.join(map(str, done_steps))} |")
    init, final = snapshot(f"{runs}/{m}-seed{seeds[0]}", "first"), snapshot(f"{runs}/{m}-seed{seeds[0]}", "last")
    if init is not None:
        for l, (a, b) in enumerate(zip(init, final)):
            bins.append(f"| {m} | {l} | " + " | ".join(f"{x:.1f} → {y:.1f}" for x, y in zip(a, b)) + " |")
lines += ["", f"## |λ| bin masses (percent, {mode} mode), init → trained, seed {seeds[0]}, mean over heads", "",
          "| model | layer | " + " | ".join(edges) + " |", "|---|---|" + "---|" * len(edges)] + bins
pictures = [m for m in models if os.path.exists(f"{figures}/{m}-bins.png")]
if pictures:
    lines += ["", f"## |λ| bins after training over the initialization (outlines), seed {seeds[0]}, {mode} mode", "",
              "Drawn by `eigenscope --figure` on an MQAR batch of the task (8 sequences); bars: mean ± std over the "
              "batch.", ""]
    lines += [f"**{m}**\n\n![{m}]({os.path.basename(figures)}/{m}-bins.png)\n" for m in pictures]
open(report, "w").write("\n".join(lines) + "\n")
print(f"wrote {report}")
PY
