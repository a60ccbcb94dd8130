"""Synthetic bf16 checkpoints of pretrained sizes: `eigenscope-cli analyze` on 512 tokens against a PyTorch eager
forward of the same weights, whole process each, same threads, one after the other in this run.

    /usr/bin/python3 bench/pretrained_shaped.py build/app/eigenscope-cli [WORKDIR] [qwen|nemotron]

qwen: the dimensions of Qwen2.5-0.5B (d 896, 24 layers, 14 heads, 2 KV heads, head 64, MLP 4864, vocabulary
151,936, tied head). Its PyTorch side is a plain float32 implementation of Qwen2ForCausalLM's forward (transformers
models/qwen2/modeling_qwen2.py: RMSNorm, q/k/v with bias, rotate-half RoPE with θ = 1e6, repeat_kv, causal softmax,
SwiGLU MLP).
nemotron: a Nemotron-H hybrid of ≈ 0.5 B parameters (d 1024, 27 layers "M-M-M-M*-M-M-M-M*-M-M-M-M*-": 12 Mamba-2
with 32 heads of 64, state 128, 8 groups; 3 attention with 8 heads of 128, 2 KV heads; 12 ReLU² MLPs of 4096;
vocabulary 131,072, untied head). Its PyTorch side follows modeling_nemotron_h.py, the Mamba-2 scan in SSD's
quadratic form (per head the masked decay matrix times C Bᵀ, one matmul per layer instead of a loop over t).
Both are timed from process start (python3 -c) to the logits, on the weights read from the same safetensors file.
Peak resident memory of each process from /usr/bin/time's report (ru_maxrss).
"""
import json
import math
import os
import resource
import struct
import subprocess
import sys
import time

import torch

T = 512


def qwen_shapes():
    D, LAYERS, HEADS, KV, HEAD, INTER, VOCAB = 896, 24, 14, 2, 64, 4864, 151936
    shapes = {"model.embed_tokens.weight": (VOCAB, D), "model.norm.weight": (D,)}
    for i in range(LAYERS):
        p = f"model.layers.{i}."
        shapes.update({p + "input_layernorm.weight": (D,), p + "post_attention_layernorm.weight": (D,),
                       p + "self_attn.q_proj.weight": (HEADS * HEAD, D), p + "self_attn.q_proj.bias": (HEADS * HEAD,),
                       p + "self_attn.k_proj.weight": (KV * HEAD, D), p + "self_attn.k_proj.bias": (KV * HEAD,),
                       p + "self_attn.v_proj.weight": (KV * HEAD, D), p + "self_attn.v_proj.bias": (KV * HEAD,),
                       p + "self_attn.o_proj.weight": (D, HEADS * HEAD), p + "mlp.gate_proj.weight": (INTER, D),
                       p + "mlp.up_proj.weight": (INTER, D), p + "mlp.down_proj.weight": (D, INTER)})
    config = {"model_type": "qwen2", "architectures": ["Qwen2ForCausalLM"], "hidden_size": D,
              "intermediate_size": INTER, "num_hidden_layers": LAYERS, "num_attention_heads": HEADS,
              "num_key_value_heads": KV, "hidden_act": "silu", "rms_norm_eps": 1e-6, "rope_theta": 1000000.0,
              "max_position_embeddings": 32768, "vocab_size": VOCAB, "tie_word_embeddings": True,
              "use_sliding_window": False, "sliding_window": 32768, "max_window_layers": 21, "torch_dtype": "bfloat16"}
    return shapes, config, VOCAB


NEMOTRON_PATTERN = "M-M-M-M*-M-M-M-M*-M-M-M-M*-"


