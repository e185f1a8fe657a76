"""A contact sheet per swap/real pair (PNG), for a person to check that the swap is a swap: read back from the ENCODED
files (what a detector will see), so it shows the H.264 result, not the merger's internal frames.

  top:    the source person (aligned faces from the source clip) | the middle frame, real and swapped, whole
  rows:   `k` frames spread over the clip, aligned face crops: real target, swap, |swap - real| x 3

  /usr/bin/python3 -m training.swapper.contact_sheet --data ../shared/data --target <clip> --source <clip> \
      --pair .cache/swaps/clips-out/<target id>/ [--out sheet.png]
"""
from __future__ import annotations

import argparse
import glob
import os

import cv2
import numpy as np

from .align import aligned_template, reference_points, similarity, to_crop
from .faces import Clip, identity_of, load_clip
from .merge import decode

CELL = 128


def _label(img: np.ndarray, text: str, scale: float = 0.45) -> np.ndarray:
    img = img.copy()
    cv2.putText(img, text, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(img, text, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1, cv2.LINE_AA)
    return img


def _face(frame: np.ndarray, lm: np.ndarray, size: int = CELL) -> np.ndarray:
    # the detector's own placement (eye distance 0.3, centre 0.55): what the detector will look at
    m = similarity(reference_points(lm), aligned_template(size, 0.3, 0.55))
    return to_crop(frame, m, size, cv2.INTER_AREA)


def _fit(img: np.ndarray, height: int) -> np.ndarray:
    h, w = img.shape[:2]
    return cv2.resize(img, (max(1, round(w * height / h)), height), interpolation=cv2.INTER_AREA)


def _hstack(imgs: list[np.ndarray], width: int) -> np.ndarray:
    row = np.concatenate(imgs, axis=1)
    if row.shape[1] < width:
        row = np.pad(row, ((0, 0), (0, width - row.shape[1]), (0, 0)))
    return row[:, :width]


def sheet(target: Clip, real_path: str, swap_path: str, source: Clip | None = None, k: int = 6) -> np.ndarray:
    real, swap = decode(real_path), decode(swap_path)
    n = min(len(real), len(swap))
    h, w = real.shape[1:3]
    lms = target.landmarks[:n, :, :]
    idx = [i for i in np.linspace(0, n - 1, k + 2).round().astype(int)[1:-1] if not np.isnan(lms[i]).any()]
    width = CELL * (len(idx) + 1)
    rows = []
    mid = idx[len(idx) // 2] if idx else n // 2
    top_h = 2 * CELL
    src_faces = []
    if source is not None and source.has_face.any():
        for j in np.flatnonzero(source.has_face)[:: max(1, source.has_face.sum() // 4)][:4]:
            src_faces.append(_face(source.frames[j], source.landmarks[j]))
        src_block = np.concatenate([np.concatenate(src_faces[:2], 1), np.concatenate((src_faces + src_faces)[2:4], 1)], 0)
        src_block = _label(src_block, f"source: {identity_of(source.id)[-34:]}")
        top = [src_block]
    else:
        top = []
    top += [_label(_fit(real[mid], top_h), "real (H.264)"), _label(_fit(swap[mid], top_h), "swap (H.264)")]
    rows.append(_hstack(top, width))
    for name, frames in (("real", real), ("swap", swap), ("diff x3", None)):
        cells = [_label(np.full((CELL, CELL, 3), 40, np.uint8), name)]
        for i in idx:
            if frames is None:
                d = np.abs(_face(swap[i], lms[i]).astype(np.int16) - _face(real[i], lms[i]).astype(np.int16)) * 3
                cells.append(np.clip(d, 0, 255).astype(np.uint8))
            else:
                cells.append(_label(_face(frames[i], lms[i]), f"#{i}"))
        rows.append(_hstack(cells, width))
    header = np.full((22, width, 3), 20, np.uint8)
    header = _label(header, f"target {identity_of(target.id)[-40:]}  {w}x{h}  {n} frames", 0.45)
    return np.concatenate([header] + rows, axis=0)


def write_sheet(target: Clip, pair_dir: str, source: Clip | None = None, out: str | None = None) -> list[str]:
    real = os.path.join(pair_dir, "real.mp4")
    outs = []
    for swap in sorted(glob.glob(os.path.join(pair_dir, "*.mp4"))):
        if swap == real:
            continue
        img = sheet(target, real, swap, source)
        path = out or swap.replace(".mp4", ".sheet.png")
        cv2.imwrite(path, cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
        outs.append(path)
    return outs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.environ.get("UNMASK_DATA", "../shared/data"))
    ap.add_argument("--target", required=True)
    ap.add_argument("--source", default=None)
    ap.add_argument("--pair", required=True, help="the pair folder under .cache/swaps/clips-out/")
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    target = load_clip(os.path.join(a.data, a.target), a.data)
    source = load_clip(os.path.join(a.data, a.source), a.data) if a.source else None
    for p in write_sheet(target, a.pair, source, a.out):
        print(p)


if __name__ == "__main__":
    main()
