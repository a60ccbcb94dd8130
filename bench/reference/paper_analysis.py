#!/usr/bin/env python3
"""The reference paper analysis, done the way its code does it, on the layers eigenscope dumped.

For each preset file written by `analysis_bench --dump DIR`, this script takes every layer's output and the
weights, extracts the eigenvalues as analysis/eval_eig.py of arXiv 2510.09379's code does (dense B x T x T x H
scores in PyTorch, float64 NumPy for the normalizers, closed-interval NumPy binning), and times that work. It
also compares its bin percentages with eigenscope's paper mode on the same numbers.

With --device cuda it does the same extraction and binning in PyTorch alone, every array on the GPU (the work a
PyTorch user would do there: dense scores, normalizers, ratios, closed bins; no forward pass), and reports
milliseconds per model.

Written for this benchmark from the paper's description of its pipeline; it needs Debian's python3-torch and
python3-numpy. Usage: python3 paper_analysis.py DIR [--repeats N] [--device cpu|cuda]
"""
import argparse
import pathlib
import time

import numpy as np
import torch
import torch.nn.functional as F

THRESHOLDS = np.array([0.1, 0.5, 0.9, 1.0, 10.0, 100.0])


def bins_closed(eta):
    """Percentages per (b, h) over axis 1, with the reference's closed middle bins; eta: (B, N, H)."""
    count = eta.shape[1]
    out = [((eta >= 0) & (eta <= THRESHOLDS[0])).sum(axis=1)]
    for lo, hi in zip(THRESHOLDS[:-1], THRESHOLDS[1:]):
        out.append(((eta >= lo) & (eta <= hi)).sum(axis=1))
    out.append((eta > THRESHOLDS[-1]).sum(axis=1))
    return np.stack(out) / count * 100  # (7, B, H)