def nemotron_shapes():
    D, MH, MP, N, G, K, HEADS, KV, HEAD, INTER, VOCAB = 1024, 32, 64, 128, 8, 4, 8, 2, 128, 4096, 131072
    DI = MH * MP
    shapes = {"backbone.embeddings.weight": (VOCAB, D), "backbone.norm_f.weight": (D,), "lm_head.weight": (VOCAB, D)}
    for i, kind in enumerate(NEMOTRON_PATTERN):
        p = f"backbone.layers.{i}."
        shapes[p + "norm.weight"] = (D,)
        if kind == "M":
            shapes.update({p + "mixer.in_proj.weight": (2 * DI + 2 * G * N + MH, D),
                           p + "mixer.conv1d.weight": (DI + 2 * G * N, 1, K), p + "mixer.conv1d.bias": (DI + 2 * G * N,),
                           p + "mixer.dt_bias": (MH,), p + "mixer.A_log": (MH,), p + "mixer.D": (MH,),
                           p + "mixer.norm.weight": (DI,), p + "mixer.out_proj.weight": (D, DI)})
        elif kind == "*":
            shapes.update({p + "mixer.q_proj.weight": (HEADS * HEAD, D), p + "mixer.k_proj.weight": (KV * HEAD, D),
                           p + "mixer.v_proj.weight": (KV * HEAD, D), p + "mixer.o_proj.weight": (D, HEADS * HEAD)})
        else:
            shapes.update({p + "mixer.up_proj.weight": (INTER, D), p + "mixer.down_proj.weight": (D, INTER)})
    config = {"model_type": "nemotron_h", "architectures": ["NemotronHForCausalLM"], "hidden_size": D,
              "vocab_size": VOCAB, "num_hidden_layers": len(NEMOTRON_PATTERN),
              "hybrid_override_pattern": NEMOTRON_PATTERN, "tie_word_embeddings": False, "layer_norm_epsilon": 1e-5,
              "mamba_num_heads": MH, "mamba_head_dim": MP, "ssm_state_size": N, "n_groups": G, "conv_kernel": K,
              "expand": 2, "use_conv_bias": True, "use_bias": False, "mamba_hidden_act": "silu",
              "time_step_limit": [0.0, float("inf")], "num_attention_heads": HEADS, "num_key_value_heads": KV,
              "head_dim": HEAD, "attention_bias": False, "intermediate_size": INTER, "mlp_hidden_act": "relu2",
              "mlp_bias": False, "max_position_embeddings": 8192, "torch_dtype": "bfloat16"}
    return shapes, config, VOCAB


def initial(name, shape, g):
    if name.endswith("norm.weight") or name.endswith("norm_f.weight") or name.endswith(".D"):
        return torch.ones(shape)
    if name.endswith("A_log"):
        return torch.log(torch.empty(shape).uniform_(1, 16, generator=g))
    if name.endswith("dt_bias"):
        dt = torch.exp(torch.rand(shape, generator=g) * (math.log(0.1) - math.log(0.001)) + math.log(0.001))
        return dt + torch.log(-torch.expm1(-dt))
    return torch.randn(shape, generator=g) * (0.02 if len(shape) >= 2 else 0.01)


def write_checkpoint(folder, shapes, config):
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "model.safetensors")
    if os.path.exists(path):
        return path
    g = torch.Generator().manual_seed(0)
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    names = sorted(shapes)
    for name in names:
        n = 2
        for s in shapes[name]:
            n *= s
        header[name] = {"dtype": "BF16", "shape": list(shapes[name]), "data_offsets": [offset, offset + n]}
        offset += n
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        for name in names:
            f.write(initial(name, shapes[name], g).to(torch.bfloat16).view(torch.int16).numpy().tobytes())
    os.replace(path + ".tmp", path)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f, indent=1)
    return path


LOAD = r'''
import json, struct, sys, time, torch
start = time.time()
path, tokens_path = sys.argv[1], sys.argv[2]
with open(path, "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    header = json.loads(f.read(n))
    data = f.read()
def w(name):
    e = header[name]
    a, b = e["data_offsets"]
    if e["dtype"] == "F32":
        return torch.frombuffer(bytearray(data[a:b]), dtype=torch.float32).reshape(e["shape"])
    return torch.frombuffer(bytearray(data[a:b]), dtype=torch.int16).view(torch.bfloat16).reshape(e["shape"]).float()
W = {k: w(k) for k in header if k != "__metadata__"}
del data
import numpy as np
tokens = torch.from_numpy(np.load(tokens_path))
T = tokens.shape[1]
F = torch.nn.functional
'''

