"""DeepFaceLab's training augmentation: a random smooth 'grid' warp of the input plus a random similarity shared by
input and target (DFL core/imagelib/warp.py `gen_warp_params` / `warp_by_params`, re-implemented).

The autoencoder sees the warped face and must reproduce the unwarped one, so it cannot copy pixels; it has to learn the
face. Grid: cell size w/2, w/4 or w/8 at random; the inner grid points move by a truncated normal times 0.24 of a
cell (`strength`); the displacement field is the bilinear upsampling of the grid. Similarity: rotation +-10 degrees, scale +-5 %,
shift +-5 % of the side; optional horizontal flip.
"""
from __future__ import annotations

import cv2
import numpy as np


def _truncated_normal(rng: np.random.Generator, shape, trunc: float = 2.5) -> np.ndarray:
    x = rng.normal(size=shape)
    while (bad := np.abs(x) > trunc).any():
        x[bad] = rng.normal(size=int(bad.sum()))
    return x / trunc


def gen_warp_params(w: int, rng: np.random.Generator, flip: bool = False, rotation=(-10, 10), scale=(-0.05, 0.05),
                    tx=(-0.05, 0.05), ty=(-0.05, 0.05), strength: float = 0.24) -> dict:
    cell = [w // 2, w // 4, w // 8][rng.integers(3)]
    n = w // cell + 1
    grid = np.broadcast_to(np.linspace(0, w, n, dtype=np.float32), (n, n)).copy()
    mapx, mapy = grid.copy(), grid.T.copy()
    mapx[1:-1, 1:-1] += (_truncated_normal(rng, (n - 2, n - 2)) * cell * strength).astype(np.float32)
    mapy[1:-1, 1:-1] += (_truncated_normal(rng, (n - 2, n - 2)) * cell * strength).astype(np.float32)
    half = cell // 2
    # DFL's resize-and-crop leaves the undisplaced grid at x + 0.5 (OpenCV pixel centres); the - 0.5 makes it the identity
    mapx = cv2.resize(mapx, (w + cell, w + cell))[half:half + w, half:half + w].astype(np.float32) - 0.5
    mapy = cv2.resize(mapy, (w + cell, w + cell))[half:half + w, half:half + w].astype(np.float32) - 0.5
    mat = cv2.getRotationMatrix2D((w / 2, w / 2), rng.uniform(*rotation), 1 + rng.uniform(*scale))
    mat[:, 2] += (rng.uniform(*tx) * w, rng.uniform(*ty) * w)
    return {"mapx": mapx, "mapy": mapy, "rmat": mat, "w": w, "flip": bool(flip and rng.integers(10) < 4)}


def warp_by_params(p: dict, img: np.ndarray, warp: bool, transform: bool, interpolation=cv2.INTER_CUBIC) -> np.ndarray:
    if warp:
        img = cv2.remap(img, p["mapx"], p["mapy"], interpolation, borderMode=cv2.BORDER_REPLICATE)
    if transform:
        img = cv2.warpAffine(img, p["rmat"], (p["w"], p["w"]), flags=interpolation, borderMode=cv2.BORDER_REPLICATE)
    if p["flip"]:
        img = img[:, ::-1]
    return np.ascontiguousarray(img)


def training_sample(face: np.ndarray, mask: np.ndarray, rng: np.random.Generator, flip: bool = False):
    """(warped input, target, target mask) for one aligned face (float32 HxWx3 in [0, 1]) and its hull mask."""
    p = gen_warp_params(face.shape[0], rng, flip=flip)
    x = warp_by_params(p, face, warp=True, transform=True)
    y = warp_by_params(p, face, warp=False, transform=True)
    m = warp_by_params(p, mask, warp=False, transform=True, interpolation=cv2.INTER_LINEAR)
    return np.clip(x, 0, 1), np.clip(y, 0, 1), np.clip(m, 0, 1)
