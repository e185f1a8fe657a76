"""Who is who, by a face-recognition embedding: faceres's 1024-d pooled descriptor (the one the caller check uses,
src/core/face-identity.ts; PyTorch port in training/trunks.py, parity with TF.js tested in test_trunks.py) on the
detector's aligned crop (eye distance 0.30, centre 0.55, 128 px, scaled to 224 px), near-frontal frames only
(|yaw| <= 25 deg, |pitch| <= 20 deg, from the engine's pose).

Two checks:
  roster  every roster clip's mean descriptor against every other's: the closest two people, and each clip's own
          frames against its mean (a pair of "different people" as close as one clip's own frames would be one person).
  swaps   for every swap in .cache/swaps/labels.csv: each frontal swapped frame against the SOURCE person's mean (from
          the source clip) and against the TARGET's mean (from the real frames of the same pair); the share of frames
          nearer the source is the proof the issue asks for ("the swapped face is nearer the source identity than the
          target's own"). The real half of each pair is measured the same way as the control.

    /usr/bin/python3 -m training.swapper.identities --data ../shared/data roster
    /usr/bin/python3 -m training.swapper.identities --data ../shared/data swaps [--json .cache/swaps/identities.json]
"""
from __future__ import annotations

import argparse
import json
import os

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from .align import aligned_template, reference_points, similarity, to_crop
from .faces import CACHE, frame_files, identity_of
from .landmarks import read_landmarks
from .merge import decode
from .pairs import read_labels
from .prepare import folder_of, roster_clips
from .roster import SOURCE_SECONDS, SOURCES

MAX_YAW, MAX_PITCH = 25.0, 20.0


def detector_crop(frame: np.ndarray, lm: np.ndarray, size: int = 128) -> np.ndarray:
    m = similarity(reference_points(lm), aligned_template(size, 0.3, 0.55))
    return to_crop(frame, m, size, cv2.INTER_AREA)


def frontal_rows(folder: str) -> list[tuple[int, np.ndarray]]:
    """(frame index, landmarks) of the near-frontal frames of a prepared clip folder."""
    out = []
    for i, r in enumerate(read_landmarks(os.path.join(folder, "landmarks.jsonl"))):
        p = r.get("pose") or {}
        if r["landmarks"] is not None and abs(p.get("yawDeg", 99)) <= MAX_YAW and abs(p.get("pitchDeg", 99)) <= MAX_PITCH:
            out.append((i, r["landmarks"][:478]))
    return out


class Describer:
    def __init__(self):
        from training.trunks import FaceResTrunk

        self.trunk = FaceResTrunk.from_tfjs().eval()

    @torch.no_grad()
    def __call__(self, crops: list[np.ndarray]) -> torch.Tensor:
        """RGB uint8 128 px crops -> (n, 1024) unit descriptors (input 0..255, as the extension feeds faceres)."""
        out = []
        for i in range(0, len(crops), 32):
            x = torch.from_numpy(np.stack(crops[i:i + 32]).astype(np.float32)).permute(0, 3, 1, 2)
            x = F.interpolate(x, size=(224, 224), mode="bilinear", align_corners=False)
            out.append(F.normalize(self.trunk(x).mean(dim=(2, 3)), dim=1))
        return torch.cat(out) if out else torch.zeros(0, 1024)


def frame_scale(folder: str, frames: np.ndarray) -> np.ndarray:
    """x, y factors from a prepared clip's own frame size to `frames`' (a swap merged at another size,
    merge.downscaled): its landmarks, taken at the clip's size, are scaled by them."""
    names = frame_files(folder)
    if not names or not len(frames):
        return np.ones(2, np.float32)
    h, w = cv2.imread(os.path.join(folder, names[0])).shape[:2]
    return np.array([frames.shape[2] / w, frames.shape[1] / h], np.float32)


def clip_descriptors(describe: Describer, folder: str, frames: np.ndarray | None = None, every: int = 1,
                     limit: int | None = None) -> torch.Tensor:
    """Descriptors of a prepared clip's frontal frames (`frames` overrides the clip's own PNGs: a decoded swap)."""
    rows = frontal_rows(folder)[::every][:limit]
    if frames is None:
        names = frame_files(folder)
        get = lambda i: cv2.cvtColor(cv2.imread(os.path.join(folder, names[i])), cv2.COLOR_BGR2RGB)  # noqa: E731
        scale = np.ones(2, np.float32)
    else:
        get = lambda i: frames[i]  # noqa: E731
        scale = frame_scale(folder, frames)
    crops = [detector_crop(get(i), lm * scale) for i, lm in rows if frames is None or i < len(frames)]
    return describe(crops)


