#!/usr/bin/python3
"""Generates core_fixtures.json: PyTorch 1.13 (Debian python3-torch) reference values for the
engine-core conventions that silently change results: GELU (erf form), LayerNorm, multi-head
attention (nn.MultiheadAttention layout), the DiffusionDet sinusoidal time code, SGD with momentum,
AdamW and gradient-norm clipping. Run once: /usr/bin/python3 Tests/Fixtures/make_core_fixtures.py
"""
import json, math, os
import torch

torch.manual_seed(0)
torch.set_default_dtype(torch.float32)
out = {}

def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]

# GELU, erf form: values and gradients under a random upstream gradient.
x = (torch.linspace(-6, 6, 97) + 0.01 * torch.randn(97)).requires_grad_()
g = torch.randn(97)
y = torch.nn.functional.gelu(x)
y.backward(g)
out["gelu"] = {"x": flat(x), "upstream": flat(g), "y": flat(y), "dx": flat(x.grad)}

# LayerNorm over the last axis.
ln = torch.nn.LayerNorm(16, eps=1e-5)
with torch.no_grad():
    ln.weight.copy_(torch.randn(16) * 0.5 + 1)
    ln.bias.copy_(torch.randn(16) * 0.5)
x = (torch.randn(3, 5, 16) * 3 + 1).requires_grad_()
g = torch.randn(3, 5, 16)
y = ln(x)
y.backward(g)
out["layer_norm"] = {"shape": [3, 5, 16], "x": flat(x), "weight": flat(ln.weight), "bias": flat(ln.bias),
                     "upstream": flat(g), "y": flat(y), "dx": flat(x.grad), "dweight": flat(ln.weight.grad),
                     "dbias": flat(ln.bias.grad)}

# Multi-head attention, batch first; self-attention and cross-attention.
def attention_case(self_attention):
    d, h, b, lq, lk = 16, 4, 2, 5, (5 if self_attention else 3)
    mha = torch.nn.MultiheadAttention(d, h, batch_first=True)
    with torch.no_grad():
        mha.in_proj_bias.copy_(torch.randn(3 * d) * 0.1)
        mha.out_proj.bias.copy_(torch.randn(d) * 0.1)
    q = torch.randn(b, lq, d).requires_grad_()
    if self_attention:
        k = v = q
    else:
        k = torch.randn(b, lk, d).requires_grad_()
        v = torch.randn(b, lk, d).requires_grad_()
    y, _ = mha(q, k, v, need_weights=False)
    g = torch.randn(b, lq, d)
    y.backward(g)
    case = {"d": d, "heads": h, "batch": b, "lq": lq, "lk": lk, "query": flat(q), "upstream": flat(g), "y": flat(y),
            "in_proj_weight": flat(mha.in_proj_weight), "in_proj_bias": flat(mha.in_proj_bias),
            "out_proj_weight": flat(mha.out_proj.weight), "out_proj_bias": flat(mha.out_proj.bias),
            "dquery": flat(q.grad), "din_proj_weight": flat(mha.in_proj_weight.grad),
            "din_proj_bias": flat(mha.in_proj_bias.grad), "dout_proj_weight": flat(mha.out_proj.weight.grad),
            "dout_proj_bias": flat(mha.out_proj.bias.grad)}
    if not self_attention:
        case.update({"key": flat(k), "value": flat(v), "dkey": flat(k.grad), "dvalue": flat(v.grad)})
    return case
out["attention_self"] = attention_case(True)
out["attention_cross"] = attention_case(False)

# DiffusionDet's SinusoidalPositionEmbeddings (spec 6.1), dimension 16.
t = torch.tensor([0.0, 1.0, 17.0, 999.0])
half = 8
freq = torch.exp(torch.arange(half) * -(math.log(10000) / (half - 1)))
args = t[:, None] * freq[None, :]
out["time_embedding"] = {"dimension": 16, "t": flat(t), "y": flat(torch.cat([args.sin(), args.cos()], dim=-1))}

# Optimisers: fixed gradient sequences, parameters (and state) after every step.
grads = [torch.randn(2, 3) for _ in range(5)]
start = torch.randn(2, 3)
def run(make, state_keys):
    p = torch.nn.Parameter(start.clone())
    opt = make([p])
    steps = []
    for gr in grads:
        p.grad = gr.clone()
        opt.step()
        entry = {"param": flat(p)}
        for key in state_keys:
            entry[key] = flat(opt.state[p][key])
        steps.append(entry)
    return steps
out["optim"] = {
    "start": flat(start), "grads": [flat(gr) for gr in grads],
    "sgd_momentum": run(lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=1e-2), ["momentum_buffer"]),
    "sgd_plain": run(lambda ps: torch.optim.SGD(ps, lr=0.1), []),
    "adamw": run(lambda ps: torch.optim.AdamW(ps, lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1),
                 ["exp_avg", "exp_avg_sq"]),
}

# Global gradient-norm clipping.
a = torch.nn.Parameter(torch.zeros(3)); b = torch.nn.Parameter(torch.zeros(2, 2))
a.grad = torch.tensor([3.0, -4.0, 1.0]); b.grad = torch.tensor([[2.0, 0.5], [-1.0, 2.0]])
norm = torch.nn.utils.clip_grad_norm_([a, b], max_norm=1.5)
out["clip"] = {"grad_a": [3.0, -4.0, 1.0], "grad_b": [2.0, 0.5, -1.0, 2.0], "max_norm": 1.5,
               "norm": float(norm), "clipped_a": flat(a.grad), "clipped_b": flat(b.grad)}

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "core_fixtures.json")
with open(path, "w") as f:
    json.dump(out, f, separators=(",", ":"))
print("wrote", path)