def heads(x, n_heads):
    b, t, width = x.shape
    return x.reshape(b, t, n_heads, width // n_heads)


def eig_softmax(x, w, prefix, d_qk, n_heads):
    qkv = F.linear(x, w[prefix + "Wqkv.weight"], w[prefix + "Wqkv.bias"])
    q, k = heads(qkv[..., :d_qk], n_heads), heads(qkv[..., d_qk:2 * d_qk], n_heads)
    t = x.shape[1]
    mask = torch.tril(torch.ones(t, t, dtype=x.dtype))
    scores = torch.einsum("bthd,bshd->btsh", q, k) * mask[None, :, :, None]
    row_max = scores.max(dim=2).values                                   # (B, T, H), zeros included
    normalized = scores - row_max[:, :, None, :] * mask[None, :, :, None]
    nu = np.nan_to_num(np.exp(normalized.numpy().astype(np.float64))).sum(axis=2)
    m = row_max.numpy().astype(np.float64)
    return nu[:, :-1] / nu[:, 1:] * np.exp(m[:, :-1] - m[:, 1:])


def eig_linear(x, w, prefix, d_qk, n_heads):
    qkv = F.linear(x, w[prefix + "Wqkv.weight"], w[prefix + "Wqkv.bias"])
    q = F.elu(heads(qkv[..., :d_qk], n_heads)) + 1
    k = F.elu(heads(qkv[..., d_qk:2 * d_qk], n_heads)) + 1
    t = x.shape[1]
    mask = torch.tril(torch.ones(t, t, dtype=x.dtype))
    scores = torch.einsum("bthd,bshd->btsh", q, k) * mask[None, :, :, None]
    nu = np.nan_to_num(scores.numpy().astype(np.float64)).sum(axis=2)
    nu[nu == 0.0] = 2e-23
    return nu[:, :-1] / nu[:, 1:]


def eig_norm(x, w, prefix, d_qk, n_heads):
    vqkn = F.linear(x, w[prefix + "Wvqkn.weight"], w[prefix + "Wvqkn.bias"])
    n = vqkn[..., -n_heads:]
    g = torch.exp(-F.softplus(n + w[prefix + "inner_attn.offset"])).numpy().astype(np.float64)
    g[g == 0.0] = 2e-23
    return g[:, 1:] / g[:, :-1]


def eig_mamba2(x, w, prefix, n_heads):
    dt = F.linear(x, w[prefix + "in_proj.weight"])[..., -n_heads:]
    dt = F.softplus(dt + w[prefix + "dt_bias"])
    return torch.exp(dt * -torch.exp(w[prefix + "A_log"])).numpy()


def eig_s4(w, prefix, step_len):
    """eig of the bilinear DPLR transition for every channel (the reference does one channel)."""
    # In double precision: in complex64 (the reference's JAX default) the eigenvalues of these non-normal
    # matrices move enough to shift about 2 percentage points between bins.
    lam_re = w[prefix + "Lambda_re"].numpy().astype(np.float64)
    lam_im = w[prefix + "Lambda_im"].numpy().astype(np.float64)
    p = w[prefix + "P"].numpy().astype(np.float64)
    p = p[..., 0] + 1j * p[..., 1]
    steps = np.exp(w[prefix + "log_step"].numpy().astype(np.float64)[0])
    values = []
    for c in range(lam_re.shape[1]):
        lam = np.minimum(lam_re[:, c], -1e-4) + 1j * lam_im[:, c]
        a = np.diag(lam) - np.outer(p[:, c], p[:, c].conj())
        eye = np.eye(len(lam))
        a0 = (2.0 / steps[c]) * eye + a
        d = np.diag(1.0 / ((2.0 / steps[c]) - lam))
        pc = p[:, c].reshape(-1, 1)
        qc = pc.conj().T
        a1 = d - (d @ pc * (1.0 / (1 + (qc @ d @ pc))) * qc @ d)
        values.append(np.linalg.eigvals(a1 @ a0))
    return np.abs(np.stack(values, axis=1))  # (N, d)


def eig_lru(w, prefix):
    lam = np.exp(-np.exp(w[prefix + "nu_log"].numpy()) + 1j * np.exp(w[prefix + "theta_log"].numpy()))
    return np.abs(lam)


def analyse(name, w, layers, seq_len):
    """Eigenvalues and bin percentages of every layer; returns [(7, H) batch means]."""
    means = []
    for l, x in enumerate(layers):
        if "softmax" in name:
            eta = eig_softmax(x, w, f"layers.{l}.attention.", 128, 1)
        elif "linear" in name:
            eta = eig_linear(x, w, f"layers.{l}.attention.", 128, 1)
        elif "norm" in name:
            eta = eig_norm(x, w, f"layers.{l}.attention.", 128, 1)
        elif "mamba2" in name:
            eta = eig_mamba2(x, w, f"blocks.{l}.mamba.", 1)
        elif "s4" in name:
            values = eig_s4(w, f"layers.{l}.seq.", seq_len)
            means.append(bins_closed(values.reshape(1, -1, 1)).mean(axis=1))
            continue
        else:
            values = eig_lru(w, f"layers.{l}.seq.")
            means.append(bins_closed(values.reshape(1, -1, 1)).mean(axis=1))
            continue
        percentages = bins_closed(np.abs(eta))
        means.append(percentages.mean(axis=1))
        percentages.std(axis=1)
    return means


def bins_closed_torch(eta):
    """bins_closed in PyTorch on eta's device; eta: (B, N, H) → (7, B, H) percentages."""
    edges = [0.0] + THRESHOLDS.tolist()
    out = [((eta >= lo) & (eta <= hi)).sum(dim=1) for lo, hi in zip(edges[:-1], edges[1:])]
    out.append((eta > THRESHOLDS[-1]).sum(dim=1))
    return torch.stack(out).double() / eta.shape[1] * 100


def analyse_on_device(name, w, layers):
    """The eigenvalues and closed bins of every layer in PyTorch alone; returns [(7, H) batch means]."""
    means = []
    for l, x in enumerate(layers):
        t = x.shape[1]
        mask = torch.tril(torch.ones(t, t, dtype=x.dtype, device=x.device))
        if "softmax" in name or "linear" in name:
            pre = f"layers.{l}.attention."
            qkv = F.linear(x, w[pre + "Wqkv.weight"], w[pre + "Wqkv.bias"])
            q, k = heads(qkv[..., :128], 1), heads(qkv[..., 128:256], 1)
            if "linear" in name:
                q, k = F.elu(q) + 1, F.elu(k) + 1
            scores = torch.einsum("bthd,bshd->btsh", q, k) * mask[None, :, :, None]
            if "softmax" in name:
                row_max = scores.max(dim=2).values
                nu = torch.exp(scores - row_max[:, :, None, :] * mask[None, :, :, None]).sum(dim=2)
                eta = nu[:, :-1] / nu[:, 1:] * torch.exp(row_max[:, :-1] - row_max[:, 1:])
            else:
                nu = scores.sum(dim=2)
                eta = nu[:, :-1] / nu[:, 1:]
        elif "norm" in name:
            pre = f"layers.{l}.attention."
            n = F.linear(x, w[pre + "Wvqkn.weight"], w[pre + "Wvqkn.bias"])[..., -1:]
            g = torch.exp(-F.softplus(n + w[pre + "inner_attn.offset"]))
            eta = g[:, 1:] / g[:, :-1]
        elif "mamba2" in name:
            pre = f"blocks.{l}.mamba."
            dt = F.softplus(F.linear(x, w[pre + "in_proj.weight"])[..., -1:] + w[pre + "dt_bias"])
            eta = torch.exp(dt * -torch.exp(w[pre + "A_log"]))
        else:
            pre = f"layers.{l}.seq."
            if "s4" in name:
                lam = torch.complex(w[pre + "Lambda_re"].double().clamp(max=-1e-4), w[pre + "Lambda_im"].double()).T
                p = torch.complex(w[pre + "P"][..., 0].double(), w[pre + "P"][..., 1].double()).T  # (d, N)
                a = torch.diag_embed(lam) - p.unsqueeze(-1) * p.conj().unsqueeze(-2)
                half = (torch.exp(w[pre + "log_step"].double()[0]) / 2).reshape(-1, 1, 1)
                eye = torch.eye(a.shape[-1], dtype=a.dtype, device=a.device)
                values = torch.linalg.eigvals(torch.linalg.solve(eye - half * a, eye + half * a)).abs()
            else:
                values = torch.exp(-torch.exp(w[pre + "nu_log"])).double()
            means.append(bins_closed_torch(values.reshape(1, -1, 1)).mean(dim=1))
            continue
        means.append(bins_closed_torch(eta.abs()).mean(dim=1))
    return [m.cpu().numpy() for m in means]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    args = parser.parse_args()
    torch.set_grad_enabled(False)
    if args.device == "cuda":
        return main_on_device(args)
    print("| preset | reference s | max |bin difference| vs eigenscope paper mode (percentage points) |")
    print("|---|---|---|")
    for path in sorted(pathlib.Path(args.dir).glob("paper-mqar-*.npz")):
        data = np.load(path)
        w = {k: torch.from_numpy(data[k].astype(np.float32)) for k in data.files if "." in k}
        layers = [torch.from_numpy(data[f"layer{l}_output"].astype(np.float32)) for l in range(2)]
        times, means = [], None
        for _ in range(args.repeats):
            start = time.perf_counter()
            means = analyse(path.stem, w, layers, layers[0].shape[1])
            times.append(time.perf_counter() - start)
        ours = [data[f"layer{l}_bins_mean"] for l in range(2)]
        # eigenscope reports S4 per channel (a head each); the reference pools the channels: compare the means.
        difference = max(float(np.abs(m.T.mean(axis=0) - o.mean(axis=0)).max()) for m, o in zip(means, ours))
        print(f"| {path.stem} | {sorted(times)[len(times) // 2]:.3f} | {difference:.3g} |", flush=True)


def main_on_device(args):
    device = torch.device(args.device)
    print(f"PyTorch {torch.__version__} on {torch.cuda.get_device_name()}: eigenvalues and closed bins from the dumped"
          " layer outputs, median of warm runs")
    print("| preset | PyTorch eig + bins ms | max |bin difference| vs eigenscope paper mode |")
    print("|---|---|---|")
    for path in sorted(pathlib.Path(args.dir).glob("paper-mqar-*.npz")):
        data = np.load(path)
        w = {k: torch.from_numpy(data[k].astype(np.float32)).to(device) for k in data.files if "." in k}
        layers = [torch.from_numpy(data[f"layer{l}_output"].astype(np.float32)).to(device) for l in range(2)]
        times, means = [], None
        for _ in range(args.repeats + 2):
            torch.cuda.synchronize()
            start = time.perf_counter()
            means = analyse_on_device(path.stem, w, layers)
            times.append(time.perf_counter() - start)
        ours = [data[f"layer{l}_bins_mean"] for l in range(2)]
        difference = max(float(np.abs(m.T.mean(axis=0) - o.mean(axis=0)).max()) for m, o in zip(means, ours))
        print(f"| {path.stem} | {1000 * sorted(times[2:])[len(times[2:]) // 2]:.2f} | {difference:.3g} |", flush=True)


if __name__ == "__main__":
    main()
