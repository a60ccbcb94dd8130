#!/usr/bin/env python3
"""Does a spectral summary of a trained model predict its MQAR accuracy? (issue 13; the paper has no such metric.)

    python3 scripts/predictive-metric.py [RUNS_DIR ...]   (default: runs/paper-claims runs/mqar-sweep)

Takes every finished run in the folders given (run folders of `eigenscope-cli train`) whose task is the study's
MQAR, analyses its final checkpoint on one MQAR batch in both modes, and computes Spearman's rank correlation
between each spectral summary and the run's final evaluation accuracy, with a bootstrap 95 % interval (runs
resampled with replacement, 4000 times, fixed seed) and the mean of the within-architecture correlations (so that
"attention differs from SSMs" does not pass for prediction). Writes docs/results/predictive-metric.md.
Standard library only.
"""
import csv
import json
import os
import random
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.path.join(ROOT, "build/app/eigenscope-cli")
TASK = "task:mqar:seq_len=64,kv_pairs=4,vocab=256"
PROBE = ["--input", TASK, "--batch", "8", "--seed", "7"]
SUMMARIES = {
    "alignment": "task alignment: fraction of the task's query–key gaps within the longest memory horizon",
    "near1": "% of |λ| in [0.9, 1)",
    "near0": "% of |λ| below 0.5",
    "near_circle": "% of |λ| within 1 ± 0.1 (the metrics' near-circle fraction)",
}


def finished_runs(folders):
    for folder in folders:
        for name in sorted(os.listdir(folder)):
            run = os.path.join(folder, name)
            if not os.path.isfile(os.path.join(run, "run.json")) or not os.path.isfile(os.path.join(run, "latest")):
                continue
            description = json.load(open(os.path.join(run, "run.json")))
            if description["task"] != TASK:
                continue
            rows = list(csv.DictReader(open(os.path.join(run, "metrics.csv"))))
            if rows:
                yield run, description, float(rows[-1]["eval_accuracy"])


def analysis(run, mode, cache):
    path = os.path.join(cache, os.path.basename(os.path.dirname(run)) + "-" + os.path.basename(run) + f"-{mode}.json")
    if not os.path.exists(path):
        checkpoint = os.path.join(run, open(os.path.join(run, "latest")).read().strip(), "model.safetensors")
        subprocess.run([CLI, "analyze", checkpoint, *PROBE, "--mode", mode, "--json", path], check=True,
                       capture_output=True)
    result = json.load(open(path))
    heads = [bins for layer in result["layers"] for bins in layer["bins_mean"]]
    mean = [statistics.fmean(h[i] for h in heads) for i in range(len(heads[0]))]
    metrics = [m for layer in result["layers"] for m in layer["metrics"]]
    return {"alignment": result["model_alignment"], "near1": mean[3], "near0": mean[0] + mean[1],
            "near_circle": 100 * statistics.fmean(m["near_circle_fraction"] for m in metrics)}


def ranks(values):
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1  # ties share their mean rank
        i = j + 1
    return out


def spearman(x, y):
    rx, ry = ranks(x), ranks(y)
    mx, my = statistics.fmean(rx), statistics.fmean(ry)
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    sxx, syy = sum((a - mx) ** 2 for a in rx), sum((b - my) ** 2 for b in ry)
    return sxy / (sxx * syy) ** 0.5 if sxx > 0 and syy > 0 else float("nan")


def bootstrap(x, y, resamples=4000, seed=13):
    rng = random.Random(seed)
    values = []
    for _ in range(resamples):
        pick = [rng.randrange(len(x)) for _ in x]
        r = spearman([x[i] for i in pick], [y[i] for i in pick])
        if r == r:
            values.append(r)
    values.sort()
    return values[int(0.025 * len(values))], values[int(0.975 * len(values)) - 1]


def within(groups, key, mode):
    rs = []
    for runs in groups.values():
        if len(runs) >= 4:
            r = spearman([s[mode][key] for s in runs], [s["accuracy"] for s in runs])
            if r == r:
                rs.append(r)
    return (statistics.fmean(rs), len(rs)) if rs else (float("nan"), 0)


