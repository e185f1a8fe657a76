"""Does faceres tell people apart well enough for the caller check's identity continuity? (issue 11)

Measures the descriptor the extension uses (src/core/face-identity.ts: faceres's 1024-d `global_pooling/Mean`, the
aligned 128 px crop scaled to 224 px with half-pixel bilinear, RGB 0..255), through the PyTorch port of the same
weights (training/trunks.py; parity with TF.js is tested in training/test_trunks.py), on the aligned crops that
`npm run faces` writes (.cache/faces/<set>/manifest.jsonl), near-frontal faces only (|yaw| <= 25, |pitch| <= 20):

1. people: frames of one real clip at least 2 s apart (same person) against frames of other real clips (other
   people), up to 12 frames per clip, from the talking-head sets: AUC and the similarity percentiles;
2. swaps in the same session: each DeepFaceLive swap in dfl/ against its own real webcam clip: the reference is the
   mean of the first 5 frontal real frames (as the check's reference is its calm frames), then the share of the
   other real frames and of the swap frames below each threshold.

    /usr/bin/python3 -m training.identity_check [--faces .cache/faces]

Needs .cache/trunks/faceres.{json,bin} (training/fetch_trunks.py, or scripts/fetch-identity-model.mjs's copy).
"""
import argparse
import json
import os

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from training.trunks import FaceResTrunk

PEOPLE_SETS = ("talking/clips", "more/talking-heads-2")
SWAP_SET = "dfl/clips"
THRESHOLDS = (0.6, 0.65, 0.7, 0.75)


def frontal(r: dict) -> bool:
    p = r.get("pose") or {}
    return r.get("faces") == 1 and abs(p.get("yawDeg", 99)) <= 25 and abs(p.get("pitchDeg", 99)) <= 20


def rows_of(faces: str, subset: str) -> list[dict]:
    path = os.path.join(faces, subset, "manifest.jsonl")
    if not os.path.exists(path):
        return []
    rows = [r for r in (json.loads(line) for line in open(path)) if r.get("png")]
    for r in rows:
        r["path"] = os.path.join(faces, subset, r["png"])
        r["t"] = float(r["source"].split("#t=")[1]) if "#t=" in r["source"] else 0.0
    return [r for r in rows if frontal(r)]


@torch.no_grad()
def describe(trunk: FaceResTrunk, paths: list[str]) -> torch.Tensor:
    out = []
    for i in range(0, len(paths), 32):
        x = np.stack([np.asarray(Image.open(p).convert("RGB"), dtype=np.float32) for p in paths[i:i + 32]])
        x = torch.from_numpy(x).permute(0, 3, 1, 2)
        x = F.interpolate(x, size=(224, 224), mode="bilinear", align_corners=False)
        out.append(F.normalize(trunk(x).mean(dim=(2, 3)), dim=1))
    return torch.cat(out) if out else torch.zeros(0, 1024)


def auc(pos: np.ndarray, neg: np.ndarray) -> float:
    ranks = np.concatenate([pos, neg]).argsort().argsort() + 1
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--faces", default=".cache/faces")
    args = ap.parse_args()
    torch.set_num_threads(2)
    trunk = FaceResTrunk.from_tfjs().eval()

    by_clip: dict[str, list[dict]] = {}
    for subset in PEOPLE_SETS:
        for r in rows_of(args.faces, subset):
            if r["label"] == "real":
                by_clip.setdefault(r["group"], []).append(r)
    chosen = []
    for clip, rows in sorted(by_clip.items()):
        rows.sort(key=lambda r: r["t"])
        chosen += rows[:: max(1, len(rows) // 12)][:12]
    if chosen:
        e = describe(trunk, [r["path"] for r in chosen])
        s = (e @ e.T).numpy()
        same, other = [], []
        for i in range(len(chosen)):
            for j in range(i + 1, len(chosen)):
                if chosen[i]["group"] == chosen[j]["group"]:
                    if abs(chosen[i]["t"] - chosen[j]["t"]) >= 2:
                        same.append(s[i, j])
                else:
                    other.append(s[i, j])
        same, other = np.array(same), np.array(other)
        print(f"people: {len(by_clip)} clips, {len(chosen)} frames; same person vs other people AUC {auc(same, other):.3f}; "
              f"same median {np.median(same):.2f} (5th pct {np.percentile(same, 5):.2f}), other median "
              f"{np.median(other):.2f} (95th pct {np.percentile(other, 95):.2f}, 99th {np.percentile(other, 99):.2f}); "
              f"{len(same)} / {len(other)} pairs")
    else:
        print(f"people: no frames under {args.faces} ({', '.join(PEOPLE_SETS)}): run `npm run faces` first")

    rows = rows_of(args.faces, SWAP_SET)
    real_all, swap_all = [], []
    for group in sorted({r["group"] for r in rows}):
        real = [r["path"] for r in rows if r["group"] == group and r["label"] == "real"]
        swap = [r["path"] for r in rows if r["group"] == group and r["label"] == "fake"]
        if len(real) < 8 or len(swap) < 3:
            print(f"  {group}: skipped ({len(real)} real, {len(swap)} swap frontal frames)")
            continue
        er, es = describe(trunk, real), describe(trunk, swap)
        ref = F.normalize(er[:5].mean(0), dim=0)
        s_real, s_swap = (er[5:] @ ref).numpy(), (es @ ref).numpy()
        real_all += list(s_real)
        swap_all += list(s_swap)
        print(f"  {group}: real frames {np.median(s_real):.2f} (min {s_real.min():.2f}, {len(s_real)}), "
              f"its swap {np.median(s_swap):.2f} (max {s_swap.max():.2f}, {len(s_swap)})")
    if real_all:
        r, w = np.array(real_all), np.array(swap_all)
        for th in THRESHOLDS:
            print(f"swaps in the same session, below {th}: real frames {np.mean(r < th):.3f} ({len(r)}), swap frames {np.mean(w < th):.3f} ({len(w)})")
    else:
        print(f"swaps: no frames under {args.faces}/{SWAP_SET}: run `npm run faces` with the dfl set first")


if __name__ == "__main__":
    main()
