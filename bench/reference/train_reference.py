#!/usr/bin/env python3
"""The training step of eigenscope's CPU presets, written in PyTorch the way a PyTorch user writes these models.

For each NAME.safetensors / NAME.npz pair written by `train_bench --dump DIR`, this script builds the same model
in PyTorch from the file's spec and weights, checks that its eval-mode logits equal the ones eigenscope computed
on the same batch, and then times the training step train_bench times: forward, cross entropy over the labelled
positions, backward, gradient clipping at 1.0 and an AdamW step, on that batch.

The models follow the reference code's math (arXiv 2510.09379's models/*.py, mamba_ssm's Mamba), each in the
fastest plain-PyTorch form for T = 128: attention and linear/normalized attention as masked T×T products, Mamba-2
as one SSD chunk (the masked quadratic form of ssd_minimal), S4 as its FFT convolution kernel, the LRU as a
log-depth scan over a constant diagonal λ, and S6 as mamba_ssm's selective_scan_ref loop (its CPU path).
Written for this benchmark; needs Debian's python3-torch and python3-numpy.

Usage: python3 train_reference.py DIR [--steps N] [--threads N] [--presets a,b] [--device cpu|cuda]
"""
import argparse
import json
import math
import pathlib
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64}


def read_safetensors(path):
    raw = path.read_bytes()
    size = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + size])
    meta = header.pop("__metadata__", {})
    body = raw[8 + size:]
    tensors = {}
    for name, entry in header.items():
        start, end = entry["data_offsets"]
        array = np.frombuffer(body[start:end], dtype=DTYPES[entry["dtype"]]).reshape(entry["shape"])
        tensors[name] = torch.from_numpy(array.copy())
    return json.loads(meta["eigenscope.spec"]), tensors


def causal_conv(x, weight, bias):
    """Depthwise causal conv over time; x (B, T, C), weight (C, 1, K)."""
    k = weight.shape[-1]
    y = F.conv1d(F.pad(x.transpose(1, 2), (k - 1, 0)), weight, bias, groups=x.shape[-1])
    return y.transpose(1, 2)


def elu1(x):
    return F.elu(x) + 1


class Params(nn.Module):
    """The weights of one file, under their own names, as parameters (buffers for BatchNorm statistics)."""

    def __init__(self, tensors):
        super().__init__()
        self.names = {}
        for i, (name, value) in enumerate(sorted(tensors.items())):
            key = f"p{i}"
            self.names[name] = key
            if "running_" in name:
                self.register_buffer(key, value.clone())
            else:
                setattr(self, key, nn.Parameter(value.clone()))

    def __getitem__(self, name):
        return getattr(self, self.names[name])

    def __contains__(self, name):
        return name in self.names