QWEN_EAGER = LOAD + r'''
D, LAYERS, HEADS, KV, HEAD = 896, 24, 14, 2, 64
def rms(x, g):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * g
inv = 1.0 / (1e6 ** (torch.arange(0, HEAD, 2).float() / HEAD))
ang = torch.outer(torch.arange(T).float(), inv)
cos, sin = torch.cat([ang, ang], -1).cos(), torch.cat([ang, ang], -1).sin()
rot = lambda x: torch.cat([-x[..., HEAD // 2:], x[..., :HEAD // 2]], -1)
with torch.no_grad():
    x = W["model.embed_tokens.weight"][tokens]
    mask = torch.ones(T, T, dtype=torch.bool).triu(1)
    for i in range(LAYERS):
        p = f"model.layers.{i}."
        h = rms(x, W[p + "input_layernorm.weight"])
        lin = lambda n: torch.nn.functional.linear(h, W[p + f"self_attn.{n}_proj.weight"], W[p + f"self_attn.{n}_proj.bias"])
        q = lin("q").view(1, T, HEADS, HEAD).transpose(1, 2)
        k = lin("k").view(1, T, KV, HEAD).transpose(1, 2)
        v = lin("v").view(1, T, KV, HEAD).transpose(1, 2)
        q, k = q * cos + rot(q) * sin, k * cos + rot(k) * sin
        k, v = k.repeat_interleave(HEADS // KV, 1), v.repeat_interleave(HEADS // KV, 1)
        s = (q @ k.transpose(-1, -2)) / HEAD ** 0.5
        a = torch.softmax(s.masked_fill(mask, float("-inf")), -1) @ v
        x = x + torch.nn.functional.linear(a.transpose(1, 2).reshape(1, T, HEADS * HEAD), W[p + "self_attn.o_proj.weight"])
        h = rms(x, W[p + "post_attention_layernorm.weight"])
        g = torch.nn.functional.silu(torch.nn.functional.linear(h, W[p + "mlp.gate_proj.weight"]))
        x = x + torch.nn.functional.linear(g * torch.nn.functional.linear(h, W[p + "mlp.up_proj.weight"]), W[p + "mlp.down_proj.weight"])
    logits = torch.nn.functional.linear(rms(x, W["model.norm.weight"]), W["model.embed_tokens.weight"])
print("eager logits", tuple(logits.shape), "threads", torch.get_num_threads(), "in-process %.2f s" % (time.time() - start))
'''

NEMOTRON_EAGER = LOAD + r'''
import os
c = json.load(open(os.path.join(os.path.dirname(path), "config.json")))
PATTERN, MH, MP, N, G = c["hybrid_override_pattern"], c["mamba_num_heads"], c["mamba_head_dim"], c["ssm_state_size"], c["n_groups"]
HEADS, KV, HEAD = c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]
DI = MH * MP
def rms(x, g):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * g
def mamba(h, p):
    zxbcdt = F.linear(h, W[p + "in_proj.weight"])[0]
    z, xbc, dt = zxbcdt[:, :DI], zxbcdt[:, DI:2 * DI + 2 * G * N], zxbcdt[:, 2 * DI + 2 * G * N:]
    K = W[p + "conv1d.weight"].shape[2]
    xbc = F.silu(F.conv1d(xbc.T[None], W[p + "conv1d.weight"], W[p + "conv1d.bias"], padding=K - 1, groups=xbc.shape[1])[0, :, :T].T)
    x = xbc[:, :DI].view(T, MH, MP).transpose(0, 1)                                     # (H, T, P)
    B = xbc[:, DI:DI + G * N].view(T, G, N).transpose(0, 1)                             # (G, T, N)
    C = xbc[:, DI + G * N:].view(T, G, N).transpose(0, 1)
    dt = F.softplus(dt + W[p + "dt_bias"]).T                                            # (H, T)
    cum = torch.cumsum(dt * -torch.exp(W[p + "A_log"])[:, None], -1)
    decay = (cum[:, :, None] - cum[:, None, :]).masked_fill(mask, float("-inf")).exp()  # (H, T, T)
    scores = (C @ B.transpose(1, 2)).repeat_interleave(MH // G, 0)                      # (H, T, T)
    y = (decay * scores) @ (x * dt[:, :, None]) + W[p + "D"][:, None, None] * x
    y = y.transpose(0, 1).reshape(T, DI) * F.silu(z)
    y = y.view(T, G, DI // G)
    y = (y * torch.rsqrt(y.pow(2).mean(-1, keepdim=True) + 1e-5)).reshape(T, DI) * W[p + "norm.weight"]
    return F.linear(y, W[p + "out_proj.weight"])[None]
def attention(h, p):
    q = F.linear(h, W[p + "q_proj.weight"]).view(1, T, HEADS, HEAD).transpose(1, 2)
    k = F.linear(h, W[p + "k_proj.weight"]).view(1, T, KV, HEAD).transpose(1, 2).repeat_interleave(HEADS // KV, 1)
    v = F.linear(h, W[p + "v_proj.weight"]).view(1, T, KV, HEAD).transpose(1, 2).repeat_interleave(HEADS // KV, 1)
    a = torch.softmax(((q @ k.transpose(-1, -2)) / HEAD ** 0.5).masked_fill(mask, float("-inf")), -1) @ v
    return F.linear(a.transpose(1, 2).reshape(1, T, HEADS * HEAD), W[p + "o_proj.weight"])
def mlp(h, p):
    return F.linear(torch.relu(F.linear(h, W[p + "up_proj.weight"])).square(), W[p + "down_proj.weight"])
with torch.no_grad():
    mask = torch.ones(T, T, dtype=torch.bool).triu(1)
    x = W["backbone.embeddings.weight"][tokens]
    for i, kind in enumerate(PATTERN):
        p = f"backbone.layers.{i}."
        x = x + {"M": mamba, "*": attention, "-": mlp}[kind](rms(x, W[p + "norm.weight"]), p + "mixer.")
    logits = F.linear(rms(x, W["backbone.norm_f.weight"]), W["lm_head.weight"])
if len(sys.argv) > 3:
    np.save(sys.argv[3], logits.double().numpy())
print("eager logits", tuple(logits.shape), "threads", torch.get_num_threads(), "in-process %.2f s" % (time.time() - start))
'''

