#!/usr/bin/env python3
"""Generates the RLE/polygon and COCO evaluation fixtures under Tests/Fixtures/eval/ with pycocotools.

Run from the package root:  python3 Tests/Fixtures/make_eval_fixtures.py   (needs `pip install pycocotools`)
Everything is seeded, so re-running reproduces the committed files. The Swift tests read only the outputs.
"""
import copy, json, os, sys
import numpy as np
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

ROOT = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(ROOT, "eval")
DATA = os.path.normpath(os.path.join(ROOT, "..", "..", "..", "shared", "data"))


def rle_json(rle):
    return {"size": list(rle["size"]), "counts": rle["counts"].decode("ascii") if isinstance(rle["counts"], bytes) else rle["counts"]}


def uncompressed_counts(mask):
    """Column-major run lengths of a 2-D 0/1 array, starting with zeros (independent of pycocotools)."""
    flat = mask.flatten(order="F")
    counts, current, run = [], 0, 0
    for value in flat:
        if value != current:
            counts.append(run); run = 0; current = value
        run += 1
    counts.append(run)
    return counts


def structures_fixtures(rng):
    cases = {"masks": [], "polygons": [], "merges": [], "ious": [], "boxes": []}
    # Random masks of assorted sizes and densities, including empty, full and large counts.
    shapes = [(1, 1), (3, 5), (13, 17), (32, 32), (7, 200), (120, 90)]
    for h, w in shapes:
        for density in (0.0, 0.05, 0.5, 0.95, 1.0):
            m = (rng.random((h, w)) < density).astype(np.uint8)
            if density == 0.5 and h >= 32:  # blobby masks give long runs and multi-group LEB128 deltas
                m = np.zeros((h, w), np.uint8); m[h // 4: 3 * h // 4, w // 5: w - 2] = 1; m[0, 0] = 1
            rle = mask_utils.encode(np.asfortranarray(m))
            cases["masks"].append({
                "height": h, "width": w, "bits": m.flatten().tolist(),
                "counts": uncompressed_counts(m), "string": rle["counts"].decode("ascii"),
                "area": int(mask_utils.area(rle)), "bbox": mask_utils.toBbox(rle).tolist()})
    # Polygons: random (inside, crossing the border, fractional, repeated vertices) and balloon val polygons.
    for i in range(60):
        h, w = int(rng.integers(5, 60)), int(rng.integers(5, 60))
        k = int(rng.integers(3, 12))
        xy = np.stack([rng.uniform(-5, w + 5, k), rng.uniform(-5, h + 5, k)], 1)
        if i % 4 == 0: xy = np.round(xy)
        if i % 5 == 0: xy = np.round(xy * 2) / 2
        if i % 7 == 0: xy[1] = xy[0]
        polys = [xy.flatten().tolist()]
        if i % 6 == 0:
            polys.append((xy.flatten() * 0.5 + 3).tolist())
        rle = mask_utils.merge(mask_utils.frPyObjects(polys, h, w))
        cases["polygons"].append({"height": h, "width": w, "polygons": polys, "string": rle["counts"].decode("ascii")})
    balloon = json.load(open(os.path.join(DATA, "balloon", "annotations_val.json")))
    images = {im["id"]: im for im in balloon["images"]}
    for ann in balloon["annotations"][:25]:
        im = images[ann["image_id"]]
        rle = mask_utils.merge(mask_utils.frPyObjects(ann["segmentation"], im["height"], im["width"]))
        cases["polygons"].append({"height": im["height"], "width": im["width"], "polygons": ann["segmentation"],
                                  "string": rle["counts"].decode("ascii")})
    # Boxes rasterised as polygons (frPyObjects on a list of [x, y, w, h]).
    for i in range(20):
        h, w = int(rng.integers(5, 40)), int(rng.integers(5, 40))
        box = [float(rng.uniform(-3, w)), float(rng.uniform(-3, h)), float(rng.uniform(0, w)), float(rng.uniform(0, h))]
        rle = mask_utils.frPyObjects(np.array([box]), h, w)[0]
        cases["boxes"].append({"height": h, "width": w, "box": box, "string": rle["counts"].decode("ascii")})
    # Union / intersection and IoU (with crowd) between random masks.
    for i in range(30):
        h, w = int(rng.integers(1, 40)), int(rng.integers(1, 40))
        ms = [(rng.random((h, w)) < rng.uniform(0.05, 0.9)).astype(np.uint8) for _ in range(int(rng.integers(2, 5)))]
        rles = [mask_utils.encode(np.asfortranarray(m)) for m in ms]
        union = mask_utils.merge(rles, intersect=False)
        inter = mask_utils.merge(rles, intersect=True)
        ious = mask_utils.iou(rles[:1] + rles[1:2], rles, [0, 1] + [0] * (len(rles) - 2))
        cases["merges"].append({"height": h, "width": w, "strings": [r["counts"].decode("ascii") for r in rles],
                                "union": union["counts"].decode("ascii"), "intersection": inter["counts"].decode("ascii"),
                                "iou_crowd": [0, 1] + [0] * (len(rles) - 2), "iou": np.asarray(ious).tolist()})
    return cases


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20240601)
    with open(os.path.join(OUT, "rle_cases.json"), "w") as f:
        json.dump(structures_fixtures(rng), f, separators=(",", ":"))
    if len(sys.argv) > 1 and sys.argv[1] == "--rle-only":
        sys.exit(0)
    import eval_fixtures  # noqa: E402  (second half: COCOeval reference numbers)
    eval_fixtures.main(OUT, DATA)
