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



# ---------------------------------------------------------------------------------------------------------------
# COCOeval reference numbers on perturbed predictions.

def decode_gt(coco, ann):
    return coco.annToMask(ann).astype(np.uint8)


def shifted(mask, dx, dy):
    out = np.zeros_like(mask)
    h, w = mask.shape
    ys, xs = np.nonzero(mask)
    ys, xs = ys + dy, xs + dx
    keep = (ys >= 0) & (ys < h) & (xs >= 0) & (xs < w)
    out[ys[keep], xs[keep]] = 1
    return out


def scaled(mask, factor):
    """Nearest-neighbour rescale about the mask's box centre."""
    h, w = mask.shape
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return mask.copy()
    cy, cx = (ys.min() + ys.max()) / 2.0, (xs.min() + xs.max()) / 2.0
    y0, y1 = max(0, int(cy - (cy - ys.min() + 1) * factor) - 1), min(h, int(cy + (ys.max() - cy + 1) * factor) + 2)
    x0, x1 = max(0, int(cx - (cx - xs.min() + 1) * factor) - 1), min(w, int(cx + (xs.max() - cx + 1) * factor) + 2)
    gy, gx = np.mgrid[y0:y1, x0:x1]
    sy = np.round(cy + (gy - cy) / factor).astype(int)
    sx = np.round(cx + (gx - cx) / factor).astype(int)
    ok = (sy >= 0) & (sy < h) & (sx >= 0) & (sx < w)
    out = np.zeros_like(mask)
    out[gy[ok], gx[ok]] = mask[sy[ok], sx[ok]]
    return out


def ellipse(h, w, rng, max_radius):
    cy, cx = rng.uniform(0, h), rng.uniform(0, w)
    ry, rx = rng.uniform(1.5, max_radius), rng.uniform(1.5, max_radius)
    gy, gx = np.mgrid[0:h, 0:w]
    m = (((gy - cy) / ry) ** 2 + ((gx - cx) / rx) ** 2 <= 1).astype(np.uint8)
    if m.sum() == 0:
        m[min(h - 1, int(cy)), min(w - 1, int(cx))] = 1
    return m


def score(rng, ties):
    s = float(rng.uniform(0.01, 1.0))
    return round(s, 2) if ties and rng.random() < 0.5 else s


def perturbed_predictions(coco, rng, fp_per_image, ties, extra_categories=(), max_radius=30):
    """Masks and boxes derived from the ground truth: dropped, shifted, scaled, duplicated, plus false positives."""
    preds = []
    for img_id in sorted(coco.getImgIds()):
        img = coco.imgs[img_id]
        h, w = img["height"], img["width"]
        for ann in coco.loadAnns(coco.getAnnIds(imgIds=[img_id])):
            if rng.random() < 0.15:
                continue
            m = decode_gt(coco, ann)
            kind = rng.integers(0, 4)
            if kind == 1:
                m = shifted(m, int(rng.integers(-4, 5)), int(rng.integers(-4, 5)))
            elif kind == 2:
                m = scaled(m, float(rng.uniform(0.7, 1.3)))
            elif kind == 3:
                m = scaled(shifted(m, int(rng.integers(-3, 4)), int(rng.integers(-3, 4))), float(rng.uniform(0.8, 1.2)))
            if m.sum() == 0:
                continue
            preds.append((img_id, ann["category_id"], m, score(rng, ties)))
            if rng.random() < 0.1:
                preds.append((img_id, ann["category_id"], shifted(m, int(rng.integers(-2, 3)), 0), score(rng, ties)))
        cats = sorted(coco.getCatIds()) + list(extra_categories)
        for _ in range(fp_per_image(img_id)):
            preds.append((img_id, int(rng.choice(cats)), ellipse(h, w, rng, max_radius), score(rng, ties)))
    return preds


