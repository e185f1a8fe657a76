"""Trains ONE DF model for the whole roster (roster.py): a decoder per source person, one pooled decoder for all the
target people, a shared encoder and inter for everyone.

Why not one model per pair, as DeepFaceLab trains: on this machine's CPU a pair model gets ~1 step/s, and the proof run
(SWAPPER.md) still drew a blurry, generic face after 763 steps; 60 pairs that way is days. In one model the encoder
and inter (the part that must understand pose, expression and light) learn from every person's faces at once, and each
source decoder is trained on every step it is drawn. Targets share one decoder because theirs is never used to draw a
swap: it only makes the encoder learn the target faces (DFL trains the destination faces for the same reason).

Each step: `--sources-per-step` source people drawn at random, `--batch` faces each through their own decoder, plus
`--pool-batch` faces from random target clips through the pooled decoder; DFL's random warp on the inputs and its masked
DSSIM + L2 + mask loss (losses.py); one Adam step. Checkpoints every `--save-minutes` to
.cache/swaps/models/roster.pt (+ .json log), so a run can be stopped at any time and continued with --init.

    /usr/bin/python3 -m training.swapper.prepare --data ../shared/data      # frames + landmarks, once
    nice /usr/bin/python3 -m training.swapper.train_many --data ../shared/data --minutes 80 --threads 2

Elsewhere (a lent GPU machine has no Chromium and no landmarks): `--save-faces FILE.npz --minutes 0` writes the
roster's aligned faces (JPEG q95) and masks into one file small enough to carry (measured: 9.0 MB at 64 px, 25 MB at 128 px), and
`--faces FILE.npz --device cuda` trains from it there; merge back here with the model it returns.
"""
from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
import torch

from .faces import CACHE, aligned_faces, identity_of, load_clip
from .losses import reconstruction_loss
from .model import DF, Config, add_model_args, model_from_args
from .roster import SOURCE_SECONDS, SOURCES, TARGET_SECONDS, TARGETS
from .train_pair import batch

MODEL = os.path.join(CACHE, "models", "roster.pt")


def face_sets(data: str, resolution: int) -> tuple[dict, dict]:
    """({source identity: (faces, masks)}, {target identity: (faces, masks)})."""
    def load(rels, seconds):
        out = {}
        for rel in rels:
            clip = load_clip(os.path.join(data, rel), data, seconds=seconds)
            faces, masks, _ = aligned_faces(clip, resolution)
            ident = identity_of(clip.id)
            if ident in out:
                raise ValueError(f"{ident} twice in the roster")
            out[ident] = (faces, masks)
        return out
    return load(SOURCES, SOURCE_SECONDS), load(TARGETS, TARGET_SECONDS)


def save_face_sets(path: str, sources: dict, targets: dict, quality: int = 95) -> None:
    """The aligned faces (JPEG, q95) and masks (uint8) of the roster in one compressed .npz (no pickles)."""
    import cv2

    arrays = {}
    for role, sets in (("s", sources), ("t", targets)):
        for ident, (faces, masks) in sets.items():
            blobs = [cv2.imencode(".jpg", cv2.cvtColor(np.clip(f * 255 + 0.5, 0, 255).astype(np.uint8), cv2.COLOR_RGB2BGR),
                                  [cv2.IMWRITE_JPEG_QUALITY, quality])[1].ravel() for f in faces]
            arrays[f"{role}|{ident}|jpeg"] = np.concatenate(blobs)
            arrays[f"{role}|{ident}|ends"] = np.cumsum([len(b) for b in blobs]).astype(np.int64)
            arrays[f"{role}|{ident}|masks"] = np.clip(masks[..., 0] * 255 + 0.5, 0, 255).astype(np.uint8)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    np.savez_compressed(path, **arrays)


