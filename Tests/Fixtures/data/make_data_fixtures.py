#!/usr/bin/env python3
"""Generates the DataTests fixtures. Run from this folder: python3 make_data_fixtures.py
Needs numpy, Pillow (JPEG encode/decode reference) and pycocotools (mask reference).

PNG files are written by a minimal encoder below so that every colour type and bit depth is covered;
the expected 8-bit RGB of each is computed independently with numpy (16-bit: round(v * 255 / 65535),
as libpng's png_set_scale_16; alpha dropped; palette looked up; gray replicated).
JPEG files are encoded by Pillow; the expected pixels are Pillow's own decode (libjpeg, ISLOW DCT).
coco_mixed.json mixes polygons (several per object), uncompressed RLE, compressed RLE and a crowd region;
coco_mixed_expected.json holds pycocotools' area and bbox of each decoded annotation.
"""
import json, struct, zlib
import numpy as np
from PIL import Image
from pycocotools import mask as M

rng = np.random.default_rng(7)
W, H = 13, 9  # odd sizes catch row-stride mistakes

def chunk(tag, data):
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xffffffff)

def write_png(path, raw_rows, width, height, depth, color, extra=b""):
    ihdr = struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, 0)
    data = b"".join(b"\x00" + row for row in raw_rows)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra + chunk(b"IDAT", zlib.compress(data)) + chunk(b"IEND", b""))

def pack_bits(values, depth):
    out, acc, n = bytearray(), 0, 0
    for v in values:
        acc = (acc << depth) | int(v); n += depth
        if n == 8: out.append(acc); acc, n = 0, 0
    if n: out.append(acc << (8 - n))
    return bytes(out)

def save_expected(name, rgb):
    np.asarray(rgb, dtype=np.uint8).tofile(name + ".rgb")

cases = {}
g8 = rng.integers(0, 256, (H, W), dtype=np.uint8)
write_png("gray8.png", [r.tobytes() for r in g8], W, H, 8, 0); save_expected("gray8", np.stack([g8] * 3, -1))
g1 = rng.integers(0, 2, (H, W))
write_png("gray1.png", [pack_bits(r, 1) for r in g1], W, H, 1, 0); save_expected("gray1", np.stack([g1 * 255] * 3, -1))
g16 = rng.integers(0, 65536, (H, W), dtype=np.uint16)
write_png("gray16.png", [r.astype(">u2").tobytes() for r in g16], W, H, 16, 0)
s16 = np.floor(g16.astype(np.float64) * 255 / 65535 + 0.5).astype(np.uint8)
save_expected("gray16", np.stack([s16] * 3, -1))
ga = rng.integers(0, 256, (H, W, 2), dtype=np.uint8)
write_png("gray_alpha8.png", [r.tobytes() for r in ga], W, H, 8, 4); save_expected("gray_alpha8", np.stack([ga[..., 0]] * 3, -1))
rgb8 = rng.integers(0, 256, (H, W, 3), dtype=np.uint8)
write_png("rgb8.png", [r.tobytes() for r in rgb8], W, H, 8, 2); save_expected("rgb8", rgb8)
rgb16 = rng.integers(0, 65536, (H, W, 3), dtype=np.uint16)
write_png("rgb16.png", [r.astype(">u2").tobytes() for r in rgb16], W, H, 16, 2)
save_expected("rgb16", np.floor(rgb16.astype(np.float64) * 255 / 65535 + 0.5).astype(np.uint8))
rgba8 = rng.integers(0, 256, (H, W, 4), dtype=np.uint8)
write_png("rgba8.png", [r.tobytes() for r in rgba8], W, H, 8, 6); save_expected("rgba8", rgba8[..., :3])
palette = rng.integers(0, 256, (16, 3), dtype=np.uint8)
index = rng.integers(0, 16, (H, W))
trns = chunk(b"tRNS", bytes(rng.integers(0, 256, 16, dtype=np.uint8)))
write_png("palette4.png", [pack_bits(r, 4) for r in index], W, H, 4, 3, chunk(b"PLTE", palette.tobytes()) + trns)
save_expected("palette4", palette[index])