def to_results(preds, rng, kind):
    out = []
    for img_id, cat, m, s in preds:
        rle = mask_utils.encode(np.asfortranarray(m))
        entry = {"image_id": img_id, "category_id": cat, "score": s}
        box = mask_utils.toBbox(rle).tolist()
        if kind in ("bbox", "both"):
            # Boxes jittered by fractions of a pixel so that box IoU is not just the mask box's.
            entry["bbox"] = [box[0] + float(rng.uniform(-0.5, 0.5)), box[1] + float(rng.uniform(-0.5, 0.5)),
                             box[2] * float(rng.uniform(0.9, 1.1)), box[3] * float(rng.uniform(0.9, 1.1))]
        if kind in ("segm", "both"):
            entry["segmentation"] = rle_json(rle)
        out.append(entry)
    return out


def mean(s):
    s = s[s > -1]
    return -1.0 if s.size == 0 else float(np.mean(s))


def twelve_numbers(E, max_dets):
    """The 12 numbers, with AP at the last limit (equal to pycocotools' stats when max_dets is 100)."""
    prec, rec = E.eval["precision"], E.eval["recall"]
    stats = [mean(prec[:, :, :, 0, 2]), mean(prec[0, :, :, 0, 2]), mean(prec[5, :, :, 0, 2]),
             mean(prec[:, :, :, 1, 2]), mean(prec[:, :, :, 2, 2]), mean(prec[:, :, :, 3, 2]),
             mean(rec[:, :, 0, 0]), mean(rec[:, :, 0, 1]), mean(rec[:, :, 0, 2]),
             mean(rec[:, :, 1, 2]), mean(rec[:, :, 2, 2]), mean(rec[:, :, 3, 2])]
    if max_dets == 100:
        E.summarize()
        assert np.allclose(E.stats, stats, atol=0, rtol=0), (E.stats, stats)
    return stats


def evaluated(gt, dt, iou_type, max_dets, use_cats):
    E = COCOeval(gt, dt, iou_type)
    E.params.maxDets = [1, 10, max_dets]
    E.params.useCats = use_cats
    E.evaluate(); E.accumulate()
    return E


def reference(gt_path, res_path, iou_type, max_dets):
    gt = COCO(gt_path)
    dt = gt.loadRes(res_path)
    E = evaluated(gt, dt, iou_type, max_dets, 1)
    prec = E.eval["precision"]
    stats = twelve_numbers(E, max_dets)
    # Class-agnostic (useCats = 0): every detection may match every object of its image.
    stats_agnostic = twelve_numbers(evaluated(gt, dt, iou_type, max_dets, 0), max_dets)
    per_cat = {str(c): mean(prec[:, :, k, 0, 2]) for k, c in enumerate(E.params.catIds)}
    per_image = []
    for e in E.evalImgs[: len(E.params.imgIds) * len(E.params.catIds) * 4]:
        if e is not None and e["aRng"] == [0, 1e10]:
            per_image.append({"image_id": e["image_id"], "category_id": e["category_id"], "dtIds": e["dtIds"],
                              "gtIds": e["gtIds"], "dtMatches50": e["dtMatches"][0].astype(int).tolist(),
                              "dtMatches75": e["dtMatches"][5].astype(int).tolist()})
    return {"stats": stats, "statsAgnostic": stats_agnostic, "perCategoryAP": per_cat, "perImage": per_image,
            "iouThrs": E.params.iouThrs.tolist(), "recThrs": E.params.recThrs.tolist()}


def balloon_ground_truth(rng):
    """balloon val with a second category, crowd regions (uncompressed RLE) and an image without objects."""
    gt = json.load(open(os.path.join(DATA, "balloon", "annotations_val.json")))
    gt["categories"] = [{"id": 1, "name": "balloon"}, {"id": 2, "name": "balloon_b"}, {"id": 3, "name": "unused"}]
    coco = COCO(os.path.join(DATA, "balloon", "annotations_val.json"))
    for i, ann in enumerate(gt["annotations"]):
        if i % 3 == 1:
            ann["category_id"] = 2
        if i in (4, 17, 30):
            m = decode_gt(coco, ann)
            ann["iscrowd"] = 1
            ann["segmentation"] = {"size": [m.shape[0], m.shape[1]], "counts": uncompressed_counts(m)}
    first = gt["images"][0]
    gt["images"].append({"id": 9999, "file_name": "empty.png", "width": first["width"], "height": first["height"]})
    # Areas straddling the small/medium boundary: one annotation exactly at 32² keeps both ranges honest.
    gt["annotations"][0]["area"] = 1024.0
    return gt


