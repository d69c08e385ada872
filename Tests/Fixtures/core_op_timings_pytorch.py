#!/usr/bin/python3
"""PyTorch 1.13 peer of Tests/TensorTests/KernelTimingTests.swift (same ops, shapes, median of 15).
[THREADS=1] LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 Tests/Fixtures/core_op_timings_pytorch.py"""
import statistics, time
import torch
import torch.nn.functional as F
import os
torch.set_num_threads(int(os.environ.get("THREADS", "2")))
torch.manual_seed(0)

def median(body, repeats=15):
    for _ in range(3): body()
    times = []
    for _ in range(repeats):
        s = time.perf_counter(); body(); times.append((time.perf_counter() - s) * 1000)
    return statistics.median(times)

def report(name, ms): print(f"timing {name:<40} {ms:9.3f} ms", flush=True)

big, big2 = torch.rand(4, 64, 64, 64) * 2 - 1, torch.rand(4, 64, 64, 64) * 2 - 1
channel = torch.rand(1, 64, 1, 1)
report("add same shape 4x64x64x64", median(lambda: big + big2))
report("mul per-channel 4x64x64x64 * 64x1x1", median(lambda: big * channel))
rows, row = torch.rand(40000, 256), torch.rand(256)
report("add trailing [40000,256]+[256]", median(lambda: rows + row))
report("exp 4x64x64x64", median(lambda: big.exp()))
report("gelu 4x64x64x64", median(lambda: F.gelu(big)))
report("gelu backward 4x64x64x64", median(lambda: torch.ops.aten.gelu_backward(big2, big)))
report("sum last axis [40000,256]", median(lambda: rows.sum(1)))
report("sum first axis [40000,256]", median(lambda: rows.sum(0)))
scores = torch.rand(32, 100, 100)
report("softmax last axis [32,100,100]", median(lambda: scores.softmax(-1)))
heads = torch.rand(4, 100, 8, 16)
report("permute [4,100,8,16]->(0,2,1,3)", median(lambda: heads.permute(0, 2, 1, 3).contiguous()))
m = torch.rand(512, 512)
t = median(lambda: m @ m)
report(f"matmul 512^3 ({2 * 512**3 / t / 1e6:.0f} GFLOP/s)", t)
x, w, b = torch.rand(400, 256), torch.rand(256, 256), torch.rand(256)
def linear_fb():
    xv, wv, bv = x.clone().requires_grad_(), w.clone().requires_grad_(), b.clone().requires_grad_()
    F.linear(xv, wv, bv).sum().backward()
report("linear 400x256x256 fwd+bwd", median(linear_fb))
def ln_fb():
    xv, wv, bv = x.clone().requires_grad_(), row.clone().requires_grad_(), row.clone().requires_grad_()
    F.layer_norm(xv, (256,), wv, bv).sum().backward()
report("layerNorm [400,256] fwd+bwd", median(ln_fb))
mha = torch.nn.MultiheadAttention(128, 8, batch_first=True)
tokens = torch.rand(4, 100, 128) * 2 - 1
def mha_f():
    with torch.no_grad(): mha(tokens, tokens, tokens, need_weights=False)
report("attention d128 h8 4x100 fwd", median(mha_f))
def mha_fb():
    tv = tokens.clone().requires_grad_()
    mha(tv, tv, tv, need_weights=False)[0].sum().backward()
    mha.zero_grad()
report("attention d128 h8 4x100 fwd+bwd", median(mha_fb))
