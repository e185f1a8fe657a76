"""Trains the face-swap detector on CPU.

  /usr/bin/python3 -m training.train --faces .cache/faces --out models/face-swap [--epochs N] [--seed S]

Each batch is half real (DFDC real train + LFW train), half fake: self-blended images made on the fly from real
crops, and DFDC fake train crops, about 50/50. With --dfl-share, DeepFaceLive clip frames and their real sources
take part of both halves (an experiment, cross-validated by --dfl-exclude; see models/README.md). Everything gets
video-call augmentations. The checkpoint with the best DFDC dev AUC (or, with --keep last, the last one) is kept
and exported to TF.js (model.json + weights) in --out.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import time

import numpy as np
import torch
import torch.nn.functional as F

from .augment import call_augment, rerender_blend, self_blend
from .data import load_split
from .export_tfjs import export
from .metrics import auc
from .model import Detector, count_mflops, count_params


def to_tensor(images_uint8: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(images_uint8).permute(0, 3, 1, 2).float() / 255.0


def make_batch(real_images: np.ndarray, real_lms: np.ndarray, fake_images: np.ndarray, n_real: int, n_sbi: int,
               n_dfake: int, rerender_share: float, rng: np.random.Generator,
               sbi_p: np.ndarray | None = None) -> torch.Tensor:
    """One training batch in [0, 1], 8-bit quantised: n_real reals, n_sbi self-blends of other reals, n_dfake DFDC
    fakes, in that order (labels 0, 1, 1), all with video-call augmentations. Shared by train.py and train_gpu.py.
    sbi_p: probabilities for drawing the self-blends' source reals (None: uniform, as every shipped run did)."""
    ri = rng.integers(0, len(real_images), n_real)
    si = rng.choice(len(real_images), n_sbi, p=sbi_p) if sbi_p is not None else rng.integers(0, len(real_images), n_sbi)
    fi = rng.integers(0, len(fake_images), n_dfake)
    n_rr = int(round(n_sbi * rerender_share))
    sbi = torch.cat([
        self_blend(to_tensor(real_images[si[n_rr:]]), real_lms[si[n_rr:]], rng),
        rerender_blend(to_tensor(real_images[si[:n_rr]]), real_lms[si[:n_rr]], rng),
    ]) if n_rr else self_blend(to_tensor(real_images[si]), real_lms[si], rng)
    x = torch.cat([to_tensor(real_images[ri]), sbi, to_tensor(fake_images[fi])])
    return call_augment(x, rng)


def source_balanced_sbi_p(n_dfdc: int, n_other: int, n_sbi: int, n_dfake: int) -> np.ndarray:
    """Per-image probabilities for the self-blends' sources, the real pool being n_dfdc DFDC reals then n_other reals
    of another source (LFW). Reals are drawn uniformly, so the other source is a share s = n_other / (n_dfdc + n_other)
    of them; every DFDC fake is DFDC, so the self-blends must carry the other source's whole share of the fakes:
    s * (n_sbi + n_dfake) of the n_sbi self-blends (capped at all of them)."""
    s = n_other / (n_dfdc + n_other)
    other = min(1.0, s * (n_sbi + n_dfake) / n_sbi)
    p = np.r_[np.full(n_dfdc, (1 - other) / n_dfdc), np.full(n_other, other / n_other)]
    return p / p.sum()


