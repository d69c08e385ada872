# Regenerates Tests/Fixtures/schedules.json: noise-schedule tables computed independently with
# numpy in float64 (the official DiffusionDet/DiffusionInst formulas), used by DiffusionTests.
# Run: python3 Tests/Fixtures/make_schedule_fixture.py
import json, math, os
import numpy as np

T = 1000
def cosine(s=0.008):
    x = np.linspace(0, T, T + 1, dtype=np.float64)
    ac = np.cos(((x / T) + s) / (1 + s) * math.pi * 0.5) ** 2
    ac = ac / ac[0]
    return np.clip(1 - ac[1:] / ac[:-1], 0, 0.999)
def linear(b0=1e-4, b1=0.02):
    return np.linspace(b0, b1, T, dtype=np.float64)
def sigmoid(start=-3, end=3, tau=1):
    sig = lambda v: 1 / (1 + np.exp(-v))
    x = np.linspace(0, T, T + 1, dtype=np.float64) / T
    v0, v1 = sig(start / tau), sig(end / tau)
    ac = (-sig((x * (end - start) + start) / tau) + v1) / (v1 - v0)
    ac = ac / ac[0]
    return np.clip(1 - ac[1:] / ac[:-1], 0, 0.999)
out = {}
probe = [0, 1, 10, 100, 249, 332, 499, 665, 749, 874, 998, 999]
for name, betas in [("cosine", cosine()), ("linear", linear()), ("sigmoid", sigmoid())]:
    ab = np.cumprod(1 - betas)
    out[name] = {"t": probe, "alphaBar": [float(ab[t]) for t in probe], "beta": [float(betas[t]) for t in probe]}
# DDIM eta=1 coefficients for S=4 on the cosine schedule (spec §10.2 table).
ab = np.cumprod(1 - cosine())
rows = []
for t, tn in [(999, 749), (749, 499), (499, 249)]:
    a, an = ab[t], ab[tn]
    sigma = math.sqrt((1 - a / an) * (1 - an) / (1 - a))
    rows.append({"t": t, "next": tn, "signal": math.sqrt(an), "noise": math.sqrt(1 - an - sigma ** 2), "sigma": sigma})
out["ddimS4"] = rows
with open(os.path.join(os.path.dirname(__file__), "schedules.json"), "w") as f:
    json.dump(out, f, indent=1)
