#!/usr/bin/python3
# PyTorch 1.13 CPU peers of `diffinst bench ops`: the same cases, shapes and timing protocol
# (median of N runs after warm-up), printed in the same line format and optionally as JSON.
# Run with Debian's OpenMP OpenBLAS and 2 threads (spec/workloads.md):
#   LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 scripts/bench_ops_pytorch.py [--repeats N] [--json FILE] [--no-mkldnn] [--kernels]
import argparse
import json
import statistics
import time

import torch
import torch.nn.functional as F
import torchvision

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--repeats", type=int, default=10)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--json", type=str, default=None)
parser.add_argument("--no-mkldnn", action="store_true", help="im2col+BLAS convolutions instead of oneDNN")
parser.add_argument("--only", type=str, default=None, help="comma-separated case-name prefixes")
parser.add_argument("--kernels", action="store_true", help="also the element-wise/reduction/layout cases of `diffinst bench ops --kernels`")
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.backends.mkldnn.enabled = not args.no_mkldnn
torch.manual_seed(0)
results = []


def bench(name, flops, body):
    if args.only and not any(name.startswith(p) for p in args.only.split(",")):
        return
    for _ in range(3):
        body()
    times, cpu_times = [], []
    for _ in range(args.repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        body()
        times.append((time.perf_counter() - start) * 1000)
        cpu_times.append((time.process_time() - cpu_start) * 1000)
    median, cpu = statistics.median(times), statistics.median(cpu_times)
    gflops = flops / (median * 1e6) if flops else 0.0
    rate = f"{gflops:7.1f} GFLOP/s" if flops else "      - GFLOP/s"
    print(f"{name:<42} {median:9.3f} ms  {rate}  (min {min(times):.3f}, cpu {cpu:.1f} ms, n={args.repeats})", flush=True)
    results.append({"case": name, "median_ms": median, "min_ms": min(times), "cpu_ms": cpu, "gflops": gflops, "repeats": args.repeats})


# conv3×3 64→64 on 4×64×64×64.
x = torch.randn(4, 64, 64, 64)
conv = torch.nn.Conv2d(64, 64, 3, padding=1, bias=False)
conv_flops = 2 * 4 * 64 * 64 * 64 * 64 * 9
with torch.no_grad():
    bench("conv3x3 64->64 4x64x64 fwd", conv_flops, lambda: conv(x))
xg = x.clone().requires_grad_(True)


def conv_step():
    conv.zero_grad(set_to_none=True)
    xg.grad = None
    conv(xg).sum().backward()


bench("conv3x3 64->64 4x64x64 fwd+bwd", 3 * conv_flops, conv_step)

# ResNet-18 trunk (no classifier) at batch 4, 3×128×128.
resnet = torchvision.models.resnet18()
trunk = torch.nn.Sequential(*list(resnet.children())[:-2])
images = torch.randn(4, 3, 128, 128)
macs = 0


def count(module, inputs, output):
    global macs
    macs += output.numel() * module.in_channels // module.groups * module.kernel_size[0] * module.kernel_size[1]


hooks = [m.register_forward_hook(count) for m in trunk.modules() if isinstance(m, torch.nn.Conv2d)]
with torch.no_grad():
    trunk(images)
for h in hooks:
    h.remove()
resnet_flops = 2 * macs
trunk.train()
with torch.no_grad():
    bench("resnet18 b4 128 fwd", resnet_flops, lambda: trunk(images))


def resnet_step():
    trunk.zero_grad(set_to_none=True)
    trunk(images).sum().backward()


bench("resnet18 b4 128 fwd+bwd", 3 * resnet_flops, resnet_step)

# RoIAlign 7×7, sampling 2, aligned, 4×100 boxes on 4×128×32×32 (stride-4 level of a 128-px image).
generator = torch.Generator().manual_seed(1)
feature = torch.randn(4, 128, 32, 32)
xy = torch.rand(400, 2, generator=generator) * 112
wh = torch.rand(400, 2, generator=generator) * 64 + 4
boxes = torch.cat([torch.arange(4).repeat_interleave(100)[:, None].float(), xy, xy + wh], 1)
roi_flops = 400 * 128 * 49 * 4 * 4 * 2
with torch.no_grad():
    bench("roialign 7x7 4x100 on 4x128x32x32 fwd", roi_flops,
          lambda: torchvision.ops.roi_align(feature, boxes, 7, 0.25, 2, True))
fg = feature.clone().requires_grad_(True)


def roi_step():
    fg.grad = None
    torchvision.ops.roi_align(fg, boxes, 7, 0.25, 2, True).sum().backward()


bench("roialign 7x7 4x100 on 4x128x32x32 fwd+bwd", 3 * roi_flops, roi_step)

# Multi-head attention d=128, 8 heads, 4 × 100 tokens, forward+backward.
attention = torch.nn.MultiheadAttention(128, 8)
tokens = torch.randn(100, 4, 128, requires_grad=True)
attention_flops = 3 * 2 * (4 * 100 * 128 * 128 * 4 + 2 * 4 * 100 * 100 * 128)


def attention_step():
    attention.zero_grad(set_to_none=True)
    tokens.grad = None
    attention(tokens, tokens, tokens, need_weights=False)[0].sum().backward()


bench("attention d128 h8 4x100 fwd+bwd", attention_flops, attention_step)

if args.kernels:
    big, big2, channel = torch.randn(4, 64, 64, 64), torch.randn(4, 64, 64, 64), torch.randn(1, 64, 1, 1)
    bench("add same shape 4x64x64x64", 0, lambda: big + big2)
    bench("mul per-channel 4x64x64x64 * 64x1x1", 0, lambda: big * channel)
    rows, row = torch.randn(40000, 256), torch.randn(256)
    bench("add trailing [40000,256]+[256]", 0, lambda: rows + row)
    bench("exp 4x64x64x64", 0, lambda: big.exp())
    bench("gelu 4x64x64x64", 0, lambda: F.gelu(big))
    bench("gelu backward 4x64x64x64", 0, lambda: torch.ops.aten.gelu_backward(big2, big))
    bench("sum last axis [40000,256]", 0, lambda: rows.sum(1))
    bench("sum first axis [40000,256]", 0, lambda: rows.sum(0))
    scores = torch.randn(32, 100, 100)
    bench("softmax last axis [32,100,100]", 0, lambda: scores.softmax(-1))
    heads = torch.randn(4, 100, 8, 16)
    bench("permute [4,100,8,16]->(0,2,1,3)", 0, lambda: heads.permute(0, 2, 1, 3).contiguous())
    square = torch.randn(512, 512)
    bench("matmul 512^3", 2 * 512 ** 3, lambda: square @ square)
    lx, lw, lb = torch.randn(400, 256), torch.randn(256, 256), torch.randn(256)

    def linear_step():
        xv, wv, bv = lx.clone().requires_grad_(), lw.clone().requires_grad_(), lb.clone().requires_grad_()
        F.linear(xv, wv, bv).sum().backward()

    bench("linear 400x256x256 fwd+bwd", 3 * 2 * 400 * 256 * 256, linear_step)

    def layer_norm_step():
        xv, wv, bv = lx.clone().requires_grad_(), row.clone().requires_grad_(), row.clone().requires_grad_()
        F.layer_norm(xv, (256,), wv, bv).sum().backward()

    bench("layerNorm [400,256] fwd+bwd", 0, layer_norm_step)
    # ResNet-18's layer3 and layer4 3×3 convolutions at batch 4, 128² input (few output columns).
    for channels, size in ((256, 8), (512, 4)):
        cx = torch.randn(4, channels, size, size, requires_grad=True)
        cconv = torch.nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        cflops = 2 * 4 * size * size * channels * channels * 9
        with torch.no_grad():
            bench(f"conv3x3 {channels}->{channels} 4x{size}x{size} fwd", cflops, lambda: cconv(cx))

        def small_conv_step():
            cconv.zero_grad(set_to_none=True)
            cx.grad = None
            cconv(cx).sum().backward()

        bench(f"conv3x3 {channels}->{channels} 4x{size}x{size} fwd+bwd", 3 * cflops, small_conv_step)
    batch_tokens = torch.randn(4, 100, 128)
    batch_attention = torch.nn.MultiheadAttention(128, 8, batch_first=True)
    with torch.no_grad():
        bench("attention d128 h8 4x100 fwd", 0, lambda: batch_attention(batch_tokens, batch_tokens, batch_tokens, need_weights=False))

if args.json:
    with open(args.json, "w") as out:
        json.dump({"engine": f"pytorch {torch.__version__}", "threads": args.threads,
                   "mkldnn": torch.backends.mkldnn.enabled, "results": results}, out, indent=1)
