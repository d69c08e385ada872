#!/usr/bin/python3
# Generates Tests/Fixtures/vision_fixtures.json: PyTorch 1.13 / torchvision 0.14 reference outputs and
# gradients for the vision ops (conv2d, max-pool, bilinear resize, RoIAlign, BatchNorm, GroupNorm), the
# spec §5 aligned-bilinear upsampling restated in plain Python, and torchvision ResNet parameter counts.
# Regenerate (Debian python3-torch + python3-torchvision):  /usr/bin/python3 Tests/Fixtures/make_vision_fixtures.py
import json
import math
import os

import torch
import torch.nn.functional as F
import torchvision

torch.manual_seed(20261125)
cases = {}


def flat(t):
    return [round(float(v), 7) for v in t.detach().reshape(-1).tolist()]


def record(name, **tensors):
    cases[name] = {k: {"shape": list(v.shape), "data": flat(v)} if torch.is_tensor(v) else v for k, v in tensors.items()}


def with_grad(*shape):
    return torch.randn(*shape, dtype=torch.float64).float().requires_grad_(True)


# conv2d: plain, and groups + stride + dilation + bias. Gradients of sum(y * upstream).
for name, (xs, ws, kw) in {
    "conv_plain": ((2, 3, 6, 5), (4, 3, 3, 3), dict(stride=1, padding=1, dilation=1, groups=1)),
    "conv_grouped": ((2, 4, 9, 8), (6, 2, 3, 3), dict(stride=2, padding=2, dilation=2, groups=2)),
    "conv_pointwise_stride": ((2, 5, 7, 7), (3, 5, 1, 1), dict(stride=2, padding=0, dilation=1, groups=1)),
}.items():
    x, w, b = with_grad(*xs), with_grad(*ws), with_grad(ws[0])
    y = F.conv2d(x, w, b, **kw)
    upstream = torch.randn_like(y)
    (y * upstream).sum().backward()
    record(name, x=x, weight=w, bias=b, y=y, upstream=upstream, dx=x.grad, dweight=w.grad, dbias=b.grad, **kw)

# max-pool 3×3 / 2, pad 1 (the ResNet stem).
x = with_grad(2, 3, 9, 8)
y = F.max_pool2d(x, 3, 2, 1)
upstream = torch.randn_like(y)
(y * upstream).sum().backward()
record("maxpool", x=x, y=y, upstream=upstream, dx=x.grad, kernel=3, stride=2, padding=1)

# bilinear resize, align_corners=False, up in one axis and down in the other, and a plain ×2.
for name, size in {"bilinear_mixed": (9, 4), "bilinear_up2": (10, 14)}.items():
    x = with_grad(2, 2, 5, 7)
    y = F.interpolate(x, size=size, mode="bilinear", align_corners=False)
    upstream = torch.randn_like(y)
    (y * upstream).sum().backward()
    record(name, x=x, y=y, upstream=upstream, dx=x.grad, height=size[0], width=size[1])


