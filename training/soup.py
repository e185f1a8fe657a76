"""Interpolates the weights of two checkpoints of the shipped architecture (WiSE-FT, Wortsman et al., CVPR 2022), then
re-estimates BatchNorm statistics on the training stream.

  /usr/bin/python3 -m training.soup --a OLD.pt --b NEW.pt --alpha 0.5 --faces .cache/faces --out DIR

Why: a model fine-tuned further on the same data (v0.3 from v0.2) gains on data like its training set and can lose
on data unlike it; interpolating the weights of the two often keeps most of the gain and recovers some of the
robustness, at no cost at inference (one model, same size). The running statistics of BatchNorm do not interpolate
(they are not linear in the weights), so they are measured afresh, in train mode without gradients, on `--bn-batches`
augmented batches from `train.make_batch` (seeded).
Writes DIR/checkpoint.pt (train.py's format) and the TF.js export.
"""
from __future__ import annotations

import argparse
import os

import numpy as np
import torch

from .data import load_split
from .export_tfjs import export
from .model import Detector
from .train import make_batch


def interpolate(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor], alpha: float) -> dict[str, torch.Tensor]:
    """(1 - alpha) * a + alpha * b for float tensors; counters from b."""
    return {k: ((1 - alpha) * a[k].float() + alpha * b[k].float()) if b[k].is_floating_point() else b[k].clone()
            for k in b}


@torch.no_grad()
def reestimate_bn(model: Detector, batches: list[torch.Tensor]) -> None:
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None  # cumulative average over all the batches
    model.train()
    for x in batches:
        model(x * 2 - 1)
    model.eval()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--a", required=True)
    ap.add_argument("--b", required=True)
    ap.add_argument("--alpha", type=float, default=0.5, help="weight of --b")
    ap.add_argument("--faces", default=".cache/faces")
    ap.add_argument("--out", required=True)
    ap.add_argument("--bn-batches", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    a = torch.load(args.a, map_location="cpu")["state_dict"]
    b = torch.load(args.b, map_location="cpu")["state_dict"]
    model = Detector()
    model.load_state_dict(interpolate(a, b, args.alpha))
    dtrain = load_split(args.faces, "dfdc", "train")
    ltrain = load_split(args.faces, "lfw", "train")
    real_images = np.concatenate([dtrain.images[dtrain.labels == 0], ltrain.images])
    real_lms = np.concatenate([dtrain.landmarks[dtrain.labels == 0], ltrain.landmarks])
    fake_images = dtrain.images[dtrain.labels == 1]
    rng = np.random.default_rng(args.seed)
    batches = [make_batch(real_images, real_lms, fake_images, 32, 16, 16, 0.0, rng) for _ in range(args.bn_batches)]
    reestimate_bn(model, batches)
    os.makedirs(args.out, exist_ok=True)
    torch.save({"state_dict": model.state_dict(), "soup": {"a": args.a, "b": args.b, "alpha": args.alpha,
                                                           "bn_batches": args.bn_batches, "seed": args.seed}},
               os.path.join(args.out, "checkpoint.pt"))
    export(model, args.out)
    print(f"interpolated {args.a} and {args.b} at alpha {args.alpha}, BatchNorm re-estimated on "
          f"{args.bn_batches} batches; exported to {args.out}", flush=True)


if __name__ == "__main__":
    main()
