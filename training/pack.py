"""Packs the aligned training crops into one small file that can travel to a GPU machine.

  /usr/bin/python3 -m training.pack --faces .cache/faces --out .gpu-data/faces.npz

A lent GPU machine receives a copy of the working tree of at most 64 MiB, so the 540 MB of PNG crops cannot go as
they are. Crops are re-encoded as WebP at quality 90 (about 1.9 kB each, against 3.6 kB for JPEG at the same
quality); only the reals' landmarks are kept (self-blending needs them), as int16 sixteenths of a pixel. The WebP
round trip is a mild, label-independent compression on top of the call augmentations every training image gets
anyway; the final figures are always measured on the original PNG crops here (training.evaluate, npm run scan).
Never commit the output: it is derived from the datasets (see models/README.md, "Training data and terms").
"""
from __future__ import annotations

import argparse
import io
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from PIL import Image

from .data import N_LANDMARKS, SIZE, load_split

WEBP_QUALITY = 90
LANDMARK_SCALE = 16.0  # int16 sixteenths of a pixel: 1/32 px worst-case rounding, far below the mask's blur


def encode(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """uint8 (N,H,W,3) -> (concatenated WebP bytes, offsets of length N+1)."""
    def one(im: np.ndarray) -> bytes:
        buf = io.BytesIO()
        Image.fromarray(im).save(buf, format="WEBP", quality=WEBP_QUALITY, method=6)
        return buf.getvalue()

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
        blobs = list(ex.map(one, images))
    offsets = np.zeros(len(blobs) + 1, np.int64)
    offsets[1:] = np.cumsum([len(b) for b in blobs])
    return np.frombuffer(b"".join(blobs), np.uint8), offsets


def decode(data: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    def one(i: int) -> np.ndarray:
        im = Image.open(io.BytesIO(data[offsets[i]:offsets[i + 1]].tobytes())).convert("RGB")
        return np.asarray(im, np.uint8)

    n = len(offsets) - 1
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
        out = list(ex.map(one, range(n)))
    return np.stack(out) if out else np.zeros((0, SIZE, SIZE, 3), np.uint8)


def pack(faces: str, out: str) -> dict[str, int]:
    dtrain = load_split(faces, "dfdc", "train")
    ltrain = load_split(faces, "lfw", "train")
    ddev = load_split(faces, "dfdc", "dev")
    # the same real/fake arrays, in the same order, as train.py builds
    real_images = np.concatenate([dtrain.images[dtrain.labels == 0], ltrain.images])
    real_lms = np.concatenate([dtrain.landmarks[dtrain.labels == 0], ltrain.landmarks])
    fake_images = dtrain.images[dtrain.labels == 1]
    arrays: dict[str, np.ndarray] = {}
    for name, imgs in (("real", real_images), ("fake", fake_images), ("dev", ddev.images)):
        arrays[f"{name}_webp"], arrays[f"{name}_offsets"] = encode(imgs)
    arrays["real_landmarks"] = np.round(real_lms * LANDMARK_SCALE).astype(np.int16)
    arrays["dev_labels"] = ddev.labels.astype(np.uint8)
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    np.savez_compressed(out, **arrays)
    return {"real": len(real_images), "fake": len(fake_images), "dev": len(ddev), "bytes": os.path.getsize(out)}


def load_packed(path: str) -> dict[str, np.ndarray]:
    """-> real_images, real_landmarks (float32 crop pixels), fake_images, dev_images, dev_labels (float32)."""
    z = np.load(path, allow_pickle=False)
    return {
        "real_images": decode(z["real_webp"], z["real_offsets"]),
        "real_landmarks": z["real_landmarks"].astype(np.float32).reshape(-1, N_LANDMARKS, 2) / LANDMARK_SCALE,
        "fake_images": decode(z["fake_webp"], z["fake_offsets"]),
        "dev_images": decode(z["dev_webp"], z["dev_offsets"]),
        "dev_labels": z["dev_labels"].astype(np.float32),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--faces", default=".cache/faces")
    ap.add_argument("--out", default=".gpu-data/faces.npz")
    args = ap.parse_args()
    info = pack(args.faces, args.out)
    print(f"packed {info['real']} real, {info['fake']} fake, {info['dev']} dev crops into {args.out}: "
          f"{info['bytes'] / 2**20:.1f} MiB", flush=True)


if __name__ == "__main__":
    main()
