"""
Would a face's boundary or texture "stability" tell a swap under a caller check (issue 11)? An offline probe on the
aligned 5-fps crops `npm run faces` writes, applying the check's own deviation rule to whole clips: the first
`--baseline` frames as the calm baseline, the rest as the step. Figures in docs/benchmarks.md ("The hand pass needs
the hand held", 2026-12-03); the result was negative, so the engine does not compute these.

    /usr/bin/python3 -m training.stability_probe [--faces .cache/faces] [--sets dfl/clips,talking/clips,...]

Per frame, on the aligned crop (luma) and its face oval (MediaPipe FACEMESH_FACE_OVAL, scaled about its centroid):
- texture: Laplacian energy of the inner face (0.85 of the oval) over that of a ring outside it (1.15-1.5), r, as
  r / (1 + r): a swap that smears or renders soft lowers it;
- boundary: mean absolute change from the previous frame (<= 0.35 s before) in a band around the oval (0.88-1.08)
  over the ring's change, b, as 1 / (1 + b): a blend seam that flickers lowers it.
The rule (src/core/challenge/steps.ts `deviation`): worst median of 3 consecutive step values against the baseline's
median, spread 1.4826 x MAD floored at 0.05; broken when z >= 4 and the drop >= 0.15.
"""
from __future__ import annotations

import argparse
import collections
import json
import os

import cv2
import numpy as np

FACE_OVAL = [10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148, 176,
             149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109]
SETS = "dfl/clips,talking/clips,more/ghost,more/talking-heads-2,more/simswap,more/dfdc-clips"


def regions(landmarks: list[float], size: int = 128) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inner face, boundary band and outer ring masks of an aligned crop, from its landmarks (x, y pairs in pixels)."""
    pts = np.array(landmarks, dtype=np.float64).reshape(-1, 2)[FACE_OVAL]
    c = pts.mean(0)

    def inside(k: float) -> np.ndarray:
        m = np.zeros((size, size), np.uint8)
        cv2.fillPoly(m, [np.round(c + (pts - c) * k).astype(np.int32)], 1)
        return m.astype(bool)

    return inside(0.85), inside(1.08) & ~inside(0.88), inside(1.5) & ~inside(1.15)


def deviation(base: np.ndarray, during: np.ndarray, window: int = 3, min_spread: float = 0.05) -> tuple[float, float] | None:
    """(drop, z) of the step's worst run against the baseline, as the check computes it for a stability."""
    if len(base) < 5 or len(during) < 3:
        return None
    b = float(np.median(base))
    spread = max(min_spread, 1.4826 * float(np.median(np.abs(base - b))))
    k = min(len(during), window)
    worst = min(float(np.median(during[i:i + k])) for i in range(len(during) - k + 1))
    return b - worst, (b - worst) / spread


def clip_series(folder: str, rows: list[tuple[float, dict]]) -> tuple[np.ndarray, np.ndarray]:
    rows.sort(key=lambda x: x[0])
    texture, boundary = [], []
    prev = None
    for t, r in rows:
        img = cv2.imread(os.path.join(folder, r["png"]), cv2.IMREAD_GRAYSCALE)
        if img is None:
            prev = None
            continue
        img = img.astype(np.float32)
        inner, band, ring = regions(r["landmarks"], img.shape[0])
        valid = img > 2  # parts of the crop outside the frame are black
        energy = cv2.Laplacian(img, cv2.CV_32F, ksize=1) ** 2
        if (ring & valid).sum() > 20:
            ratio = energy[inner & valid].mean() / (energy[ring & valid].mean() + 1e-6)
            texture.append(ratio / (1 + ratio))
        if prev is not None and t - prev[0] < 0.35:
            d = np.abs(img - prev[1])
            v = valid & (prev[1] > 2)
            if (band & v).sum() > 20 and (ring & v).sum() > 20:
                b = (d[band & v].mean() + 1) / (d[ring & v].mean() + 1)
                boundary.append(1 / (1 + b))
        prev = (t, img)
    return np.array(texture), np.array(boundary)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--faces", default=".cache/faces")
    ap.add_argument("--sets", default=SETS)
    ap.add_argument("--baseline", type=int, default=10, help="calm frames (10 = 2 s at 5 fps)")
    ap.add_argument("--min-frames", type=int, default=15)
    args = ap.parse_args()
    broken = collections.Counter()
    counted = collections.Counter()
    for subset in args.sets.split(","):
        folder = os.path.join(args.faces, subset)
        path = os.path.join(folder, "manifest.jsonl")
        if not os.path.exists(path):
            print(f"skipped {subset}: no {path} (run `npm run faces` first)")
            continue
        clips: dict[tuple[str, str], list] = collections.defaultdict(list)
        for line in open(path):
            r = json.loads(line)
            if r.get("faces", 1) != 1:
                continue
            source, _, t = r["source"].partition("#t=")
            clips[(r["label"], source)].append((float(t or 0), r))
        for (label, source), rows in sorted(clips.items()):
            texture, boundary = clip_series(folder, rows)
            if len(texture) < args.min_frames:
                continue
            counted[label] += 1
            cells = []
            for name, s in (("texture", texture), ("boundary", boundary)):
                d = deviation(s[:args.baseline], s[args.baseline:])
                if d is None:
                    cells.append(f"{name} -")
                    continue
                hit = d[1] >= 4 and d[0] >= 0.15
                broken[(label, name)] += hit
                cells.append(f"{name} base {np.median(s[:args.baseline]):.3f} drop {d[0]:+.3f} z {d[1]:4.1f}{' BROKEN' if hit else ''}")
            print(f"{label:5s} {source[-55:]:55s} n={len(texture):3d} | " + " | ".join(cells))
    for label in sorted(counted):
        print(f"{label}: {counted[label]} clips; texture broken on {broken[(label, 'texture')]}, boundary on {broken[(label, 'boundary')]}")


if __name__ == "__main__":
    main()