def batch_plan(batch: int, sbi_share: float, dfl_share: float) -> tuple[int, int, int, int]:
    """How a batch splits: (pool reals, self-blends, DFDC fakes, DFL frames per class). Half real, half fake; the DFL
    frames (n real + n swapped) take their places from both halves, and dfl_share 0 gives every earlier run's split."""
    n_dfl = int(round(batch * dfl_share / 2))
    n_real = batch // 2 - n_dfl
    n_sbi = int(round((batch - batch // 2 - n_dfl) * sbi_share))
    return n_real, n_sbi, batch - 2 * n_dfl - n_real - n_sbi, n_dfl


def dfl_frames(faces: str, exclude: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Aligned crops of the DeepFaceLive clips' frames (real, the reals' landmarks, fake), less the clips of the
    excluded swap identities. Every clip has its own source person, so leaving an identity out leaves them out too."""
    split = load_split(faces, "dfl", "clips")
    out = {x.strip() for x in exclude.split(",") if x.strip()}
    keep = np.array([re.sub(r"_\d+$", "", g) not in out for g in split.groups])
    real, fake = split.images[keep & (split.labels == 0)], split.images[keep & (split.labels == 1)]
    real_lms = split.landmarks[keep & (split.labels == 0)]
    clips = sorted({g for g, k in zip(split.groups, keep) if k})
    print(f"DFL frames: {len(real)} real, {len(fake)} fake from {len(clips)} clip pairs (left out: {sorted(out) or 'none'})",
          flush=True)
    if not len(real) or not len(fake):
        raise SystemExit("no DFL frames to train on: run `npm run faces -- --data ../shared/data --sets dfl` first")
    return real, real_lms, fake


def dfl_batch(real: np.ndarray, real_lms: np.ndarray, fake: np.ndarray, n: int, rng: np.random.Generator,
              fakes: str = "swaps") -> torch.Tensor:
    """n real DFL frames, then n fakes: the clips' DeepFaceLive swaps, or (fakes="self-blends") self-blends of the
    real frames, so that only the real cameras and people are learnt from; all with the batch's call augmentations."""
    if fakes == "self-blends":
        j = rng.integers(0, len(real), n)
        fake_part = self_blend(to_tensor(real[j]), real_lms[j], rng)
    else:
        fake_part = to_tensor(fake[rng.integers(0, len(fake), n)])
    x = torch.cat([to_tensor(real[rng.integers(0, len(real), n)]), fake_part])
    return call_augment(x, rng)


@torch.no_grad()
def predict(model: Detector, images_uint8: np.ndarray, batch: int = 200) -> np.ndarray:
    """Logits for uint8 crops with the engine's preprocessing (x/127.5 - 1), no augmentation."""
    model.eval()
    out = []
    for i in range(0, len(images_uint8), batch):
        x = torch.from_numpy(images_uint8[i : i + batch]).permute(0, 3, 1, 2).float() / 127.5 - 1
        out.append(model(x.contiguous(memory_format=torch.channels_last)).numpy())
    return np.concatenate(out) if out else np.zeros(0, np.float32)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--faces", default=".cache/faces")
    ap.add_argument("--out", default="models/face-swap")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--steps-per-epoch", type=int, default=0, help="0: DFDC train size / batch")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--weight-decay", type=float, default=0.05)
    ap.add_argument("--sbi-share", type=float, default=0.5, help="share of the fakes that are self-blended")
    ap.add_argument("--rerender-share", type=float, default=0.0,
                    help="share of the self-blended fakes made as real-time-swapper re-renders (augment.rerender_blend)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--init", default="", help="start from this checkpoint's weights (fine-tuning) instead of random")
    ap.add_argument("--balance-sources", action="store_true",
                    help="draw the self-blends' sources so that each real source (DFDC, LFW) makes up the same share "
                         "of the fakes as of the reals: the photo source then says nothing about the label")
    ap.add_argument("--dfl-share", type=float, default=0.0,
                    help="share of each batch made of DeepFaceLive clip frames (npm run faces -- --sets dfl), half "
                         "real and half fake (see --dfl-fakes); 0: none, as for every shipped model")
    ap.add_argument("--dfl-exclude", default="",
                    help="comma-separated swap identities (clip names without their _N) whose clips stay out of "
                         "training: a cross-validation fold")
    ap.add_argument("--dfl-fakes", choices=["swaps", "self-blends"], default="swaps",
                    help="the DFL half's fakes: the clips' DeepFaceLive swaps, or self-blends of their real frames")
    ap.add_argument("--keep", choices=["best", "last"], default="best",
                    help="export the epoch with the best DFDC dev AUC, or the last epoch (a fixed schedule)")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    rng = np.random.default_rng(args.seed)
    t0 = time.time()

    dtrain = load_split(args.faces, "dfdc", "train")
    ddev = load_split(args.faces, "dfdc", "dev")
    ltrain = load_split(args.faces, "lfw", "train")
    print(f"loaded dfdc train {len(dtrain)} (no face {dtrain.no_face}), dfdc dev {len(ddev)}, "
          f"lfw train {len(ltrain)} in {time.time() - t0:.0f} s", flush=True)

    real_images = np.concatenate([dtrain.images[dtrain.labels == 0], ltrain.images])
    real_lms = np.concatenate([dtrain.landmarks[dtrain.labels == 0], ltrain.landmarks])
    fake_images = dtrain.images[dtrain.labels == 1]
    n_dfdc_real = int((dtrain.labels == 0).sum())
    dfl_real, dfl_real_lms, dfl_fake = dfl_frames(args.faces, args.dfl_exclude) if args.dfl_share > 0 else (None, None, None)

    model = Detector()
    if args.init:
        model.load_state_dict(torch.load(args.init)["state_dict"])
        print(f"initialised from {args.init}", flush=True)
    model = model.to(memory_format=torch.channels_last)
    print(f"model: {count_params(model)} params, {count_mflops(model):.1f} M multiply-adds", flush=True)
    decay = [p for n, p in model.named_parameters() if p.ndim > 1]
    no_decay = [p for n, p in model.named_parameters() if p.ndim <= 1]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=args.lr)
    steps_per_epoch = args.steps_per_epoch or max(1, len(dtrain) // args.batch)
    total = steps_per_epoch * args.epochs
    warmup = min(200, total // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warmup if s < warmup else 0.5 * (1 + math.cos(math.pi * (s - warmup) / max(1, total - warmup))))

    os.makedirs(args.out, exist_ok=True)
    log_path = os.path.join(args.out, "train-log.jsonl")
    log = open(log_path, "w")
    best_auc, best_epoch = -1.0, -1
    n_real, n_sbi, n_dfake, n_dfl = batch_plan(args.batch, args.sbi_share, args.dfl_share)
    labels = torch.cat([torch.zeros(n_real), torch.ones(n_sbi + n_dfake), torch.zeros(n_dfl), torch.ones(n_dfl)])
    sbi_p = source_balanced_sbi_p(n_dfdc_real, len(ltrain), n_sbi, n_dfake) if args.balance_sources else None
    step = 0
    for epoch in range(args.epochs):
        model.train()
        te = time.time()
        losses = []
        for _ in range(steps_per_epoch):
            x = make_batch(real_images, real_lms, fake_images, n_real, n_sbi, n_dfake, args.rerender_share, rng, sbi_p)
            if n_dfl:
                x = torch.cat([x, dfl_batch(dfl_real, dfl_real_lms, dfl_fake, n_dfl, rng, args.dfl_fakes)])
            x = x * 2 - 1  # == uint8 / 127.5 - 1, as in the engine
            logits = model(x.contiguous(memory_format=torch.channels_last))
            loss = F.binary_cross_entropy_with_logits(logits, labels)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            losses.append(loss.item())
            step += 1
            if step % 25 == 0:
                el = time.time() - te
                print(f"epoch {epoch + 1} step {step}/{total} loss {np.mean(losses[-25:]):.4f} "
                      f"({el / len(losses):.2f} s/step)", flush=True)
        scores = predict(model, ddev.images)
        dev_auc = auc(scores, ddev.labels)
        rec = {"epoch": epoch + 1, "step": step, "loss": float(np.mean(losses)), "dfdc_dev_auc": dev_auc,
               "epoch_s": round(time.time() - te, 1), "elapsed_s": round(time.time() - t0, 1)}
        log.write(json.dumps(rec) + "\n")
        log.flush()
        print(json.dumps(rec), flush=True)
        if dev_auc > best_auc or args.keep == "last":
            best_auc, best_epoch = dev_auc, epoch + 1
            torch.save({"state_dict": model.state_dict(), "epoch": epoch + 1, "dfdc_dev_auc": dev_auc,
                        "args": vars(args)}, os.path.join(args.out, "checkpoint.pt"))
    log.close()
    print(f"kept epoch {best_epoch} ({args.keep}; DFDC dev AUC {best_auc:.4f}); training took {time.time() - t0:.0f} s", flush=True)
    ckpt = torch.load(os.path.join(args.out, "checkpoint.pt"))
    model = Detector()
    model.load_state_dict(ckpt["state_dict"])
    export(model, args.out)
    print(f"exported TF.js model to {args.out}", flush=True)


if __name__ == "__main__":
    main()
