#!/usr/bin/env python3
# PyTorch reference for `diffinst bench model`: exactly the DiffusionInst-Tiny configuration of
# ../shared/spec/workloads.md (ResNet-18 BN, FPN 128, mask branch 64, 6 stages hidden 128, FFN 512,
# dynamic 32, 100 proposals, 153-parameter filters, dynamic-k matcher, focal/L1/GIoU/dice), timed
# with the same protocol: a training step at batch 4 (128×128) and inference at batch 1 with 1 and
# 4 DDIM steps, median of N runs after warm-up, with a per-phase breakdown.
# Run: LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 scripts/bench_model_pytorch.py
import argparse, json, math, statistics, time
import torch, torch.nn as nn, torch.nn.functional as F
import torchvision
from torchvision.ops import roi_align

D, HEADS, FFN, DYN, STAGES, N, K, FILTERS = 128, 8, 512, 32, 6, 100, 1, 153

def xavier_head(module):
    for p in module.parameters():
        if p.dim() > 1: nn.init.xavier_uniform_(p)

class FPN(nn.Module):
    def __init__(self, ins=(64, 128, 256, 512), out=128):
        super().__init__()
        self.lateral = nn.ModuleList(nn.Conv2d(c, out, 1) for c in ins)
        self.output = nn.ModuleList(nn.Conv2d(out, out, 3, padding=1) for _ in ins)
    def forward(self, feats):
        lat = self.lateral[3](feats[3]); outs = [self.output[3](lat)]
        for i in (2, 1, 0):
            lat = self.lateral[i](feats[i]) + F.interpolate(lat, scale_factor=2, mode="nearest")
            outs.insert(0, self.output[i](lat))
        return outs

