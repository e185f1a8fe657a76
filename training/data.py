"""Loads the aligned 128x128 face crops written by `npm run faces` into memory (uint8 arrays).

Layout: <faces>/<dataset>/<split>/manifest.jsonl, one JSON line per source image; `png` (relative to the manifest's
folder) is absent when no face was found. Arrays are cached under .cache/training/ keyed by the manifest's size and
mtime so that a second run starts in seconds.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass

import numpy as np
from PIL import Image

SIZE = 128
N_LANDMARKS = 478


@dataclass
class Split:
    images: np.ndarray  # (N, 128, 128, 3) uint8, RGB
    labels: np.ndarray  # (N,) float32, 1 = fake
    landmarks: np.ndarray  # (N, 478, 2) float32, crop pixels
    groups: list[str]
    names: list[str]
    no_face: int  # manifest entries without a face crop (not in the arrays)

    def __len__(self) -> int:
        return len(self.labels)


def _cache_path(manifest: str) -> str:
    st = os.stat(manifest)
    key = hashlib.sha1(f"{os.path.abspath(manifest)}:{st.st_size}:{st.st_mtime_ns}".encode()).hexdigest()[:16]
    return os.path.join(".cache", "training", f"{key}.npz")


def load_split(faces: str, dataset: str, split: str, use_cache: bool = True) -> Split:
    folder = os.path.join(faces, dataset, split)
    manifest = os.path.join(folder, "manifest.jsonl")
    cache = _cache_path(manifest)
    if use_cache and os.path.exists(cache):
        z = np.load(cache, allow_pickle=False)
        return Split(z["images"], z["labels"], z["landmarks"], list(z["groups"]), list(z["names"]), int(z["no_face"]))
    images, labels, lms, groups, names = [], [], [], [], []
    no_face = 0
    with open(manifest) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    rows.sort(key=lambda r: r["source"])  # manifest order depends on worker timing; sort for determinism
    for r in rows:
        if not r.get("png") or not r.get("landmarks"):
            no_face += 1
            continue
        im = Image.open(os.path.join(folder, r["png"])).convert("RGB")
        if im.size != (SIZE, SIZE):
            im = im.resize((SIZE, SIZE), Image.BILINEAR)
        images.append(np.asarray(im, dtype=np.uint8))
        labels.append(1.0 if r["label"] == "fake" else 0.0)
        lm = np.asarray(r["landmarks"], dtype=np.float32).reshape(-1, 2)[:N_LANDMARKS]
        lms.append(lm)
        groups.append(str(r.get("group", "")))
        names.append(r["source"])
    out = Split(
        np.stack(images) if images else np.zeros((0, SIZE, SIZE, 3), np.uint8),
        np.asarray(labels, np.float32),
        np.stack(lms) if lms else np.zeros((0, N_LANDMARKS, 2), np.float32),
        groups,
        names,
        no_face,
    )
    if use_cache:
        os.makedirs(os.path.dirname(cache), exist_ok=True)
        np.savez(cache, images=out.images, labels=out.labels, landmarks=out.landmarks,
                 groups=np.asarray(groups), names=np.asarray(names), no_face=np.asarray(no_face))
    return out


def to_model_input(images_uint8: np.ndarray) -> np.ndarray:
    """Exactly the engine's toModelInput (src/core/face-align.ts): x / 127.5 - 1, channels-last."""
    return images_uint8.astype(np.float32) / 127.5 - 1.0
