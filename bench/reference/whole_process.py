#!/usr/bin/env python3
"""The reference paper analysis as one process: read a model file, run it on a token batch, extract every layer's
eigenvalues the way analysis/eval_eig.py of arXiv 2510.09379's code does, bin them, write the bins.

    python3 whole_process.py MODEL.safetensors TOKENS.npy OUT.json

The model is eigenscope's native file of a paper preset, built in PyTorch by train_reference.py (the reference
code's math); the extraction and the closed bins are paper_analysis.py's, on the block outputs the forward pass
records (the reference reads layer l's output). OUT.json: {"bins": [[7 percentages, mean over the batch, per
head] per layer]}. Written for bench/whole_process.py; needs Debian's python3-torch and python3-numpy.
"""
import json
import pathlib
import sys

import numpy as np
import torch

from paper_analysis import analyse
from train_reference import build, read_safetensors


def main():
    model_path, tokens_path, out_path = sys.argv[1:4]
    torch.set_grad_enabled(False)
    spec, tensors = read_safetensors(pathlib.Path(model_path))
    model = build(spec, tensors).eval()
    tokens = torch.from_numpy(np.load(tokens_path).astype(np.int64))
    outputs = []
    model(tokens, outputs)
    weights = {name: model.w[name].detach() for name in tensors}
    means = analyse(spec["name"], weights, outputs, tokens.shape[1])
    with open(out_path, "w") as f:
        json.dump({"bins": [m.T.tolist() for m in means]}, f)


if __name__ == "__main__":
    main()