# aligned bilinear: spec §5 restated in plain Python (independent of any PyTorch op) ...
def aligned_bilinear_spec(x, f):
    n, c, h, w = x.shape
    out = torch.zeros(n, c, h * f, w * f, dtype=torch.float64)
    xd = x.double()
    for a in range(h * f):
        u = max(0, a - f // 2) / f
        y0 = min(int(math.floor(u)), h - 1); y1 = min(y0 + 1, h - 1); ly = u - y0
        for b in range(w * f):
            v = max(0, b - f // 2) / f
            x0 = min(int(math.floor(v)), w - 1); x1 = min(x0 + 1, w - 1); lx = v - x0
            out[:, :, a, b] = ((1 - ly) * ((1 - lx) * xd[:, :, y0, x0] + lx * xd[:, :, y0, x1])
                               + ly * ((1 - lx) * xd[:, :, y1, x0] + lx * xd[:, :, y1, x1]))
    return out.float()


# ... cross-checked against CondInst's formulation (replicate pad, align_corners=True, pad, crop).
def aligned_bilinear_condinst(x, f):
    h, w = x.shape[2:]
    x = F.pad(x, (0, 1, 0, 1), mode="replicate")
    x = F.interpolate(x, size=(f * h + 1, f * w + 1), mode="bilinear", align_corners=True)
    x = F.pad(x, (f // 2, 0, f // 2, 0), mode="replicate")
    return x[:, :, : f * h, : f * w]


for f in (2, 3, 4):
    x = torch.randn(1, 2, 4, 5)
    spec = aligned_bilinear_spec(x, f)
    assert torch.allclose(spec, aligned_bilinear_condinst(x, f), atol=1e-5), f"aligned bilinear ×{f}: spec ≠ CondInst"
    record(f"aligned_bilinear_{f}", x=x, y=spec, factor=f)

# RoIAlign: boxes partly outside the map, tiny, degenerate, inverted and covering everything.
feature = with_grad(2, 3, 8, 10)
boxes = torch.tensor([
    [0, 1.0, 1.0, 9.0, 7.0],
    [1, -6.0, -4.0, 5.0, 6.0],      # partly outside top-left
    [0, 14.0, 10.0, 26.0, 19.0],    # partly outside bottom-right
    [1, 3.3, 2.2, 3.9, 2.7],        # tiny
    [0, 5.0, 5.0, 5.0, 5.0],        # degenerate
    [1, 8.0, 6.0, 2.0, 1.0],        # inverted
    [0, -30.0, -30.0, 60.0, 60.0],  # covers the map and more
    [1, 18.5, 0.5, 25.0, 15.5],     # right edge
])
for name, (scale, ratio, aligned) in {"roi_align_v2": (0.5, 2, True), "roi_align_adaptive": (0.5, 0, True),
                                      "roi_align_legacy": (0.5, 2, False)}.items():
    feature.grad = None
    y = torchvision.ops.roi_align(feature, boxes, output_size=3, spatial_scale=scale, sampling_ratio=ratio, aligned=aligned)
    upstream = torch.randn_like(y)
    (y * upstream).sum().backward()
    record(name, feature=feature, boxes=boxes, y=y, upstream=upstream, dfeature=feature.grad,
           output_size=3, spatial_scale=scale, sampling_ratio=ratio, aligned=aligned)

# BatchNorm: training (output, gradients, updated running statistics) and evaluation.
x = with_grad(3, 4, 5, 3)
bn = torch.nn.BatchNorm2d(4, momentum=0.1, eps=1e-5)
with torch.no_grad():
    bn.weight.copy_(torch.randn(4)); bn.bias.copy_(torch.randn(4))
    bn.running_mean.copy_(torch.randn(4)); bn.running_var.copy_(torch.rand(4) + 0.5)
weight0, bias0 = bn.weight.detach().clone(), bn.bias.detach().clone()
mean0, var0 = bn.running_mean.clone(), bn.running_var.clone()
y = bn(x)
upstream = torch.randn_like(y)
(y * upstream).sum().backward()
bn.eval()
y_eval = bn(x.detach())
record("batchnorm", x=x, weight=weight0, bias=bias0, running_mean=mean0, running_var=var0, y=y, upstream=upstream,
       dx=x.grad, dweight=bn.weight.grad, dbias=bn.bias.grad, running_mean_after=bn.running_mean,
       running_var_after=bn.running_var, y_eval=y_eval)

# GroupNorm with 3 groups of 2 channels.
x = with_grad(2, 6, 4, 3)
gn = torch.nn.GroupNorm(3, 6, eps=1e-5)
with torch.no_grad():
    gn.weight.copy_(torch.randn(6)); gn.bias.copy_(torch.randn(6))
y = gn(x)
upstream = torch.randn_like(y)
(y * upstream).sum().backward()
record("groupnorm", x=x, weight=gn.weight, bias=gn.bias, y=y, upstream=upstream, dx=x.grad,
       dweight=gn.weight.grad, dbias=gn.bias.grad, groups=3)

# Parameter counts of torchvision's ResNets without the classifier (fc), i.e. the res2..res5 trunk + stem.
counts = {}
for depth in (18, 34, 50):
    model = getattr(torchvision.models, f"resnet{depth}")()
    counts[f"resnet{depth}"] = sum(p.numel() for n, p in model.named_parameters() if not n.startswith("fc."))
cases["parameter_counts"] = counts

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vision_fixtures.json")
with open(path, "w") as out:
    json.dump({"generator": "make_vision_fixtures.py", "torch": torch.__version__,
               "torchvision": torchvision.__version__, "cases": cases}, out, separators=(",", ":"))
print(f"wrote {path} ({os.path.getsize(path)} bytes)")