def main(out, data):
    rng = np.random.default_rng(7)
    cases = []
    gt = balloon_ground_truth(rng)
    gt_path = os.path.join(out, "balloon_gt.json")
    json.dump(gt, open(gt_path, "w"), separators=(",", ":"))
    coco = COCO(gt_path)
    preds = perturbed_predictions(coco, rng, lambda i: 3 if i != 9999 else 2, ties=True, extra_categories=(3,), max_radius=60)
    for kind in ("segm", "bbox", "both"):
        path = os.path.join(out, "balloon_results_%s.json" % kind)
        json.dump(to_results(preds, rng, kind), open(path, "w"), separators=(",", ":"))
        types = ["segm", "bbox"] if kind == "both" else [kind]
        for iou_type in types:
            ref = reference(gt_path, path, iou_type, 100)
            cases.append({"name": "balloon-%s-%s" % (kind, iou_type), "gt": "Tests/Fixtures/eval/balloon_gt.json",
                          "results": "Tests/Fixtures/eval/" + os.path.basename(path), "iouType": iou_type, "maxDets": 100, **ref})
    dsb_gt = os.path.join(data, "dsb2018_nuclei", "annotations_val.json")
    coco = COCO(dsb_gt)
    preds = perturbed_predictions(coco, rng, lambda i: int(rng.integers(0, 40)), ties=False, max_radius=12)
    for kind in ("segm", "bbox"):
        path = os.path.join(out, "dsb_results_%s.json" % kind)
        json.dump(to_results(preds, rng, kind), open(path, "w"), separators=(",", ":"))
        for max_dets in (100, 300):
            ref = reference(dsb_gt, path, kind, max_dets)
            ref.pop("perImage")
            cases.append({"name": "dsb-%s-%d" % (kind, max_dets), "gt": "../shared/data/dsb2018_nuclei/annotations_val.json",
                          "results": "Tests/Fixtures/eval/" + os.path.basename(path), "iouType": kind, "maxDets": max_dets, **ref})
    json.dump(cases, open(os.path.join(out, "reference.json"), "w"), separators=(",", ":"), default=int)


def bench(directory):
    """~300 scored mask predictions per dsb2018_nuclei val image (not committed; see scripts/bench_eval.sh)."""
    rng = np.random.default_rng(11)
    coco = COCO(os.path.join(DATA, "dsb2018_nuclei", "annotations_val.json"))
    counts = {i: len(coco.getAnnIds(imgIds=[i])) for i in coco.getImgIds()}
    preds = perturbed_predictions(coco, rng, lambda i: max(0, 300 - int(counts[i] * 0.95)), ties=False, max_radius=12)
    os.makedirs(directory, exist_ok=True)
    for kind in ("segm", "bbox"):
        json.dump(to_results(preds, rng, kind), open(os.path.join(directory, "dsb_bench_%s.json" % kind), "w"))
    print("bench predictions:", len(preds), "for", len(counts), "images")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    if len(sys.argv) > 2 and sys.argv[1] == "--bench":
        bench(sys.argv[2])
        sys.exit(0)
    rng = np.random.default_rng(20240601)
    with open(os.path.join(OUT, "rle_cases.json"), "w") as f:
        json.dump(structures_fixtures(rng), f, separators=(",", ":"))
    if len(sys.argv) > 1 and sys.argv[1] == "--rle-only":
        sys.exit(0)
    main(OUT, DATA)