FAMILIES = {"qwen": ("Qwen2.5-0.5B-shaped", "qwen2.5-0.5b-shaped", qwen_shapes, QWEN_EAGER),
            "nemotron": ("Nemotron-H-0.5B-shaped", "nemotron-h-0.5b-shaped", nemotron_shapes, NEMOTRON_EAGER)}


def main():
    cli = sys.argv[1]
    work = sys.argv[2] if len(sys.argv) > 2 else "/tmp/eigenscope-qwen-shaped"
    title, subfolder, shapes_of, eager = FAMILIES[sys.argv[3] if len(sys.argv) > 3 else "qwen"]
    shapes, config, VOCAB = shapes_of()
    folder = os.path.join(work, subfolder)
    path = write_checkpoint(folder, shapes, config)
    import numpy as np
    tokens = os.path.join(work, "tokens512.npy")
    np.save(tokens, np.random.default_rng(0).integers(0, VOCAB, size=(1, T)).astype(np.int64))
    weights = os.path.getsize(path) / 2**20
    threads = os.environ.setdefault("OMP_NUM_THREADS", str(os.cpu_count()))
    env_note = f"threads {threads}, weights {weights:.0f} MiB (bf16)"
    # ru_maxrss of RUSAGE_CHILDREN is the largest child so far: the eigenscope run goes first and reads it; the
    # eager run reports its own through /usr/bin/time.
    rows = []
    for name, command in [
        ("eigenscope-cli analyze", [cli, "analyze", folder, "--input", "tokens:" + tokens, "--batch", "1"]),
        ("PyTorch eager forward", ["/usr/bin/time", "-f", "%M", sys.executable, "-c", eager, path, tokens]),
    ]:
        start = time.time()
        result = subprocess.run(command, capture_output=True, text=True)
        wall = time.time() - start
        if result.returncode != 0:
            sys.exit(" ".join(command[:3]) + " failed:\n" + result.stderr[-2000:])
        if command[0] == "/usr/bin/time":
            peak = int(result.stderr.strip().splitlines()[-1]) / 1024.0
        else:
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
        rows.append((name, wall, peak))
    print(f"{title}, T = {T}, B = 1; {env_note}")
    print("| process | wall s | peak RSS MiB |")
    print("|---|---|---|")
    for name, wall, peak in rows:
        print(f"| {name} | {wall:.2f} | {peak:.0f} |")
    print(f"ratio eigenscope / eager: {rows[0][1] / rows[1][1]:.2f}×; peak − weights: {rows[0][2] - weights:.0f} MiB")


if __name__ == "__main__":
    main()