def heads(x, h):
    b, t, width = x.shape
    return x.view(b, t, h, width // h).transpose(1, 2)  # (B, H, T, width/H)


def merge(x):
    b, h, t, w = x.shape
    return x.transpose(1, 2).reshape(b, t, h * w)


class ReferenceModel(nn.Module):
    """A model of one file: its spec, its weights (w), d_model (d) and dropout rate (p)."""

    def __init__(self, spec, tensors):
        super().__init__()
        self.w = Params(tensors)
        self.spec = spec
        self.d = spec["d_model"]
        self.p = spec["dropout"]


class PaperTransformer(ReferenceModel):
    """models/transformer.py with mixer "none": LN(x + Attn(LN(x))) per block, final LN, LM head without bias."""

    def attention(self, x, i, options, kind):
        w, d, H = self.w, self.d, options["num_heads"]
        dqk = options["state_dim"]
        pre = f"layers.{i}.attention."
        t = x.shape[1]
        causal = torch.ones(t, t, dtype=torch.bool, device=x.device).tril()
        if kind == "norm_attention":
            u = F.linear(x, w[pre + "Wvqkn.weight"], w[pre + "Wvqkn.bias"])
            vqk, n = u[..., :d + 2 * dqk], u[..., d + 2 * dqk:]
            vqk = F.silu(causal_conv(vqk, w[pre + "conv1d.weight"], w[pre + "conv1d.bias"]))
            v, q, k = heads(vqk[..., :d], H), heads(vqk[..., d:d + dqk], H), heads(vqk[..., d + dqk:], H)
            q, k = elu1(q), elu1(k) / math.sqrt(dqk // H)
            scores = (q @ k.transpose(-1, -2)).masked_fill(~causal, 0.0)
            gate = torch.exp(-F.softplus(n + w[pre + "inner_attn.offset"])).transpose(1, 2).unsqueeze(-1)
            o = gate * (scores @ v)
        else:
            u = F.linear(x, w[pre + "Wqkv.weight"], w[pre + "Wqkv.bias"])
            q, k, v = heads(u[..., :dqk], H), heads(u[..., dqk:2 * dqk], H), heads(u[..., 2 * dqk:], H)
            if kind == "softmax_attention":
                scores = (q @ k.transpose(-1, -2)) / math.sqrt(dqk // H)
                o = torch.softmax(scores.masked_fill(~causal, -10000.0), -1) @ v
            else:  # linear attention, φ = elu + 1: (φ(q)·Σφ(k)vᵀ) / (φ(q)·Σφ(k))
                scores = (elu1(q) @ elu1(k).transpose(-1, -2)).masked_fill(~causal, 0.0)
                o = (scores @ v) / scores.sum(-1, keepdim=True)
        return F.linear(merge(o), w[pre + "out_proj.weight"], w[pre + "out_proj.bias"])

    def forward(self, tokens, outputs=None):
        w, d = self.w, self.d
        x = F.embedding(tokens, w["encoder.word_embeddings.weight"])
        if "encoder.position_embeddings.weight" in w:
            x = x + w["encoder.position_embeddings.weight"][:tokens.shape[1]]
        x = F.dropout(x, self.p, self.training)
        for i, block in enumerate(self.spec["blocks"]):
            norm = lambda y: F.layer_norm(y, (d,), w[f"layers.{i}.norm.weight"], w[f"layers.{i}.norm.bias"])
            a = x + F.dropout(self.attention(norm(x), i, block["mixer"]["options"], block["mixer"]["type"]), self.p,
                              self.training)
            x = norm(a)
            if outputs is not None:
                outputs.append(x)
        x = F.layer_norm(x, (d,), w["norm.weight"], w["norm.bias"])
        return F.linear(x, w["decoder.weight"])


class PaperMamba2(ReferenceModel):
    """models/mamba.py with SSD: x + GLU(GELU(SSD(LN(x)))) per block, LM head with bias, no final norm."""

    def ssd(self, x, i, options):
        w, pre = self.w, f"blocks.{i}.mamba."
        H, N = options["num_heads"], options["d_state"]
        di = options["expand"] * self.d
        zx = F.linear(x, w[pre + "in_proj.weight"])
        xbc = F.silu(causal_conv(zx[..., :di + 2 * N], w[pre + "conv1d.weight"], w[pre + "conv1d.bias"]))
        u, B, C = heads(xbc[..., :di], H), xbc[..., di:di + N], xbc[..., di + N:]
        dt = F.softplus(zx[..., di + 2 * N:] + w[pre + "dt_bias"]).transpose(1, 2)  # (B, H, T)
        A = -torch.exp(w[pre + "A_log"])
        cum = torch.cumsum(dt * A[None, :, None], -1)
        t = x.shape[1]
        causal = torch.ones(t, t, dtype=torch.bool, device=x.device).tril()
        decay = torch.exp((cum[..., :, None] - cum[..., None, :]).masked_fill(~causal, -math.inf))  # (B, H, T, T)
        scores = (C @ B.transpose(-1, -2)).unsqueeze(1) * decay
        y = scores @ (dt.unsqueeze(-1) * u) + w[pre + "D"][None, :, None, None] * u
        return F.linear(merge(y), w[pre + "out_proj.weight"])

    def forward(self, tokens, outputs=None):
        w, d = self.w, self.d
        x = F.embedding(tokens, w["encoder.word_embeddings.weight"])
        for i, block in enumerate(self.spec["blocks"]):
            h = self.ssd(F.layer_norm(x, (d,), w[f"blocks.{i}.norm.weight"], w[f"blocks.{i}.norm.bias"]), i,
                         block["mixer"]["options"])
            g = F.linear(F.dropout(F.gelu(h), self.p, self.training), w[f"blocks.{i}.glu.linear.weight"],
                         w[f"blocks.{i}.glu.linear.bias"])
            x = x + F.dropout(g[..., :d] * torch.sigmoid(g[..., d:]), self.p, self.training)
            if outputs is not None:
                outputs.append(x)
        return F.linear(x, w["decoder.weight"], w["decoder.bias"])


def complex_of(pairs):
    return torch.complex(pairs[..., 0], pairs[..., 1])


def s4_kernel(w, pre, length, t):
    """The first t lags of the S4 DPLR kernel of every channel (d, t), from its length-L generating function at
    the L-th roots of unity (L = the model's seq_len)."""
    lam = torch.complex(w[pre + "Lambda_re"].clamp(max=-1e-4), w[pre + "Lambda_im"]).T.unsqueeze(-1)  # (d, N, 1)
    step = torch.exp(w[pre + "log_step"]).reshape(-1, 1, 1)
    omega = torch.exp(-2j * math.pi * torch.arange(length, device=lam.device) / length).to(torch.complex64)
    r = 1.0 / ((2.0 / step) * (1.0 - omega) - lam * (1.0 + omega))  # c/(g − Λ) = 2r
    c_tilde = complex_of(w[pre + "C"]).T.conj().unsqueeze(-1)
    p = complex_of(w[pre + "P"]).T.unsqueeze(-1)
    b = complex_of(w[pre + "B"]).T.unsqueeze(-1)
    s = lambda a, bb: (a * bb * r).sum(1)
    k00, k01, k10, k11 = s(c_tilde, b), s(c_tilde, p), s(p.conj(), b), s(p.conj(), p)
    spectrum = 2.0 * k00 - 2.0 * (1.0 + omega) * k01 * k10 / (1.0 + (1.0 + omega) * k11)
    return torch.fft.ifft(spectrum, dim=-1).real[:, :t]


def fft_conv(u, kernel):
    """Causal convolution of u (B, T, d) with a kernel (d, T)."""
    t = u.shape[1]
    n = 2 * t
    y = torch.fft.irfft(torch.fft.rfft(u.transpose(1, 2), n) * torch.fft.rfft(kernel, n), n)[..., :t]
    return y.transpose(1, 2)


def lru_scan(driven, lam):
    """h_t = λ h_{t−1} + b_t for a constant diagonal λ: log2(T) doubling steps (Hillis–Steele)."""
    h, power, shift = driven, lam, 1
    while shift < h.shape[1]:
        h = h + power * F.pad(h[:, :-shift], (0, 0, shift, 0))
        power, shift = power * power, shift * 2
    return h


class PaperSSM(ReferenceModel):
    """The JAX S4/LRU models of models/s4.py and models/lru.py: one-hot Dense encoder, post-BatchNorm blocks
    x ← BN(x + Drop(out1(g) ⊙ σ(out2(g)))), g = Drop(GELU_tanh(SSM(x))), Dense decoder."""

    def __init__(self, spec, tensors, kind):
        super().__init__(spec, tensors)
        self.kind = kind

    def ssm(self, x, i):
        w, pre = self.w, f"layers.{i}.seq."
        if self.kind == "s4":
            return fft_conv(x, s4_kernel(w, pre, self.spec["seq_len"], x.shape[1])) + x * w[pre + "D"]
        lam = torch.exp(torch.complex(-torch.exp(w[pre + "nu_log"]), torch.exp(w[pre + "theta_log"])))
        gamma = torch.exp(w[pre + "gamma_log"]).unsqueeze(-1)
        # Real GEMMs for the real input and the real part of the output (faster than complex ones).
        h = lru_scan(torch.complex(x @ (w[pre + "B_re"] * gamma).T, x @ (w[pre + "B_im"] * gamma).T), lam)
        return h.real @ w[pre + "C_re"].T - h.imag @ w[pre + "C_im"].T + x * w[pre + "D"]

    def forward(self, tokens, outputs=None):
        w, p = self.w, self.p
        x = F.embedding(tokens, w["encoder.weight"].T) + w["encoder.bias"]
        for i in range(len(self.spec["blocks"])):
            pre = f"layers.{i}."
            g = F.dropout(F.gelu(self.ssm(x, i), approximate="tanh"), p, self.training)
            g = F.linear(g, w[pre + "out1.weight"], w[pre + "out1.bias"]) * torch.sigmoid(
                F.linear(g, w[pre + "out2.weight"], w[pre + "out2.bias"]))
            x = x + F.dropout(g, p, self.training)
            x = F.batch_norm(x.reshape(-1, x.shape[-1]), w[pre + "normalize.running_mean"],
                             w[pre + "normalize.running_var"], w[pre + "normalize.weight"], w[pre + "normalize.bias"],
                             self.training, 0.01, 1e-5).view_as(x)
            if outputs is not None:
                outputs.append(x)
        return F.linear(x, w["decoder.weight"], w["decoder.bias"])


def selective_scan_ref(u, delta, A, B, C, D):
    """mamba_ssm.ops.selective_scan_interface.selective_scan_ref (real A, B and C shared over channels):
    u, delta (B, D, T); A (D, N); B, C (B, N, T). The reference indexes delta_a[:, :, i] per step, and each such
    slice's backward writes a zero-filled tensor of the full (B, D, T, N) size; unbind gives the same result
    with one gradient tensor."""
    delta_a = torch.exp(torch.einsum("bdl,dn->bdln", delta, A)).unbind(2)
    delta_b_u = torch.einsum("bdl,bnl,bdl->bdln", delta, B, u).unbind(2)
    x = u.new_zeros(u.shape[0], u.shape[1], A.shape[1])
    ys = []
    for a, b, c in zip(delta_a, delta_b_u, C.unbind(2)):
        x = a * x + b
        ys.append(torch.einsum("bdn,bn->bd", x, c))
    return torch.stack(ys, dim=2) + u * D[None, :, None]


class MambaLM(ReferenceModel):
    """mamba_ssm's MixerModel with Mamba (S6) mixers: x + Mamba(RMSNorm(x)), final RMSNorm, LM head."""

    def mixer(self, x, i, options):
        w, pre = self.w, f"layers.{i}.mixer."
        di, n = options.get("expand", 2) * self.d, options.get("d_state", 16)
        rank = w[pre + "dt_proj.weight"].shape[1]
        xz = F.linear(x, w[pre + "in_proj.weight"])
        u = F.silu(causal_conv(xz[..., :di], w[pre + "conv1d.weight"], w[pre + "conv1d.bias"]))
        z = xz[..., di:]
        xdbl = F.linear(u, w[pre + "x_proj.weight"])
        delta = F.softplus(F.linear(xdbl[..., :rank], w[pre + "dt_proj.weight"], w[pre + "dt_proj.bias"]))
        B, C = xdbl[..., rank:rank + n], xdbl[..., rank + n:]
        y = selective_scan_ref(u.transpose(1, 2), delta.transpose(1, 2), -torch.exp(w[pre + "A_log"]),
                               B.transpose(1, 2), C.transpose(1, 2), w[pre + "D"]).transpose(1, 2)
        return F.linear(y * F.silu(z), w[pre + "out_proj.weight"])

    def forward(self, tokens):
        w = self.w
        rms = lambda y, weight: y * torch.rsqrt(y.pow(2).mean(-1, keepdim=True) + 1e-5) * weight
        x = F.embedding(tokens, w["encoder.word_embeddings.weight"])
        for i, block in enumerate(self.spec["blocks"]):
            x = x + self.mixer(rms(x, w[f"layers.{i}.norm.weight"]), i, block["mixer"]["options"])
        return F.linear(rms(x, w["norm.weight"]), w["decoder.weight"])


def build(spec, tensors):
    kind = spec["blocks"][0]["mixer"]["type"]
    if spec["style"] == "paper_transformer":
        return PaperTransformer(spec, tensors)
    if spec["style"] == "paper_mamba":
        return PaperMamba2(spec, tensors)
    if spec["style"] == "paper_ssm":
        return PaperSSM(spec, tensors, kind)
    if kind == "s6":
        return MambaLM(spec, tensors)
    raise SystemExit(f"no PyTorch reference for {spec['style']} / {kind}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dir", type=pathlib.Path)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--presets", default="")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    args = parser.parse_args()
    device = torch.device(args.device)
    sync = torch.cuda.synchronize if args.device == "cuda" else (lambda: None)
    if args.threads:
        torch.set_num_threads(args.threads)
    names = args.presets.split(",") if args.presets else sorted(p.stem for p in args.dir.glob("*.safetensors"))
    print("| preset | step ms | forward ms | backward ms | clip + AdamW ms | steps/s | max logit difference |")
    print("|---|---|---|---|---|---|---|")
    for name in names:
        spec, tensors = read_safetensors(args.dir / f"{name}.safetensors")
        data = np.load(args.dir / f"{name}.npz")
        tokens, labels = torch.from_numpy(data["tokens"]).to(device), torch.from_numpy(data["labels"]).to(device)
        model = build(spec, tensors).to(device)
        model.eval()
        with torch.no_grad():
            logits = model(tokens).double().cpu()
        want = torch.from_numpy(data["logits"])
        difference = ((logits - want).abs().max() / want.abs().max()).item()
        if not difference < 1e-4:
            raise SystemExit(f"{name}: the PyTorch model's logits differ from eigenscope's by {difference:.3g} "
                             f"(relative to the largest logit); it is not the same model")
        model.train()
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.1)
        total, forward, backward, update = [], [], [], []
        for step in range(args.steps + 2):  # the first two are warm-up
            sync()
            t0 = time.perf_counter()
            out = model(tokens)
            loss = F.cross_entropy(out.reshape(-1, out.shape[-1]), labels.reshape(-1), ignore_index=-100)
            sync()
            t1 = time.perf_counter()
            optimizer.zero_grad()
            loss.backward()
            sync()
            t2 = time.perf_counter()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            sync()
            t3 = time.perf_counter()
            if step >= 2:
                forward.append(t1 - t0)
                backward.append(t2 - t1)
                update.append(t3 - t2)
                total.append(t3 - t0)
        med = lambda v: 1000 * float(np.median(v))
        print(f"| {name} | {med(total):.1f} | {med(forward):.1f} | {med(backward):.1f} | {med(update):.1f} | "
              f"{1000 / med(total):.1f} | {difference:.1e} |", flush=True)


if __name__ == "__main__":
    main()
