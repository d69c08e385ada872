#!/usr/bin/env bash
# Runs `diffinst bench ops` / `diffinst bench model` and the PyTorch 1.13 references (Debian python3-torch,
# OpenMP OpenBLAS, 2 threads) interleaved, ROUNDS times each, and prints the median of the per-round medians
# for every case with the ratio PyTorch / ours (> 1: ours faster). The machine is shared: only ratios taken
# this way mean anything. Usage: scripts/bench_compare.sh [ops|model|all] [ROUNDS]   (default: all 3)
# BENCH_KERNELS=1 adds the element-wise/reduction/layout cases (`bench ops --kernels`) to ops.
set -euo pipefail
cd "$(dirname "$0")/.."
WHAT=${1:-all}; ROUNDS=${2:-3}; KERNELS=${BENCH_KERNELS:+--kernels}
OUT=${BENCH_DIR:-.build/bench-compare}; mkdir -p "$OUT"; rm -f "$OUT"/*.json
swift build -c release --product diffinst >/dev/null
BIN=$(swift build -c release --show-bin-path)/diffinst
TORCH="env LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3"
for round in $(seq 1 "$ROUNDS"); do
  if [ "$WHAT" = ops ] || [ "$WHAT" = all ]; then
    "$BIN" bench ops $KERNELS --json "$OUT/ours_ops_$round.json" >/dev/null
    $TORCH scripts/bench_ops_pytorch.py $KERNELS --json "$OUT/torch_ops_$round.json" >/dev/null
  fi
  if [ "$WHAT" = model ] || [ "$WHAT" = all ]; then
    "$BIN" bench model --json "$OUT/ours_model_$round.json" >/dev/null
    $TORCH scripts/bench_model_pytorch.py --json "$OUT/torch_model_$round.json" >/dev/null
  fi
done
/usr/bin/python3 - "$OUT" <<'PY'
import glob, json, statistics, sys
out = sys.argv[1]
def cases(path):
    data = json.load(open(path))
    if isinstance(data, dict) and "results" in data:        # PyTorch ops: {"results": [{case, median_ms}]}
        return {c["case"]: c["median_ms"] for c in data["results"]}
    if isinstance(data, list):                               # diffinst bench ops: [{name, medianMilliseconds}]
        return {c["name"]: c["medianMilliseconds"] for c in data}
    flat = {}                                                # bench model (both): {case: {total, phase: ms}}
    for case, phases in data.items():
        flat[case] = phases["total"]
        for phase, ms in sorted(phases.items()):
            if phase != "total": flat[f"  {case} / {phase}"] = ms
    return flat
for kind in ("ops", "model"):
    ours = [cases(p) for p in sorted(glob.glob(f"{out}/ours_{kind}_*.json"))]
    torch = [cases(p) for p in sorted(glob.glob(f"{out}/torch_{kind}_*.json"))]
    if not ours: continue
    print(f"== {kind}: median over {len(ours)} interleaved rounds (ms)")
    for name in ours[0]:
        a = statistics.median(r[name] for r in ours if name in r)
        b = [r[name] for r in torch if name in r]
        line = f"{name:48s} ours {a:9.2f}"
        if b: line += f"   pytorch {statistics.median(b):9.2f}   ratio {statistics.median(b) / a:5.2f}"
        print(line)
PY
