#!/usr/bin/env python3
"""Whole-process paper-mode analysis, eigenscope against the reference, side by side in one run (issue 15).

    /usr/bin/python3 bench/whole_process.py build/app/eigenscope-cli [--batch 64] [--seq-len 512] [--repeats 3]

For each paper MQAR preset (the paper's sizes: d = 128, vocabulary 8192), writes the model as a native file and
one batch of token ids, then times from process start to exit, alternating, REPEATS times each:
  - `eigenscope-cli analyze MODEL --input tokens:FILE --mode paper --json OUT` (bins, metrics, decay curves);
  - `python3 bench/reference/whole_process.py MODEL FILE OUT` (Debian's python3-torch: import, build the model,
    forward, the reference's eigenvalue extraction and closed bins).
Both get OMP_NUM_THREADS (default: all cores). Reports the medians, their ratio and the largest difference of the
two bin tables (percentage points, per layer, heads pooled as the reference pools S4's channels).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
PRESETS = ["paper-mqar-softmax", "paper-mqar-linear", "paper-mqar-norm", "paper-mqar-mamba2", "paper-mqar-s4",
           "paper-mqar-lru"]


def timed(cmd, env):
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("cli")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--seq-len", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--presets", default=",".join(PRESETS))
    args = parser.parse_args()
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    work = tempfile.mkdtemp(prefix="eigenscope-whole-")
    print(f"B = {args.batch}, T = {args.seq_len}, {args.threads} threads, median of {args.repeats} alternating runs")
    print("| preset | eigenscope-cli analyze s | reference process s | reference / eigenscope | max bin difference (points) |")
    print("|---|---|---|---|---|")
    ratios = []
    for preset in args.presets.split(","):
        model = os.path.join(work, preset + ".safetensors")
        subprocess.run([args.cli, "convert", "preset:" + preset, model], check=True, stdout=subprocess.DEVNULL)
        tokens = os.path.join(work, preset + "-tokens.npy")
        np.save(tokens, np.random.default_rng(1).integers(0, 8192, size=(args.batch, args.seq_len), dtype=np.int64))
        ours_json, theirs_json = os.path.join(work, "ours.json"), os.path.join(work, "theirs.json")
        ours_cmd = [args.cli, "analyze", model, "--input", "tokens:" + tokens, "--mode", "paper", "--json", ours_json]
        theirs_cmd = [sys.executable, os.path.join(HERE, "reference", "whole_process.py"), model, tokens, theirs_json]
        ours, theirs = [], []
        for _ in range(args.repeats):
            ours.append(timed(ours_cmd, env))
            theirs.append(timed(theirs_cmd, env))
        mine = json.load(open(ours_json))["layers"]
        reference = json.load(open(theirs_json))["bins"]
        difference = 0.0
        for layer, ref in zip(mine, reference):
            a = np.mean(np.array(layer["bins_mean"]), axis=0)
            b = np.mean(np.array(ref), axis=0)
            difference = max(difference, float(np.abs(a - b).max()))
        o, t = statistics.median(ours), statistics.median(theirs)
        ratios.append(t / o)
        print(f"| {preset} | {o:.2f} | {t:.2f} | {t / o:.1f}× | {difference:.2g} |", flush=True)
    print(f"geometric mean of the ratios: {statistics.geometric_mean(ratios):.1f}×")


if __name__ == "__main__":
    main()
