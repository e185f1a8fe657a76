"""Does our swap output teach a detector what DeepFaceLive looks like? A quick, frozen-trunk answer (issue 13).

The issue's own measurement of "what transfers" was a frozen pretrained faceres trunk on aligned crops with a logistic
regression on top, judged by clip AUC (mean frame probability per clip) on live swaps it never saw. This repeats that
measurement on the 12 DeepFaceLive pairs of ../shared/data/dfl (never used by the swapper: not its people, not its
clips), for probes trained on:

  ours      our swaps (.cache/swaps/labels.csv) against their real halves (the same frames, unswapped)
  control   the fakes of the other tools in more/ (ghost, FaceForensics++, faceswap-GAN, SimSwap, DFDC clips) against
            the real clips of more/ (originals and talking heads): the same recipe without our swaps
  both      the two together
and, as a reference for what a probe of this kind reaches when it HAS seen the tool, DeepFaceLive itself with one
pair left out at a time (11 pairs train, the 12th is scored).

Features, fixed before any figure was seen: faceres (ImageNet, then VGGFace2; training/trunks.py) on the detector's
aligned crop (eye distance 0.30, centre 0.55) at 128 px, input 0..255, global average pool of block_13 (1024-d) and,
as a second line, of block_11 (512-d, lower level: more texture, less identity). Frames: the swaps' and their reals'
every 4th frame; other clips at 5 fps; at most 30 evenly spaced frames per clip, frames with a face only. Logistic
regression (standardised features, L2 1e-2, full-batch LBFGS), balanced classes.

This is NOT the issue's final test (the v1 recipe, fine-tuned, through `npm run scan`, with alerts): it is the cheap
signal that says whether making more of this output is worth it.

    /usr/bin/python3 -m training.swapper.probe --data ../shared/data [--json .cache/swaps/probe.json]
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess

import numpy as np
import torch

from .faces import CACHE, frame_files
from .identities import detector_crop, frame_scale
from .landmarks import ROOT, TOOL_DIR, build_tool, read_landmarks
from .merge import decode
from .pairs import read_labels

PROBE_CLIPS = os.path.join(CACHE, "probe-clips")
MAX_FRAMES = 30
LAYERS = ("block_13", "block_11")
OTHER_TOOLS = ("ghost", "ff-deepfakes", "ff-faceswap", "ff-neuraltextures", "ff-face2face", "faceswap-gan", "simswap",
               "dfdc-clips")


def _safe(rel: str) -> str:
    return rel.replace("/", "__").rsplit(".", 1)[0]


def extract_5fps(data: str, rel: str) -> str:
    folder = os.path.join(PROBE_CLIPS, _safe(rel))
    if not os.path.exists(os.path.join(folder, "done")):
        os.makedirs(folder, exist_ok=True)
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", os.path.join(data, rel), "-vf", "fps=5",
                        os.path.join(folder, "%05d.png")], check=True)
        open(os.path.join(folder, "done"), "w").write("5\n")
    return folder


def landmark_all(folders: list[str]) -> None:
    todo = [os.path.basename(f) for f in folders if not os.path.exists(os.path.join(f, "landmarks.jsonl"))]
    if todo:
        build_tool(TOOL_DIR)
        subprocess.run(["npx", "tsx", "scripts/swap-landmarks.ts", "--tool", TOOL_DIR, "--frames-root", PROBE_CLIPS,
                        "--folders", ",".join(todo)], cwd=ROOT, check=True)


def evenly(items: list, k: int = MAX_FRAMES) -> list:
    if len(items) <= k:
        return items
    return [items[i] for i in np.linspace(0, len(items) - 1, k).round().astype(int)]


def crops_of_folder(folder: str, frames: np.ndarray | None = None, lm_folder: str | None = None, every: int = 1) -> list[np.ndarray]:
    """Detector crops of the frames with a face (landmarks from lm_folder, default the folder itself)."""
    rows = read_landmarks(os.path.join(lm_folder or folder, "landmarks.jsonl"))
    names = frame_files(lm_folder or folder)
    idx = evenly([i for i, r in enumerate(rows) if r["landmarks"] is not None][::every])
    # frames merged at another size than the landmarked ones (merge.downscaled): scale the landmarks to them
    scale = frame_scale(lm_folder or folder, frames) if frames is not None else np.ones(2, np.float32)
    out = []
    for i in idx:
        if frames is not None:
            if i >= len(frames):
                continue
            img = frames[i]
        else:
            import cv2

            img = cv2.cvtColor(cv2.imread(os.path.join(folder, names[i])), cv2.COLOR_BGR2RGB)
        out.append(detector_crop(img, np.asarray(rows[i]["landmarks"][:478], np.float32) * scale))
    return out


class Features:
    def __init__(self):
        from training.trunks import FaceResTrunk

        self.trunk = FaceResTrunk.from_tfjs().eval()

    @torch.no_grad()
    def __call__(self, crops: list[np.ndarray]) -> dict[str, np.ndarray]:
        outs = {k: [] for k in LAYERS}
        for i in range(0, len(crops), 64):
            x = torch.from_numpy(np.stack(crops[i:i + 64]).astype(np.float32)).permute(0, 3, 1, 2)
            stages = self.trunk(x, return_all=True)
            for k in LAYERS:
                outs[k].append(stages[k].mean(dim=(2, 3)).numpy())
        return {k: np.concatenate(v) if v else np.zeros((0, 1)) for k, v in outs.items()}


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1e-2):
    mu, sd = x.mean(0), x.std(0) + 1e-6
    xt = torch.from_numpy((x - mu) / sd).float()
    yt = torch.from_numpy(y).float()
    w_pos = 0.5 / max(1, y.sum())
    w_neg = 0.5 / max(1, (1 - y).sum())
    weights = torch.where(yt > 0, torch.tensor(w_pos), torch.tensor(w_neg)).float()
    w = torch.zeros(x.shape[1], requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], max_iter=500, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        logit = xt @ w + b
        loss = (weights * torch.nn.functional.binary_cross_entropy_with_logits(logit, yt, reduction="none")).sum()
        loss = loss + l2 * (w * w).sum()
        loss.backward()
        return loss

    opt.step(closure)
    w_np, b_np = w.detach().numpy(), float(b.detach())
    return lambda z: 1 / (1 + np.exp(-(((z - mu) / sd) @ w_np + b_np)))


def auc(pos, neg) -> float:
    """Mann-Whitney AUC, ties counted half (average ranks)."""
    from scipy.stats import rankdata

    pos, neg = np.asarray(pos, float), np.asarray(neg, float)
    ranks = rankdata(np.concatenate([pos, neg]))
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.environ.get("UNMASK_DATA", "../shared/data"))
    ap.add_argument("--labels", default=os.path.join(CACHE, "labels.csv"))
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    torch.set_num_threads(2)

    # the judge: DeepFaceLive, 12 pairs; and the control's training clips: the other tools of more/
    dfl = [(f"dfl/{lab}/{f}", lab) for lab in ("real", "fake") for f in sorted(os.listdir(os.path.join(a.data, "dfl", lab)))
           if f.endswith(".mp4")]
    with open(os.path.join(a.data, "more", "labels.csv"), newline="") as f:
        more = [(f"more/{r['path']}", "fake" if r["label"] == "fake" else "real") for r in csv.DictReader(f)
                if r["path"].endswith(".mp4") and r["path"].split("/")[0] in OTHER_TOOLS + ("talking-heads-2",)]
    folders = {rel: extract_5fps(a.data, rel) for rel, _ in dfl + more}
    landmark_all(list(folders.values()))

    feats = Features()
    sets: dict[str, list[tuple[dict, int, str]]] = {"dfl": [], "control": [], "ours": []}
    for name, clips in (("dfl", dfl), ("control", more)):
        for rel, lab in clips:
            crops = crops_of_folder(folders[rel])
            if crops:
                sets[name].append((feats(crops), int(lab == "fake"), rel))
    rows = read_labels(a.labels)
    base = os.path.dirname(os.path.abspath(a.labels))
    for r in rows:
        lm_folder = os.path.join(CACHE, "clips", r.pair_group)
        crops = crops_of_folder(lm_folder, decode(os.path.join(base, r.path)), every=4)
        if crops:
            sets["ours"].append((feats(crops), int(r.label == "fake"), r.path))
    for k, v in sets.items():
        print(f"{k}: {sum(c[1] for c in v)} fake / {sum(1 - c[1] for c in v)} real clips, {sum(len(c[0][LAYERS[0]]) for c in v)} frames")

    results = {}
    for layer in LAYERS:
        for name, train in (("ours", sets["ours"]), ("control", sets["control"]), ("both", sets["ours"] + sets["control"])):
            if not train:
                continue
            x = np.concatenate([c[0][layer] for c in train])
            y = np.concatenate([np.full(len(c[0][layer]), c[1]) for c in train])
            predict = fit(x, y)
            frame_fake, frame_real, clip_fake, clip_real = [], [], [], []
            for fe, lab, _ in sets["dfl"]:
                p = predict(fe[layer])
                (frame_fake if lab else frame_real).extend(p)
                (clip_fake if lab else clip_real).append(float(p.mean()))
            res = {"frame_auc": auc(frame_fake, frame_real), "clip_auc": auc(clip_fake, clip_real),
                   "train_frames": int(len(y)), "train_fake_share": float(y.mean())}
            results[f"{layer}/{name}"] = res
            print(f"{layer:9} trained on {name:8} ({len(y)} frames): DeepFaceLive frame AUC {res['frame_auc']:.3f}, "
                  f"clip AUC {res['clip_auc']:.3f} ({len(clip_fake)} swap / {len(clip_real)} real clips)")
        # reference: the probe trained on DeepFaceLive itself, one pair left out at a time (what the table
        # calls "the 12 DeepFaceLive pairs"): how far a probe of this kind gets when it has seen the tool
        frame_fake, frame_real, clip_fake, clip_real = [], [], [], []
        pair = lambda rel: os.path.basename(rel)  # noqa: E731  (dfl/real/X.mp4 and dfl/fake/X.mp4 are one pair)
        for held in sorted({pair(c[2]) for c in sets["dfl"]}):
            train = [c for c in sets["dfl"] if pair(c[2]) != held]
            x = np.concatenate([c[0][layer] for c in train])
            y = np.concatenate([np.full(len(c[0][layer]), c[1]) for c in train])
            predict = fit(x, y)
            for fe, lab, rel in sets["dfl"]:
                if pair(rel) == held:
                    p = predict(fe[layer])
                    (frame_fake if lab else frame_real).extend(p)
                    (clip_fake if lab else clip_real).append(float(p.mean()))
        res = {"frame_auc": auc(frame_fake, frame_real), "clip_auc": auc(clip_fake, clip_real)}
        results[f"{layer}/dfl-leave-one-pair-out"] = res
        print(f"{layer:9} reference, DeepFaceLive itself, one pair left out: frame AUC {res['frame_auc']:.3f}, "
              f"clip AUC {res['clip_auc']:.3f}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