def aligned_bilinear(x, f):
    h, w = x.shape[2:]
    x = F.pad(x, (0, 1, 0, 1), mode="replicate")
    x = F.interpolate(x, size=(f * h + 1, f * w + 1), mode="bilinear", align_corners=True)
    x = F.pad(x, (f // 2, 0, f // 2, 0), mode="replicate")
    return x[:, :, :f * h, :f * w]

def conv_bn_relu(i, o): return nn.Sequential(nn.Conv2d(i, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU())

class MaskBranch(nn.Module):
    def __init__(self, c_in=128, c=64, out=8):
        super().__init__()
        self.refine = nn.ModuleList(conv_bn_relu(c_in, c) for _ in range(3))
        self.tower = nn.Sequential(*[conv_bn_relu(c, c) for _ in range(4)], nn.Conv2d(c, out, 1))
    def forward(self, p):
        x = self.refine[0](p[0]) + aligned_bilinear(self.refine[1](p[1]), 2) + aligned_bilinear(self.refine[2](p[2]), 4)
        return self.tower(x)

def time_code(t, dim=D):
    half = dim // 2
    freqs = torch.exp(torch.arange(half) * -(math.log(10000) / (half - 1)))
    a = t[:, None].float() * freqs[None]
    return torch.cat([a.sin(), a.cos()], dim=-1)

def pool(feats, boxes):  # boxes R×5, spec §4 level rule, aligned RoIAlign 7×7 sampling 2
    area = (boxes[:, 3] - boxes[:, 1]) * (boxes[:, 4] - boxes[:, 2])
    lvl = torch.clamp(torch.floor(4 + torch.log2(torch.sqrt(area.clamp(min=0)) / 224 + 1e-8)), 2, 5).long() - 2
    out = feats[0].new_zeros(boxes.shape[0], D, 7, 7)
    for i, f in enumerate(feats):
        idx = torch.nonzero(lvl == i).squeeze(1)
        if idx.numel(): out[idx] = roi_align(f, boxes[idx], 7, 1.0 / (4 * 2 ** i), 2, True)
    return out

class Stage(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(D, HEADS)
        self.dyn = nn.Linear(D, 2 * D * DYN); self.dn1 = nn.LayerNorm(DYN); self.dn2 = nn.LayerNorm(D)
        self.dyn_out = nn.Linear(49 * D, D); self.dn3 = nn.LayerNorm(D)
        self.l1, self.l2 = nn.Linear(D, FFN), nn.Linear(FFN, D)
        self.n1, self.n2, self.n3 = nn.LayerNorm(D), nn.LayerNorm(D), nn.LayerNorm(D)
        self.time = nn.Sequential(nn.SiLU(), nn.Linear(4 * D, 2 * D))
        self.cls = nn.Sequential(nn.Linear(D, D, bias=False), nn.LayerNorm(D), nn.ReLU())
        self.reg = nn.Sequential(*[m for _ in range(3) for m in (nn.Linear(D, D, bias=False), nn.LayerNorm(D), nn.ReLU())])
        self.logits, self.deltas, self.controller = nn.Linear(D, K), nn.Linear(D, 4), nn.Linear(D, FILTERS)
    def forward(self, feats, boxes, q, tau):
        b, n = boxes.shape[:2]
        rois = torch.cat([torch.arange(b, dtype=boxes.dtype)[:, None].repeat(1, n).reshape(-1, 1), boxes.reshape(-1, 4)], 1)
        roi = pool(feats, rois).flatten(2).permute(0, 2, 1)  # (B·N)×49×D
        if q is None: q = roi.mean(1)
        x = q.view(b, n, D).permute(1, 0, 2)
        q = self.n1(q + self.attn(x, x, x)[0].permute(1, 0, 2).reshape(b * n, D))
        p = self.dyn(q); A = p[:, :D * DYN].view(-1, D, DYN); B_ = p[:, D * DYN:].view(-1, DYN, D)
        z = F.relu(self.dn1(torch.bmm(roi, A))); z = F.relu(self.dn2(torch.bmm(z, B_)))
        q = self.n2(q + F.relu(self.dn3(self.dyn_out(z.flatten(1)))))
        o = self.n3(q + self.l2(F.relu(self.l1(q))))
        ss = self.time(tau).repeat_interleave(n, dim=0); scale, shift = ss.chunk(2, dim=1)
        f = o * (scale + 1) + shift
        c, r = self.cls(f), self.reg(f)
        d = self.deltas(r); ref = boxes.reshape(-1, 4)
        w, h = ref[:, 2] - ref[:, 0], ref[:, 3] - ref[:, 1]; cx, cy = ref[:, 0] + w / 2, ref[:, 1] + h / 2
        pcx, pcy = d[:, 0] / 2 * w + cx, d[:, 1] / 2 * h + cy
        pw, ph = torch.exp(d[:, 2].clamp(max=math.log(1e5 / 16))) * w, torch.exp(d[:, 3].clamp(max=math.log(1e5 / 16))) * h
        pb = torch.stack([pcx - pw / 2, pcy - ph / 2, pcx + pw / 2, pcy + ph / 2], 1)
        return self.logits(c).view(b, n, K), pb.view(b, n, 4), self.controller(r).view(b, n, FILTERS), o

class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        r = torchvision.models.resnet18()
        self.stem = nn.Sequential(r.conv1, r.bn1, r.relu, r.maxpool); self.layers = nn.ModuleList([r.layer1, r.layer2, r.layer3, r.layer4])
        self.fpn, self.mask = FPN(), MaskBranch()
        self.time_mlp = nn.Sequential(nn.Linear(D, 4 * D), nn.GELU(), nn.Linear(4 * D, 4 * D))
        self.stages = nn.ModuleList(Stage() for _ in range(STAGES))
        for m in (self.mask, self.time_mlp, self.stages): xavier_head(m)
        for s in self.stages: nn.init.constant_(s.logits.bias, -math.log(99))
    def features(self, x):
        x = self.stem(x); feats = []
        for l in self.layers: x = l(x); feats.append(x)
        return self.fpn(feats)
    def decode(self, feats, boxes, t):
        tau = self.time_mlp(time_code(t)); q = None; outs = []
        for s in self.stages:
            logits, pb, filt, q = s(feats, boxes, q, tau); outs.append((logits, pb, filt)); boxes = pb.detach()
        return outs

def dyn_mask(feat, filt):  # feat 8×H×W, filt R×153 → R×H×W
    r = filt.shape[0]; hw = feat.shape[1] * feat.shape[2]
    w1, w2, w3 = filt[:, :64].view(r, 8, 8), filt[:, 64:128].view(r, 8, 8), filt[:, 128:136].view(r, 1, 8)
    b1, b2, b3 = filt[:, 136:144, None], filt[:, 144:152, None], filt[:, 152:153, None]
    x = F.relu(torch.matmul(w1, feat.view(8, hw)) + b1); x = F.relu(torch.bmm(w2, x) + b2)
    return (torch.bmm(w3, x) + b3).view(r, *feat.shape[1:])

def giou(a, b):
    area = lambda x: (x[:, 2] - x[:, 0]) * (x[:, 3] - x[:, 1])
    lt, rb = torch.max(a[:, None, :2], b[None, :, :2]), torch.min(a[:, None, 2:], b[None, :, 2:])
    inter = (rb - lt).clamp(min=0).prod(-1); union = area(a)[:, None] + area(b)[None] - inter; iou = inter / union
    lt2, rb2 = torch.min(a[:, None, :2], b[None, :, :2]), torch.max(a[:, None, 2:], b[None, :, 2:])
    enc = (rb2 - lt2).clamp(min=0).prod(-1)
    return iou - (enc - union) / enc, iou

@torch.no_grad()
def match(logits, boxes, gt_boxes, gt_cls, whwh):  # spec §9.2
    p = logits.sigmoid()[:, gt_cls]
    cc = 0.25 * (1 - p) ** 2 * -(p + 1e-8).log() - 0.75 * p ** 2 * -(1 - p + 1e-8).log()
    cb = torch.cdist(boxes / whwh, gt_boxes / whwh, p=1); g, iou = giou(boxes, gt_boxes)
    cx, cy = (boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2
    inb = (cx[:, None] > gt_boxes[None, :, 0]) & (cx[:, None] < gt_boxes[None, :, 2]) & (cy[:, None] > gt_boxes[None, :, 1]) & (cy[:, None] < gt_boxes[None, :, 3])
    gcx, gcy = (gt_boxes[:, 0] + gt_boxes[:, 2]) / 2, (gt_boxes[:, 1] + gt_boxes[:, 3]) / 2
    gw, gh = gt_boxes[:, 2] - gt_boxes[:, 0], gt_boxes[:, 3] - gt_boxes[:, 1]
    inc = ((cx[:, None] - gcx).abs() < 2.5 * gw) & ((cy[:, None] - gcy).abs() < 2.5 * gh)
    fg = inb.any(1) | inc.any(1)
    cost = 5 * cb + 2 * cc - 2 * g + 100.0 * ~(inb & inc) + 10000.0 * ~fg[:, None]
    ks = torch.clamp(torch.topk(iou, min(5, iou.shape[0]), dim=0)[0].sum(0).int(), min=1)
    m = torch.zeros_like(cost)
    for j in range(gt_boxes.shape[0]): m[torch.topk(cost[:, j], int(ks[j]), largest=False)[1], j] = 1
    multi = m.sum(1) > 1
    if multi.any(): am = cost[multi].argmin(1); m[multi] = 0; m[multi, am] = 1
    while (m.sum(0) == 0).any():
        cost[m.sum(1) > 0] += 1e5
        for j in torch.nonzero(m.sum(0) == 0).squeeze(1): m[cost[:, j].argmin(), j] = 1
    rows = torch.nonzero(m.sum(1) > 0).squeeze(1)
    return rows, m[rows].argmax(1)

def losses(outs, mask_feats, targets, whwh):
    total = 0
    for logits, pb, filt in outs:
        b = logits.shape[0]; pairs = []
        for i in range(b):
            rows, cols = match(logits[i].detach(), pb[i].detach(), targets[i]["boxes"], targets[i]["classes"], whwh)
            pairs.append((rows, cols))
        nm = max(sum(len(r) for r, _ in pairs), 1)
        y = torch.zeros_like(logits)
        for i, (r, c) in enumerate(pairs): y[i, r, targets[i]["classes"][c]] = 1
        total = total + 2 * torchvision.ops.sigmoid_focal_loss(logits, y, 0.25, 2, reduction="sum") / nm
        for i, (r, c) in enumerate(pairs):
            pr, gb = pb[i, r], targets[i]["boxes"][c]
            total = total + 5 * (pr / whwh - gb / whwh).abs().sum() / nm + 2 * (1 - torch.diag(giou(pr, gb)[0])).sum() / nm
            pm = dyn_mask(mask_feats[i], filt[i, r]).sigmoid().flatten(1); gm = targets[i]["masks"][c].flatten(1)
            dice = 1 - 2 * (pm * gm).sum(1) / ((pm * pm).sum(1) + (gm * gm).sum(1) + 1e-5)
            total = total + 5 * dice.sum() / nm
    return total

def cosine_alphas():
    x = torch.linspace(0, 1000, 1001, dtype=torch.float64)
    ac = torch.cos(((x / 1000) + 0.008) / 1.008 * math.pi * 0.5) ** 2; ac = ac / ac[0]
    return torch.cumprod(1 - torch.clip(1 - ac[1:] / ac[:-1], 0, 0.999), 0).float()

def synthetic_batch(b, size=128, gen=None):
    images = torch.randn(b, 3, size, size, generator=gen); targets = []
    for _ in range(b):
        boxes = []; masks = torch.zeros(3, size // 4, size // 4)
        for j in range(3):
            x1, y1 = torch.randint(0, size - 40, (2,), generator=gen).tolist(); w, h = torch.randint(16, 40, (2,), generator=gen).tolist()
            boxes.append([x1, y1, x1 + w, y1 + h]); masks[j, (y1 + 2) // 4:(y1 + h + 2) // 4, (x1 + 2) // 4:(x1 + w + 2) // 4] = 1
        targets.append({"boxes": torch.tensor(boxes, dtype=torch.float32), "classes": torch.zeros(3, dtype=torch.long), "masks": masks})
    return images, targets

def noisy_proposals(targets, size, alphas, gen):
    out, ts = [], []
    whwh = torch.tensor([size] * 4, dtype=torch.float32)
    for t in targets:
        g = t["boxes"] / whwh; g = torch.stack([(g[:, 0] + g[:, 2]) / 2, (g[:, 1] + g[:, 3]) / 2, g[:, 2] - g[:, 0], g[:, 3] - g[:, 1]], 1)
        pad = torch.randn(N - g.shape[0], 4, generator=gen) / 6 + 0.5; pad[:, 2:] = pad[:, 2:].clamp(min=1e-4)
        x0 = (torch.cat([g, pad]) * 2 - 1) * 2; step = int(torch.randint(0, 1000, (1,), generator=gen))
        x = alphas[step].sqrt() * x0 + (1 - alphas[step]).sqrt() * torch.randn(N, 4, generator=gen)
        x = (x.clamp(-2, 2) / 2 + 1) / 2
        out.append(torch.stack([x[:, 0] - x[:, 2] / 2, x[:, 1] - x[:, 3] / 2, x[:, 0] + x[:, 2] / 2, x[:, 1] + x[:, 3] / 2], 1) * whwh); ts.append(step)
    return torch.stack(out), torch.tensor(ts)

def train_step(model, opt, images, targets, alphas, gen, size):
    t0 = time.perf_counter(); feats = model.features(images); t1 = time.perf_counter()
    mf = model.mask(feats); t2 = time.perf_counter()
    boxes, ts = noisy_proposals(targets, size, alphas, gen); outs = model.decode(feats, boxes, ts); t3 = time.perf_counter()
    loss = losses(outs, mf, targets, torch.tensor([size] * 4, dtype=torch.float32)); t4 = time.perf_counter()
    opt.zero_grad(set_to_none=True); loss.backward(); t5 = time.perf_counter()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0); opt.step(); t6 = time.perf_counter()
    return {"total": t6 - t0, "backbone+fpn": t1 - t0, "mask branch": t2 - t1, "decoder": t3 - t2, "loss+matching": t4 - t3, "backward": t5 - t4, "optimizer": t6 - t5}

@torch.no_grad()
def infer(model, image, steps, alphas, gen, size):
    t0 = time.perf_counter(); feats = model.features(image); t1 = time.perf_counter(); mf = model.mask(feats); t2 = time.perf_counter()
    whwh = torch.tensor([size] * 4, dtype=torch.float32)
    times = list(reversed(torch.linspace(-1, 999, steps + 1).int().tolist())); x = torch.randn(N, 4, generator=gen); cands = []
    for t, tn in zip(times[:-1], times[1:]):
        xb = (x.clamp(-2, 2) / 2 + 1) / 2; xb = torch.stack([xb[:, 0] - xb[:, 2] / 2, xb[:, 1] - xb[:, 3] / 2, xb[:, 0] + xb[:, 2] / 2, xb[:, 1] + xb[:, 3] / 2], 1) * whwh
        logits, pb, filt = model.decode(feats, xb[None], torch.tensor([t]))[-1]
        scores = logits[0].sigmoid(); cands.append((scores, pb[0], filt[0]))
        if tn < 0: break
        u = pb[0] / whwh; x0 = torch.stack([(u[:, 0] + u[:, 2]) / 2, (u[:, 1] + u[:, 3]) / 2, u[:, 2] - u[:, 0], u[:, 3] - u[:, 1]], 1)
        x0 = ((x0 * 2 - 1) * 2).clamp(-2, 2); a, an = alphas[t], alphas[tn]
        eps = (x / a.sqrt() - x0) / (1 / a - 1).sqrt(); keep = scores.max(1)[0] > 0.5
        sigma = ((1 - a / an) * (1 - an) / (1 - a)).sqrt(); c = (1 - an - sigma ** 2).sqrt()
        x = an.sqrt() * x0[keep] + c * eps[keep] + sigma * torch.randn(int(keep.sum()), 4, generator=gen)
        x = torch.cat([x, torch.randn(N - x.shape[0], 4, generator=gen)])
    t3 = time.perf_counter()
    sc = torch.cat([c[0] for c in cands]).flatten(); bx = torch.cat([c[1] for c in cands]); fl = torch.cat([c[2] for c in cands])
    top, idx = sc.topk(min(N * len(cands), sc.numel())); prop = idx // K
    keep = torchvision.ops.batched_nms(bx[prop], top, idx % K, 0.5)
    m = dyn_mask(mf[0], fl[prop[keep]]).sigmoid()[None]
    m = F.interpolate(aligned_bilinear(m, 4)[:, :, :size, :size], size=(size, size), mode="bilinear", align_corners=False) > 0.5
    t4 = time.perf_counter()
    return {"total": t4 - t0, "backbone+fpn": t1 - t0, "mask branch": t2 - t1, "decoder": t3 - t2, "post-processing": t4 - t3}

def main():
    ap = argparse.ArgumentParser(); ap.add_argument("--runs", type=int, default=10); ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", default=None); args = ap.parse_args()
    torch.set_num_threads(args.threads); torch.manual_seed(0); gen = torch.Generator().manual_seed(0)
    model = Tiny(); alphas = cosine_alphas(); size = 128
    print(f"parameters: {sum(p.numel() for p in model.parameters()) / 1e6:.2f} M; threads {torch.get_num_threads()}")
    opt = torch.optim.AdamW(model.parameters(), lr=2.5e-5, weight_decay=1e-4)
    images, targets = synthetic_batch(4, size, gen)
    report = {}
    model.train(); rows = [train_step(model, opt, images, targets, alphas, gen, size) for _ in range(args.runs + 2)][2:]
    report["train batch 4"] = {k: statistics.median(r[k] for r in rows) * 1e3 for k in rows[0]}
    model.eval()
    for steps in (1, 4):
        rows = [infer(model, images[:1], steps, alphas, gen, size) for _ in range(args.runs + 2)][2:]
        report[f"inference batch 1, {steps} step(s)"] = {k: statistics.median(r[k] for r in rows) * 1e3 for k in rows[0]}
    for name, r in report.items():
        print(f"{name}: total {r['total']:.1f} ms  (" + ", ".join(f"{k} {v:.1f}" for k, v in r.items() if k != "total") + ")")
    if args.json:
        with open(args.json, "w") as f: json.dump(report, f, indent=1)

if __name__ == "__main__":
    main()
