"""Trains the DF autoencoder on one identity pair: the SOURCE person (whose face is put in) and the TARGET person (whose
clip is swapped). As in DeepFaceLab, the target's faces come from the very clip that will be merged.

  /usr/bin/python3 -m training.swapper.train_pair --data ../shared/data \
      --source more/talking-heads-2/real/sadtalker-hdtf__WDA_KatieHill_000.mp4 \
      --target more/talking-heads-2/real/sadtalker-hdtf__WDA_BobMenendez_000.mp4 --minutes 8

Each step: `batch` faces of each identity, DFL random warp (warp.py) on the input, the unwarped face as the target,
each identity through its own decoder, DFL's masked DSSIM + L2 + mask loss (losses.py), one Adam step. Writes the model
to .cache/swaps/models/<source id>__to__<target id>.pt and a JSON log beside it (steps, seconds per step, losses).
"""
from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
import torch

from .faces import CACHE, Clip, aligned_faces, identity_of, load_clip
from .losses import reconstruction_loss
from .model import DF, Config, add_model_args, model_from_args
from .warp import training_sample


def batch(faces: np.ndarray, masks: np.ndarray, n: int, rng: np.random.Generator):
    xs, ys, ms = [], [], []
    for i in rng.integers(0, len(faces), n):
        x, y, m = training_sample(faces[i], masks[i][..., 0], rng, flip=False)
        xs.append(x)
        ys.append(y)
        ms.append(m[..., None])
    t = lambda a: torch.from_numpy(np.stack(a)).permute(0, 3, 1, 2).contiguous()  # noqa: E731
    return t(xs), t(ys), t(ms)


def train(source: Clip, target: Clip, cfg: Config, steps: int = 1000, minutes: float | None = None, batch_size: int = 4,
          lr: float = 2e-4, seed: int = 0, log_every: int = 50, model: DF | None = None, verbose: bool = True):
    """Returns (model, log). Stops at `steps` or after `minutes`, whichever comes first."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    ids = [identity_of(source.id), identity_of(target.id)]
    if ids[0] == ids[1]:
        raise ValueError(f"source and target are the same person ({ids[0]})")
    sets = {ids[0]: aligned_faces(source, cfg.resolution), ids[1]: aligned_faces(target, cfg.resolution)}
    model = model or DF(ids, cfg)
    model.train()
    # DFL: Adam, beta1 0.5. A higher rate than DFL's 5e-5: CPU runs get only a few hundred to a few thousand steps.
    opt = torch.optim.Adam(model.parameters(), lr=lr, betas=(0.5, 0.999))
    log = {"identities": ids, "faces": {k: int(len(v[0])) for k, v in sets.items()}, "config": cfg.__dict__,
           "batch": batch_size, "lr": lr, "losses": [], "step_seconds": []}
    started = time.time()
    step = 0
    running = []
    while step < steps and (minutes is None or time.time() - started < minutes * 60):
        t0 = time.time()
        opt.zero_grad()
        losses = []
        for ident in ids:
            faces, masks, _ = sets[ident]
            x, y, m = batch(faces, masks, batch_size, rng)
            pred, pmask = model(x, ident)
            losses.append(reconstruction_loss(pred, y, m, pmask))
        loss = losses[0] + losses[1]
        loss.backward()
        opt.step()
        step += 1
        log["step_seconds"].append(round(time.time() - t0, 4))
        running.append([float(v) for v in losses])
        if step % log_every == 0 or step == steps:
            mean = np.mean(running, axis=0).round(4).tolist()
            log["losses"].append({"step": step, "seconds": round(time.time() - started, 1), "loss": mean})
            running = []
            if verbose:
                print(f"step {step}  {time.time() - started:.0f} s  loss {ids[0]} {mean[0]:.3f}  {ids[1]} {mean[1]:.3f}", flush=True)
    log["steps"] = step
    log["seconds"] = round(time.time() - started, 1)
    log["median_step_seconds"] = float(np.median(log["step_seconds"])) if log["step_seconds"] else None
    model.eval()
    return model, log


def model_path(source: Clip, target: Clip, cache: str = CACHE) -> str:
    return os.path.join(cache, "models", f"{source.id}__to__{target.id}.pt")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.environ.get("UNMASK_DATA", "../shared/data"))
    add_model_args(ap)
    ap.add_argument("--source", required=True, help="source clip, relative to --data")
    ap.add_argument("--target", required=True, help="target clip, relative to --data")
    ap.add_argument("--seconds", type=float, default=None, help="use only the first N seconds of each clip")
    ap.add_argument("--fps", type=float, default=None, help="decode at this rate (default: native)")
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--steps", type=int, default=100000)
    ap.add_argument("--minutes", type=float, default=None)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    src = load_clip(os.path.join(a.data, a.source), a.data, a.fps, a.seconds)
    tgt = load_clip(os.path.join(a.data, a.target), a.data, a.fps, a.seconds)
    init, cfg = model_from_args(a)
    model, log = train(src, tgt, cfg, a.steps, a.minutes, a.batch, a.lr, model=init)
    if init:
        log["continued_from"] = a.init
    out = a.out or model_path(src, tgt)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    model.save(out)
    log.update(source_clip=src.id, target_clip=tgt.id)
    with open(out.replace(".pt", ".json"), "w") as f:
        json.dump({k: v for k, v in log.items() if k != "step_seconds"} | {"step_seconds_first_20": log["step_seconds"][:20]}, f, indent=1)
    print(f"{log['steps']} steps in {log['seconds']} s (median {log['median_step_seconds']:.3f} s/step) -> {out}")


if __name__ == "__main__":
    main()