# JPEG: a smooth image (JPEG's natural input) in colour and grey, decoded by Pillow for the reference.
yy, xx = np.mgrid[0:48, 0:40]
smooth = np.stack([(xx * 5) % 256, (yy * 4) % 256, ((xx + yy) * 3) % 256], -1).astype(np.uint8)
Image.fromarray(smooth).save("color.jpg", quality=92)
save_expected("color_jpg", np.asarray(Image.open("color.jpg").convert("RGB")))
Image.fromarray(smooth[..., 1]).save("gray.jpg", quality=92)
save_expected("gray_jpg", np.asarray(Image.open("gray.jpg").convert("RGB")))
with open("truncated.png", "wb") as f:
    f.write(open("rgb8.png", "rb").read()[:60])
with open("truncated.jpg", "wb") as f:
    f.write(open("color.jpg", "rb").read()[:200])
with open("not_an_image.png", "w") as f:
    f.write("hello, I am text\n")

# A small COCO set: category ids 3 and 7 (non-contiguous), all three segmentation encodings.
iw, ih = 40, 30
for name in ("a.png", "b.png"):
    Image.fromarray(rng.integers(0, 256, (ih, iw, 3), dtype=np.uint8)).save(name)
def rle_of(mask):
    return M.encode(np.asfortranarray(mask.astype(np.uint8)))
m1 = np.zeros((ih, iw), np.uint8); m1[5:12, 3:20] = 1; m1[15:18, 30:33] = 1
m2 = np.zeros((ih, iw), np.uint8); m2[0:30, 0:2] = 1; m2[20:25, 10:15] = 1
c1 = rle_of(m1); c1["counts"] = c1["counts"].decode()
# Uncompressed RLE straight from the column-major runs.
flat = m2.flatten(order="F"); runs, cur, n = [], 0, 0
for v in flat:
    if v == cur: n += 1
    else: runs.append(n); cur, n = v, 1
runs.append(n)
annotations = [
    {"id": 10, "image_id": 1, "category_id": 3, "iscrowd": 0,
     "segmentation": [[2.5, 3.0, 15.2, 4.1, 12.0, 14.7, 3.3, 12.9], [20.0, 20.0, 26.0, 20.0, 23.0, 27.5]]},
    {"id": 11, "image_id": 1, "category_id": 7, "iscrowd": 0, "segmentation": c1},
    {"id": 12, "image_id": 2, "category_id": 7, "iscrowd": 1, "segmentation": {"size": [ih, iw], "counts": runs}},
    {"id": 13, "image_id": 2, "category_id": 3, "iscrowd": 0, "segmentation": [[0, 0, 1, 0, 1, 1, 0, 1, 0.5, 0.0]]},
]
expected = {}
for a in annotations:
    seg = a["segmentation"]
    if isinstance(seg, list):
        r = M.merge(M.frPyObjects(seg, ih, iw))
    elif isinstance(seg["counts"], list):
        r = M.frPyObjects(seg, ih, iw)
    else:
        r = seg
    a["area"] = float(M.area(r))
    a["bbox"] = [float(v) for v in M.toBbox(r)]
    expected[str(a["id"])] = {"area": int(M.area(r)), "bbox": a["bbox"]}
coco = {"images": [{"id": 1, "file_name": "a.png", "width": iw, "height": ih},
                   {"id": 2, "file_name": "b.png", "width": iw, "height": ih},
                   {"id": 3, "file_name": "a.png", "width": iw, "height": ih}],
        "categories": [{"id": 7, "name": "seven"}, {"id": 3, "name": "three"}],
        "annotations": annotations}
json.dump(coco, open("coco_mixed.json", "w"))
json.dump(expected, open("coco_mixed_expected.json", "w"), indent=1)
print("fixtures written")