def load_face_sets(path: str) -> tuple[dict, dict]:
    """What save_face_sets wrote: ({source: (faces, masks)}, {target: (faces, masks)}), as face_sets returns them."""
    import cv2

    out: dict[str, dict] = {"s": {}, "t": {}}
    with np.load(path, allow_pickle=False) as z:
        for key in z.files:
            role, ident, kind = key.split("|")
            if kind != "jpeg":
                continue
            data, ends = z[key], z[f"{role}|{ident}|ends"]
            starts = np.concatenate([[0], ends[:-1]])
            faces = np.stack([cv2.cvtColor(cv2.imdecode(data[a:b], cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
                              for a, b in zip(starts, ends)]).astype(np.float32) / 255
            masks = z[f"{role}|{ident}|masks"].astype(np.float32)[..., None] / 255
            out[role][ident] = (faces, masks)
    return out["s"], out["t"]


def pool_batch(targets: dict, n: int, rng: np.random.Generator):
    """n faces, each from a random target person (people with few faces are not drowned by those with many)."""
    names = list(targets)
    xs, ys, ms = [], [], []
    for k in rng.integers(0, len(names), n):
        faces, masks = targets[names[k]]
        x, y, m = batch(faces, masks, 1, rng)
        xs.append(x)
        ys.append(y)
        ms.append(m)
    return torch.cat(xs), torch.cat(ys), torch.cat(ms)


def train(sources: dict, targets: dict, cfg: Config, minutes: float, out: str, sources_per_step: int = 3,
          batch_size: int = 4, pool_size: int = 8, pool_weight: float = 2.0, lr: float = 2e-4, seed: int = 0,
          save_minutes: float = 10.0, log_every: int = 50, model: DF | None = None, steps: int | None = None,
          device: str = "cpu") -> dict:
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    names = list(sources)
    model = model or DF(names, cfg, pooled=list(targets))
    if model.identities != names or sorted(model.pooled) != sorted(targets):
        raise ValueError("the model to continue was made for another roster")
    model.to(device).train()
    opt = torch.optim.Adam(model.parameters(), lr=lr, betas=(0.5, 0.999))
    log = {"sources": {k: int(len(v[0])) for k, v in sources.items()}, "targets": {k: int(len(v[0])) for k, v in targets.items()},
           "config": cfg.__dict__, "sources_per_step": sources_per_step, "batch": batch_size, "pool_batch": pool_size,
           "pool_weight": pool_weight, "lr": lr, "losses": [], "step_seconds": []}
    started = last_save = time.time()
    step = 0
    running: dict[str, list[float]] = {}

    def save():
        os.makedirs(os.path.dirname(out), exist_ok=True)
        model.save(out + ".tmp")
        os.replace(out + ".tmp", out)
        summary = {k: v for k, v in log.items() if k != "step_seconds"}
        summary.update(steps=step, seconds=round(time.time() - started, 1),
                       median_step_seconds=float(np.median(log["step_seconds"])) if log["step_seconds"] else None)
        with open(out.replace(".pt", ".json"), "w") as f:
            json.dump(summary, f, indent=1)

    while time.time() - started < minutes * 60 and (steps is None or step < steps):
        t0 = time.time()
        opt.zero_grad()
        total = 0.0
        for k in rng.choice(len(names), sources_per_step, replace=False):
            faces, masks = sources[names[k]]
            x, y, m = (t.to(device) for t in batch(faces, masks, batch_size, rng))
            pred, pmask = model(x, names[k])
            loss = reconstruction_loss(pred, y, m, pmask)
            running.setdefault(names[k], []).append(float(loss))
            total = total + loss
        x, y, m = (t.to(device) for t in pool_batch(targets, pool_size, rng))
        pred, pmask = model(x, model.pooled[0])
        loss = reconstruction_loss(pred, y, m, pmask)
        running.setdefault("pool", []).append(float(loss))
        (total + pool_weight * loss).backward()
        opt.step()
        step += 1
        log["step_seconds"].append(round(time.time() - t0, 4))
        if step % log_every == 0:
            mean = {k: round(float(np.mean(v)), 4) for k, v in running.items()}
            log["losses"].append({"step": step, "seconds": round(time.time() - started, 1), "loss": mean})
            running = {}
            print(f"step {step}  {time.time() - started:.0f} s  " + "  ".join(f"{k[-12:]} {v:.3f}" for k, v in mean.items()), flush=True)
        if time.time() - last_save > save_minutes * 60:
            save()
            last_save = time.time()
    save()
    model.cpu().eval()
    return log


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.environ.get("UNMASK_DATA", "../shared/data"))
    add_model_args(ap)
    ap.add_argument("--sources-per-step", type=int, default=3)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--pool-batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--minutes", type=float, default=60)
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--save-minutes", type=float, default=10)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=MODEL)
    ap.add_argument("--save-faces", default=None, help="also write the aligned faces to this .npz (with --minutes 0: only that)")
    ap.add_argument("--faces", default=None, help="train from faces saved by --save-faces instead of the prepared clips")
    ap.add_argument("--device", default="cpu", help="cpu, or cuda on a lent GPU machine")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    init, cfg = model_from_args(a)
    t0 = time.time()
    sources, targets = load_face_sets(a.faces) if a.faces else face_sets(a.data, cfg.resolution)
    size = next(iter(sources.values()))[0].shape[1]
    if size != cfg.resolution:
        raise SystemExit(f"the faces are {size} px and the model is {cfg.resolution} px")
    if a.save_faces:
        save_face_sets(a.save_faces, sources, targets)
        print(f"faces saved to {a.save_faces} ({os.path.getsize(a.save_faces) / 1e6:.1f} MB)", flush=True)
        if a.minutes <= 0:
            return
    print(f"faces: {sum(len(v[0]) for v in sources.values())} of {len(sources)} sources, "
          f"{sum(len(v[0]) for v in targets.values())} of {len(targets)} targets ({time.time() - t0:.0f} s)", flush=True)
    log = train(sources, targets, cfg, a.minutes, a.out, a.sources_per_step, a.batch, a.pool_batch, lr=a.lr,
                save_minutes=a.save_minutes, model=init, steps=a.steps, device=a.device)
    print(f"{len(log['step_seconds'])} steps, median {np.median(log['step_seconds']):.3f} s/step -> {a.out}")


if __name__ == "__main__":
    main()