def unit_mean(e: torch.Tensor) -> torch.Tensor:
    return F.normalize(e.mean(0), dim=0)


def roster_check(data: str, describe: Describer) -> dict:
    means, own = {}, {}
    for rel, seconds in roster_clips():
        folder = folder_of(data, rel, seconds)
        e = clip_descriptors(describe, folder, every=4, limit=24)
        if len(e) < 3:
            print(f"  {rel}: only {len(e)} frontal frames")
            continue
        name = identity_of(os.path.basename(folder))
        means[name] = unit_mean(e)
        own[name] = float((e @ means[name]).min())
    names = list(means)
    m = torch.stack([means[n] for n in names])
    s = (m @ m.T).numpy()
    np.fill_diagonal(s, -1)
    order = np.dstack(np.unravel_index(np.argsort(-s, axis=None), s.shape))[0]
    closest = [(names[i], names[j], float(s[i, j])) for i, j in order if i < j][:5]
    print(f"roster: {len(names)} people; each clip's own frontal frames vs its mean: lowest {min(own.values()):.2f}, "
          f"median {np.median(list(own.values())):.2f}")
    for a, b, v in closest:
        print(f"  closest: {v:.2f}  {a}  ~  {b}")
    return {"people": len(names), "own_lowest": min(own.values()), "closest": closest}


def swap_check(data: str, describe: Describer, labels: str) -> dict:
    rows = read_labels(labels)
    source_means = {}
    for rel in SOURCES:
        folder = folder_of(data, rel, SOURCE_SECONDS)
        source_means[identity_of(os.path.basename(folder))] = unit_mean(clip_descriptors(describe, folder))
    base = os.path.dirname(os.path.abspath(labels))
    results, reals = [], {}
    for r in rows:
        if r.label != "fake":
            continue
        folder = os.path.join(CACHE, "clips", r.pair_group)
        real_path = next(x.path for x in rows if x.pair_group == r.pair_group and x.label == "real")
        if r.pair_group not in reals:
            er = clip_descriptors(describe, folder, decode(os.path.join(base, real_path)))
            reals[r.pair_group] = (er, unit_mean(er))
        er, target_mean = reals[r.pair_group]
        es = clip_descriptors(describe, folder, decode(os.path.join(base, r.path)))
        src_mean = source_means[r.source_identity]
        to_src, to_tgt = (es @ src_mean).numpy(), (es @ target_mean).numpy()
        real_src = (er @ src_mean).numpy()
        res = {"swap": r.path, "source": r.source_identity, "target": r.target_identity, "frames": len(es),
               "nearer_source": float(np.mean(to_src > to_tgt)) if len(es) else None,
               "swap_to_source": float(np.median(to_src)) if len(es) else None,
               "swap_to_target": float(np.median(to_tgt)) if len(es) else None,
               "real_to_source": float(np.median(real_src)) if len(er) else None}
        results.append(res)
        print(f"  {r.source_identity[-20:]:>20} -> {r.target_identity[-28:]:<28} {len(es):3d} frames: nearer source "
              f"{res['nearer_source']:.2f}; to source {res['swap_to_source']:.2f} (its real {res['real_to_source']:.2f}), "
              f"to target {res['swap_to_target']:.2f}")
    frames = sum(r["frames"] for r in results)
    nearer = sum(r["frames"] * r["nearer_source"] for r in results if r["frames"])
    summary = {"swaps": len(results), "frames": frames, "nearer_source_share": nearer / frames if frames else None,
               "swaps_mostly_nearer_source": sum(1 for r in results if r["frames"] and r["nearer_source"] > 0.5),
               "median_gain_to_source": float(np.median([r["swap_to_source"] - r["real_to_source"] for r in results if r["frames"]]))}
    print(f"swaps: {summary['swaps']} clips, {frames} frontal frames; nearer the source than the target in "
          f"{summary['nearer_source_share']:.3f} of frames; {summary['swaps_mostly_nearer_source']} clips mostly; "
          f"median rise of the similarity to the source over the real frames {summary['median_gain_to_source']:+.3f}")
    return {"summary": summary, "clips": results}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.environ.get("UNMASK_DATA", "../shared/data"))
    ap.add_argument("--labels", default=os.path.join(CACHE, "labels.csv"))
    ap.add_argument("--json", default=None)
    ap.add_argument("what", choices=["roster", "swaps"])
    a = ap.parse_args()
    torch.set_num_threads(1)
    describe = Describer()
    out = roster_check(a.data, describe) if a.what == "roster" else swap_check(a.data, describe, a.labels)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
