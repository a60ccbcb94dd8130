"""A synthetic checkpoint with the dimensions of Qwen2.5-0.5B (d 896, 24 layers, 14 heads, 2 KV heads, head 64,
MLP 4864, vocabulary 151,936, tied head, bf16): `eigenscope-cli analyze` on 512 tokens against a PyTorch eager
forward of the same weights, whole process each, same threads, one after the other in this run.

    /usr/bin/python3 bench/pretrained_shaped.py build/app/eigenscope-cli [WORKDIR]

The PyTorch side is a plain float32 implementation of Qwen2ForCausalLM's forward (transformers
models/qwen2/modeling_qwen2.py: RMSNorm, q/k/v with bias, rotate-half RoPE with θ = 1e6, repeat_kv, causal softmax,
SwiGLU MLP) on the weights read from the same safetensors file, timed from process start (python3 -c) to the
logits. Peak resident memory of each process from /usr/bin/time's report (ru_maxrss).
"""
import json
import os
import resource
import struct
import subprocess
import sys
import time

import torch

D, LAYERS, HEADS, KV, HEAD, INTER, VOCAB, T = 896, 24, 14, 2, 64, 4864, 151936, 512


def write_checkpoint(folder):
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "model.safetensors")
    if os.path.exists(path):
        return path
    g = torch.Generator().manual_seed(0)
    shapes = {"model.embed_tokens.weight": (VOCAB, D), "model.norm.weight": (D,)}
    for i in range(LAYERS):
        p = f"model.layers.{i}."
        shapes.update({p + "input_layernorm.weight": (D,), p + "post_attention_layernorm.weight": (D,),
                       p + "self_attn.q_proj.weight": (HEADS * HEAD, D), p + "self_attn.q_proj.bias": (HEADS * HEAD,),
                       p + "self_attn.k_proj.weight": (KV * HEAD, D), p + "self_attn.k_proj.bias": (KV * HEAD,),
                       p + "self_attn.v_proj.weight": (KV * HEAD, D), p + "self_attn.v_proj.bias": (KV * HEAD,),
                       p + "self_attn.o_proj.weight": (D, HEADS * HEAD), p + "mlp.gate_proj.weight": (INTER, D),
                       p + "mlp.up_proj.weight": (INTER, D), p + "mlp.down_proj.weight": (D, INTER)})
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
            shape = shapes[name]
            if name.endswith("norm.weight"):
                t = torch.ones(shape)
            else:
                t = torch.randn(shape, generator=g) * (0.02 if len(shape) == 2 else 0.01)
            f.write(t.to(torch.bfloat16).view(torch.int16).numpy().tobytes())
    os.replace(path + ".tmp", path)
    config = {"model_type": "qwen2", "architectures": ["Qwen2ForCausalLM"], "hidden_size": D,
              "intermediate_size": INTER, "num_hidden_layers": LAYERS, "num_attention_heads": HEADS,
              "num_key_value_heads": KV, "hidden_act": "silu", "rms_norm_eps": 1e-6, "rope_theta": 1000000.0,
              "max_position_embeddings": 32768, "vocab_size": VOCAB, "tie_word_embeddings": True,
              "use_sliding_window": False, "sliding_window": 32768, "max_window_layers": 21, "torch_dtype": "bfloat16"}
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f, indent=1)
    return path


EAGER = r'''
import json, struct, sys, time, torch
start = time.time()
path, tokens_path = sys.argv[1], sys.argv[2]
D, LAYERS, HEADS, KV, HEAD = 896, 24, 14, 2, 64
with open(path, "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    header = json.loads(f.read(n))
    data = f.read()
def w(name):
    e = header[name]
    a, b = e["data_offsets"]
    return torch.frombuffer(bytearray(data[a:b]), dtype=torch.int16).view(torch.bfloat16).reshape(e["shape"]).float()
W = {k: w(k) for k in header if k != "__metadata__"}
del data
import numpy as np
tokens = torch.from_numpy(np.load(tokens_path))
def rms(x, g):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * g
T = tokens.shape[1]
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


def main():
    cli = sys.argv[1]
    work = sys.argv[2] if len(sys.argv) > 2 else "/tmp/eigenscope-qwen-shaped"
    folder = os.path.join(work, "qwen2.5-0.5b-shaped")
    path = write_checkpoint(folder)
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
        ("PyTorch eager forward", ["/usr/bin/time", "-f", "%M", sys.executable, "-c", EAGER, path, tokens]),
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
    print(f"Qwen2.5-0.5B-shaped, T = {T}, B = 1; {env_note}")
    print("| process | wall s | peak RSS MiB |")
    print("|---|---|---|")
    for name, wall, peak in rows:
        print(f"| {name} | {wall:.2f} | {peak:.0f} |")
    print(f"ratio eigenscope / eager: {rows[0][1] / rows[1][1]:.2f}×; peak − weights: {rows[0][2] - weights:.0f} MiB")


if __name__ == "__main__":
    main()