def main():
    folders = sys.argv[1:] or [os.path.join(ROOT, "runs/paper-claims"), os.path.join(ROOT, "runs/mqar-sweep")]
    cache = os.path.join(ROOT, "runs/predictive-metric")
    os.makedirs(cache, exist_ok=True)
    started = time.time()
    samples = []
    for run, description, accuracy in finished_runs(folders):
        samples.append({"run": os.path.relpath(run, ROOT), "architecture": description["spec"]["blocks"][0]["mixer"]["type"],
                        "layers": len(description["spec"]["blocks"]), "accuracy": 100 * accuracy,
                        "corrected": analysis(run, "corrected", cache), "paper": analysis(run, "paper", cache)})
    groups = {}
    for s in samples:
        groups.setdefault(s["architecture"], []).append(s)
    accuracy = [s["accuracy"] for s in samples]
    lines = ["# A predictive spectral metric? Rank correlation with MQAR accuracy", "",
             f"`python3 scripts/predictive-metric.py`: {len(samples)} trained models (every finished run of "
             f"{', '.join(os.path.relpath(f, ROOT) for f in folders)} on {TASK}: "
             f"{len(groups)} architectures × learning rates, widths, depths, ablations and seeds), each final "
             "checkpoint analysed on one MQAR batch of 8 (`--seed 7`) in both modes; accuracy: the run's last "
             f"evaluation. {time.time() - started:.0f} s of analysis on this machine.", "",
             "Spearman's ρ over all models, its bootstrap 95 % interval (models resampled with replacement, 4000 "
             "times), and the mean ρ within architectures that have ≥ 4 models (the summary must rank models of "
             "one architecture too, not only tell attention from SSMs).", "",
             "| summary | mode | ρ | 95 % interval | mean ρ within architectures (groups) |", "|---|---|---|---|---|"]
    verdicts = []
    for key, meaning in SUMMARIES.items():
        for mode in ("paper", "corrected"):
            x = [s[mode][key] for s in samples]
            r = spearman(x, accuracy)
            lo, hi = bootstrap(x, accuracy)
            w, n = within(groups, key, mode)
            lines.append(f"| {key} | {mode} | {r:+.2f} | [{lo:+.2f}, {hi:+.2f}] | {w:+.2f} ({n}) |")
            verdicts.append((key, mode, r, lo, hi, w, n))
    lines += ["", "Summaries: " + "; ".join(f"**{k}**: {v}" for k, v in SUMMARIES.items()) + ".", "",
              "## Reading", ""]
    for key, mode, r, lo, hi, w, n in verdicts:
        if mode != "paper":
            continue
        if lo > 0 and w > 0 and n >= 2:
            text = "predicts accuracy: the interval excludes 0 and it ranks models within architectures too"
        elif lo > 0 and w > 0:
            text = (f"the interval excludes 0, but the within-architecture check rests on {n} architecture, the "
                    "only one where the summary varies: suggestive, not established")
        elif lo > 0:
            text = ("ranks architectures (interval above 0) but not models within an architecture "
                    f"(mean within-architecture ρ {w:+.2f}): it tells model families apart rather than predicting")
        elif hi < 0:
            text = "anti-correlated with accuracy (interval below 0)"
        else:
            text = "no evidence of prediction: the interval contains 0"
        if key == "alignment":
            below = [x for x in samples if x["paper"]["alignment"] < 1]
            text += (f". It is below 1 in only {len(below)} of {len(samples)} models (" +
                     ", ".join(f"{x['run']} at {x['accuracy']:.1f} %" for x in below) +
                     "): at this T every other model's longest horizon covers all of the task's gaps, so the "
                     "summary saturates and its ρ rests on those few")
        lines.append(f"- **{key}** (paper mode, ρ {r:+.2f}): {text}.")
    lines += ["", "What would falsify a summary as a predictor: a 95 % interval containing 0 on models it has not "
              "been tuned on, or a within-architecture ρ near 0 or negative (then it only separates model "
              "families). The models here share one task and size; many sit on the 1-in-4 plateau of MQAR "
              "(accuracy ≈ 25 %), which ties their accuracies. Task alignment can only be tested where some models' "
              "horizons fall short of the task's gaps; at T = 64 it saturates, and a longer MQAR (the paper's "
              "T = 512, `scripts/reproduce-mqar.sh --paper-scale` on a GPU) is the test it still needs.", "",
              "## The models", "", "| run | architecture | layers | accuracy % | alignment | near 1 % | near 0 % |",
              "|---|---|---|---|---|---|---|"]
    for s in sorted(samples, key=lambda s: (s["architecture"], s["accuracy"])):
        p = s["paper"]
        lines.append(f"| {s['run']} | {s['architecture']} | {s['layers']} | {s['accuracy']:.1f} | "
                     f"{p['alignment']:.2f} | {p['near1']:.1f} | {p['near0']:.1f} |")
    report = os.path.join(ROOT, "docs/results/predictive-metric.md")
    with open(report, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote", report)


if __name__ == "__main__":
    sys.exit(main())
