"""Detector v1 (issue 10): a pretrained face trunk, fine-tuned from a cached frozen prefix, validated by tool.

  /usr/bin/python3 -m training.v1 cache  --faces .cache/faces --out .cache/v1 [--trunk faceres] [--views 2]
  /usr/bin/python3 -m training.v1 loto   --cache .cache/v1 [--steps 600]           # leave-one-tool-out table
  /usr/bin/python3 -m training.v1 train  --cache .cache/v1 --out models/face-swap-v1 [--steps 1200] [--exclude ...]

Why a cache. Fine-tuning the whole of faceres (185 M multiply-adds) costs 4-9 s per 64-image step on this 2-core CPU
(training/TRUNKS.md); its prefix conv1..block_11 frozen and precomputed costs about 0.1 s per step for the rest. The
price is that augmentation is fixed at caching time, so every training image is cached in `--views` independently
augmented views (video-call augmentations; self-blends made from the reals before them), and a step draws one view.

What is cached (fp16 prefix outputs, 512 x 8 x 8 per image for faceres):
  * train views: reals (DFDC train, LFW train, the talking heads, the real clips and stills of more/, the real
    DeepFaceLive halves), self-blends (SBI) of those reals, and fakes by tool (DFDC train + more/dfdc-clips,
    DeepFaceLive, and each folder of more/);
  * plain views (no augmentation) of every image, for evaluation: DFDC dev, LFW dev and everything above.
Video frames are capped at --max-frames per clip (evenly spaced), so that one long clip does not outweigh the rest,
and DFDC train at --cap crops per label (LFW train at half of it): the prefix costs 20-40 ms per image here.

The tools (for leave-one-tool-out): `dfdc` (DFDC train crops + more/dfdc-clips), `dfl` (DeepFaceLive clips), `ff`
(the four FaceForensics++ folders of more/, one fake each: 4 fakes, 3 originals) and the folders of more/ with 3 or
more fakes: `ghost`, `faceswap-gan`, `simswap`, `dfl-autoencoder`. Every fake and every real original of more/ belongs
to one of them. Leaving a tool out removes its fakes and its real originals (the same frames, unswapped) from
training. A fold's figures are on the left-out tool only: its fakes against its own reals (for DFDC: the dev set,
whose groups are disjoint from train).
"""
from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .augment import call_augment, self_blend
from .data import Split, load_split
from .metrics import auc
from .train import to_tensor

LOTO_TOOLS = ["dfdc", "dfl", "ghost", "ff", "faceswap-gan", "simswap", "dfl-autoencoder"]
MORE_TOOLS = ["ghost", "ff-deepfakes", "ff-faceswap", "ff-neuraltextures", "ff-face2face", "dfdc-clips",
              "faceswap-gan", "dfl-autoencoder", "simswap"]
TRUNK_CUT = {"faceres": ("block_11", "block_12"), "mobilenet_v2": ("block_6", "block_7")}


# ------------------------------------------------------------------------------------------------------- model
class V1Detector(nn.Module):
    """A pretrained trunk + global average pool + dropout + one logit. Input: the engine's crop, NCHW RGB scaled
    pixel / 127.5 - 1 (src/core: toModelInput); the trunk's own input scale is restored inside, first thing, so
    that the exported TF.js graph (a Rescaling layer, then the trunk) computes exactly what this module does."""

    def __init__(self, trunk: str = "faceres", dropout: float = 0.2):
        super().__init__()
        from .trunks import FaceResTrunk, MobileNetV2Trunk
        self.trunk_name = trunk
        if trunk == "faceres":
            self.trunk = FaceResTrunk.from_tfjs()
        elif trunk == "mobilenet_v2":
            self.trunk = MobileNetV2Trunk.from_tfjs()
        else:
            raise ValueError(f"unknown trunk {trunk}")
        # x in [-1, 1] -> the trunk's range: faceres [0, 255], MobileNetV2 (as nsfwjs feeds it) [0, 1]
        s = self.trunk.input_scale / 2
        self.in_scale, self.in_offset = s, s
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(self.trunk.out_channels, 1)
        nn.init.zeros_(self.head.bias)
        nn.init.normal_(self.head.weight, std=0.01)
        self.cut, self.resume = TRUNK_CUT[trunk]

    def prefix(self, x: torch.Tensor) -> torch.Tensor:
        """The frozen part: model input -> the output of stage `cut` (what the cache holds)."""
        return self.trunk(x * self.in_scale + self.in_offset, end=self.cut)

    def tail(self, h: torch.Tensor) -> torch.Tensor:
        h = self.trunk(h, start=self.resume)
        return self.head(self.dropout(h.mean(dim=(2, 3)))).squeeze(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.tail(self.prefix(x))

    def freeze_prefix(self) -> None:
        self.trunk.freeze(self.cut)


# ------------------------------------------------------------------------------------------------------- data
@dataclass
class Pool:
    """Images of one kind from one source. tool: the manipulation for fakes ("" for reals); origin: the tool folder
    a real came from when it is some tool's original (so that leaving the tool out removes it too)."""
    name: str
    label: int
    images: np.ndarray
    landmarks: np.ndarray
    clips: list[str]
    tool: str = ""
    origin: str = ""
    train: bool = True
    views: np.ndarray | None = field(default=None, repr=False)  # (N, V, C, H, W) fp16, train views
    plain: np.ndarray | None = field(default=None, repr=False)  # (N, C, H, W) fp16, no augmentation


def _clip(name: str) -> str:
    return name.split("#")[0]


def _cap_frames(split: Split, max_frames: int) -> Split:
    """At most max_frames evenly spaced frames per clip (stills are their own clip)."""
    by_clip: dict[str, list[int]] = {}
    for i, n in enumerate(split.names):
        by_clip.setdefault(_clip(n), []).append(i)
    keep = []
    for idx in by_clip.values():
        keep += [idx[int(j)] for j in np.linspace(0, len(idx) - 1, min(max_frames, len(idx)))] if len(idx) > max_frames else idx
    keep = np.asarray(sorted(set(keep)), dtype=np.int64)
    return Split(split.images[keep], split.labels[keep], split.landmarks[keep], [split.groups[i] for i in keep],
                 [split.names[i] for i in keep], split.no_face)


def _pool(name: str, split: Split, label: int, tool: str = "", origin: str = "", train: bool = True) -> Pool | None:
    m = split.labels == label
    if not m.any():
        return None
    idx = np.nonzero(m)[0]
    return Pool(name, label, split.images[idx], split.landmarks[idx], [_clip(split.names[i]) for i in idx], tool,
                origin, train)


def _subsample(split: Split, cap: int, seed: int) -> Split:
    """At most `cap` images of each label, drawn without replacement by a seeded generator (0: all)."""
    keep = []
    for label in (0, 1):
        idx = np.nonzero(split.labels == label)[0]
        if cap and len(idx) > cap:
            idx = np.sort(np.random.default_rng(seed).choice(idx, cap, replace=False))
        keep.append(idx)
    k = np.concatenate(keep)
    return Split(split.images[k], split.labels[k], split.landmarks[k], [split.groups[i] for i in k],
                 [split.names[i] for i in k], split.no_face)


def load_pools(faces: str, max_frames: int, cap: int = 0, seed: int = 0) -> list[Pool]:
    pools: list[Pool | None] = []

    def has(ds: str, sp: str) -> bool:
        return os.path.exists(os.path.join(faces, ds, sp, "manifest.jsonl"))

    d_train, d_dev = _subsample(load_split(faces, "dfdc", "train"), cap, seed), load_split(faces, "dfdc", "dev")
    pools += [_pool("dfdc-train-real", d_train, 0), _pool("dfdc-train-fake", d_train, 1, tool="dfdc"),
              _pool("dfdc-dev-real", d_dev, 0, origin="dfdc", train=False),
              _pool("dfdc-dev-fake", d_dev, 1, tool="dfdc", train=False)]
    pools += [_pool("lfw-train", _subsample(load_split(faces, "lfw", "train"), cap // 2, seed), 0),
              _pool("lfw-dev", load_split(faces, "lfw", "dev"), 0, train=False)]
    if has("talking", "clips"):
        pools.append(_pool("talking-heads", _cap_frames(load_split(faces, "talking", "clips"), max_frames), 0))
    if has("dfl", "clips"):
        dfl = _cap_frames(load_split(faces, "dfl", "clips"), max_frames)
        pools += [_pool("dfl-real", dfl, 0, origin="dfl"), _pool("dfl-fake", dfl, 1, tool="dfl")]
    for t in MORE_TOOLS:
        if not has("more", t):
            continue
        s = _cap_frames(load_split(faces, "more", t), max_frames)
        tool = "dfdc" if t == "dfdc-clips" else "ff" if t.startswith("ff-") else t
        pools += [_pool(f"more-{t}-real", s, 0, origin=tool), _pool(f"more-{t}-fake", s, 1, tool=tool)]
    if has("swaps", "ours"):  # our own swaps (training/swapper, issue 13): a tool of their own, "ours"
        s = _cap_frames(load_split(faces, "swaps", "ours"), max_frames)
        pools += [_pool("ours-real", s, 0, origin="ours"), _pool("ours-fake", s, 1, tool="ours")]
    if has("more", "talking-heads-2"):
        pools.append(_pool("more-talking-heads-2", _cap_frames(load_split(faces, "more", "talking-heads-2"), max_frames), 0))
    return [p for p in pools if p is not None]


@torch.no_grad()
def _prefix_of(model: V1Detector, x01: torch.Tensor) -> torch.Tensor:
    """Prefix outputs (fp16) for images in [0, 1], quantised to 8 bits first as the engine's crops are."""
    x = ((x01 * 255).round() / 127.5 - 1).contiguous(memory_format=torch.channels_last)
    return model.prefix(x).to(torch.float16).contiguous()


def _needs_plain(p: Pool) -> bool:
    """Plain views are for evaluation; the big DFDC and LFW training pools are never evaluated on."""
    return not p.train or p.name not in ("dfdc-train-real", "dfdc-train-fake", "lfw-train")


def build_cache(faces: str, out: str, trunk: str, views: int, max_frames: int, seed: int, cap: int = 0,
                batch: int = 64) -> None:
    os.makedirs(out, exist_ok=True)
    model = V1Detector(trunk).eval().to(memory_format=torch.channels_last)  # channels_last: ~2x faster here
    pools = load_pools(faces, max_frames, cap, seed)
    rng = np.random.default_rng(seed)
    t0 = time.time()
    def passes(p: Pool) -> int:
        return int(_needs_plain(p)) + (views * (2 if p.label == 0 else 1) if p.train else 0)
    total = sum(len(p.images) * passes(p) for p in pools)
    done = 0
    meta = []
    for p in pools:
        n = len(p.images)
        plain, v_aug, v_sbi = [], [], []
        for i in range(0, n, batch):
            x = to_tensor(p.images[i:i + batch])
            if _needs_plain(p):
                plain.append(_prefix_of(model, x))
            if p.train:
                v_aug.append(torch.stack([_prefix_of(model, call_augment(x, rng)) for _ in range(views)], 1))
                if p.label == 0:
                    lm = p.landmarks[i:i + batch]
                    v_sbi.append(torch.stack([_prefix_of(model, call_augment(self_blend(x, lm, rng), rng))
                                              for _ in range(views)], 1))
            done += len(x) * passes(p)
            el = time.time() - t0
            print(f"\r{p.name}: {min(i + batch, n)}/{n}; all {done}/{total} passes, {done / el:.1f}/s, "
                  f"{(total - done) / max(done / el, 1e-9):.0f} s left   ", end="", flush=True)
        arrays = {"plain": torch.cat(plain).numpy()} if plain else {}
        if v_aug:
            arrays["views"] = torch.cat(v_aug).numpy()
        if v_sbi:
            arrays["sbi"] = torch.cat(v_sbi).numpy()
        np.savez(os.path.join(out, f"{p.name}.npz"), **arrays, labels=np.full(n, p.label, np.int8),
                 clips=np.asarray(p.clips))
        meta.append({"name": p.name, "label": p.label, "tool": p.tool, "origin": p.origin, "train": p.train,
                     "n": n, "clips": len(set(p.clips))})
        print(f"\n{p.name}: {n} images from {len(set(p.clips))} clips/stills", flush=True)
    with open(os.path.join(out, "pools.json"), "w") as f:
        json.dump({"trunk": trunk, "views": views, "max_frames": max_frames, "cap": cap, "seed": seed, "faces": faces,
                   "seconds": round(time.time() - t0, 1), "pools": meta}, f, indent=1)
    print(f"cache: {out} in {time.time() - t0:.0f} s")


# ------------------------------------------------------------------------------------------------------- training
@dataclass
class CachedPool:
    name: str
    label: int
    tool: str
    origin: str
    train: bool
    plain: torch.Tensor
    clips: list[str]
    views: torch.Tensor | None
    sbi: torch.Tensor | None


def open_cache(folder: str) -> tuple[dict, list[CachedPool]]:
    with open(os.path.join(folder, "pools.json")) as f:
        meta = json.load(f)
    pools = []
    for m in meta["pools"]:
        z = np.load(os.path.join(folder, f"{m['name']}.npz"))
        pools.append(CachedPool(m["name"], m["label"], m["tool"], m["origin"], m["train"],
                                torch.from_numpy(z["plain"]) if "plain" in z else torch.zeros(0), list(z["clips"]),
                                torch.from_numpy(z["views"]) if "views" in z else None,
                                torch.from_numpy(z["sbi"]) if "sbi" in z else None))
    return meta, pools


def _drop(pool: CachedPool, excluded: set[str]) -> bool:
    """Whether a pool leaves training when these tools are left out (their fakes and their real originals)."""
    return (pool.label == 1 and pool.tool in excluded) or (pool.label == 0 and pool.origin in excluded)


def train_tail(trunk: str, pools: list[CachedPool], excluded: set[str], steps: int, seed: int, batch: int = 128,
               lr: float = 1e-3, log_every: int = 100, exclude_pools: set[str] | None = None,
               sbi_share: float = 1 / 3) -> V1Detector:
    """Fine-tunes the trunk past the cached prefix and the head. A batch: half real, half fake. Reals: a third
    DFDC, a third LFW, a third the call-like reals (talking heads, real clips), each drawn uniformly by clip and then
    by frame. Fakes: a third self-blends, two thirds real swaps spread evenly over the tools in training (DFDC, DFL,
    each folder of more/), so that a tool with thousands of crops does not drown one with tens."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = V1Detector(trunk)
    model.freeze_prefix()
    train = [p for p in pools if p.train and not _drop(p, excluded) and p.name not in (exclude_pools or set())]
    real_groups = {"dfdc": [p for p in train if p.label == 0 and p.name.startswith("dfdc")],
                   "lfw": [p for p in train if p.label == 0 and p.name.startswith("lfw")],
                   "call": [p for p in train if p.label == 0 and not p.name.startswith(("dfdc", "lfw"))]}
    real_groups = {k: v for k, v in real_groups.items() if v}
    tools: dict[str, list[CachedPool]] = {}
    for p in train:
        if p.label == 1:
            tools.setdefault(p.tool, []).append(p)
    sbi_sources = [p for p in train if p.label == 0 and p.sbi is not None]
    def size(ps: list[CachedPool]) -> int:
        return sum(len(p.views) for p in ps if p.views is not None)
    print(f"training without {sorted(excluded) or 'nothing'}: reals {({k: size(v) for k, v in real_groups.items()})}, "
          f"fake tools {({k: size(v) for k, v in tools.items()})}", flush=True)

    # by-clip sampling tables: pool -> list of index arrays, one per clip
    by_clip: dict[str, list[np.ndarray]] = {}
    for p in train:
        d: dict[str, list[int]] = {}
        for i, c in enumerate(p.clips):
            d.setdefault(c, []).append(i)
        by_clip[p.name] = [np.asarray(v) for v in d.values()]

    def draw(pool_list: list[CachedPool], n: int, kind: str) -> torch.Tensor:
        out = []
        for k in range(n):
            p = pool_list[rng.integers(len(pool_list))]
            clips = by_clip[p.name]
            idx = clips[rng.integers(len(clips))]
            i = int(idx[rng.integers(len(idx))])
            src = p.sbi if kind == "sbi" else p.views
            out.append(src[i, rng.integers(src.shape[1])])
        return torch.stack(out)

    trainable = [p for p in model.parameters() if p.requires_grad]
    head = list(model.head.parameters())
    body = [p for p in trainable if all(p is not h for h in head)]
    opt = torch.optim.AdamW([{"params": body, "lr": lr * 0.3}, {"params": head, "lr": lr}], weight_decay=0.05)
    base = [g["lr"] for g in opt.param_groups]
    n_real = batch // 2
    n_fake = batch - n_real
    n_sbi = int(round(n_fake * sbi_share)) if sbi_sources else 0
    model.train()
    t0 = time.time()
    losses = []
    for step in range(steps):
        warm = min(1.0, (step + 1) / (0.05 * steps))
        cos = 0.5 * (1 + np.cos(np.pi * step / steps))
        for g, b in zip(opt.param_groups, base):
            g["lr"] = b * warm * cos
        groups = list(real_groups.values())
        parts = [draw(groups[rng.integers(len(groups))], 1, "views") for _ in range(n_real)]
        if n_sbi:
            parts.append(draw(sbi_sources, n_sbi, "sbi"))
        tool_names = list(tools)
        for _ in range(n_fake - n_sbi):
            parts.append(draw(tools[tool_names[rng.integers(len(tool_names))]], 1, "views"))
        x = torch.cat(parts).float().contiguous(memory_format=torch.channels_last)
        y = torch.cat([torch.zeros(n_real), torch.ones(n_fake)])
        loss = F.binary_cross_entropy_with_logits(model.tail(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss))
        if (step + 1) % log_every == 0 or step + 1 == steps:
            print(f"  step {step + 1}/{steps} loss {np.mean(losses[-log_every:]):.4f} "
                  f"({(time.time() - t0) / (step + 1):.3f} s/step)", flush=True)
    return model.eval()


@torch.no_grad()
def score(model: V1Detector, plain: torch.Tensor, batch: int = 256) -> np.ndarray:
    model.eval()
    out = [model.tail(plain[i:i + batch].float().contiguous(memory_format=torch.channels_last)).numpy()
           for i in range(0, len(plain), batch)]
    return np.concatenate(out) if out else np.zeros(0, np.float32)


def clip_scores(scores: np.ndarray, clips: list[str]) -> tuple[np.ndarray, list[str]]:
    """Mean logit per clip (a still is its own clip)."""
    names = sorted(set(clips))
    arr = np.asarray(clips)
    return np.asarray([scores[arr == c].mean() for c in names]), names


def tool_split(pools: list, tool: str) -> tuple[list, list]:
    """(fake pools, real pools) a tool is judged on: its fakes against its own reals (DFDC: the dev set). Works on
    Pool (images) and CachedPool (prefix outputs) alike."""
    if tool == "dfdc":
        return [p for p in pools if p.name == "dfdc-dev-fake"], [p for p in pools if p.name == "dfdc-dev-real"]
    return ([p for p in pools if p.label == 1 and p.tool == tool],
            [p for p in pools if p.label == 0 and p.origin == tool])


def judged(tool: str, fakes: list, reals: list, score_pool) -> dict:
    """Frame AUC of a tool's fakes against its reals, and clip AUC (mean logit per clip) except for DFDC's stills.
    score_pool: pool -> logits."""
    f_all = np.concatenate([score_pool(p) for p in fakes])
    r_all = np.concatenate([score_pool(p) for p in reals])
    res = {"tool": tool, "fake_frames": int(len(f_all)), "real_frames": int(len(r_all)),
           "frame_auc": round(auc(np.r_[r_all, f_all], np.r_[np.zeros(len(r_all)), np.ones(len(f_all))]), 4)}
    if tool != "dfdc":
        fc, _ = clip_scores(f_all, sum((p.clips for p in fakes), []))
        rc, _ = clip_scores(r_all, sum((p.clips for p in reals), []))
        res.update({"fake_clips": int(len(fc)), "real_clips": int(len(rc)),
                    "clip_auc": round(auc(np.r_[rc, fc], np.r_[np.zeros(len(rc)), np.ones(len(fc))]), 4)})
    return res


def tool_figures(model: V1Detector, pools: list[CachedPool], tool: str) -> dict:
    return judged(tool, *tool_split(pools, tool), lambda p: score(model, p.plain))


def real_calm(model: V1Detector, pools: list[CachedPool], threshold_logit: float, trained: set[str]) -> dict:
    """For every real pool: the share of frames above a threshold and the highest clip mean; `trained` names the
    pools the model was trained on (so a figure on one of them is labelled as such)."""
    out = {}
    for p in pools:
        if p.label != 0 or not len(p.plain):
            continue
        s = score(model, p.plain)
        cs, names = clip_scores(s, p.clips)
        out[p.name] = {"frames": int(len(s)), "above": round(float((s > threshold_logit).mean()), 4),
                       "worst_clip": names[int(np.argmax(cs))], "worst_clip_prob": round(float(1 / (1 + np.exp(-cs.max()))), 4),
                       "trained_on": p.name in trained}
    return out


# The engine's fusion thresholds (src/core/risk-fusion.ts DEFAULT_FUSION) are fixed probabilities: "suspicious" is
# entered at 0.902 and "likely deepfake" at 0.983, which v0.3 gave the 95th and 99th percentiles of real DFDC dev
# faces. Every v1 model (a fold's or the shipped one) is calibrated to the same operating points, so that the same
# thresholds mean the same false-alarm rate on real faces whatever the model: an affine map of its logit, folded
# into the head, that puts the 95th percentile of the calibration reals at 0.902 and the 99th at 0.983.
CAL_POINTS = ((95.0, 0.902), (99.0, 0.983))


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


@torch.no_grad()
def calibrate(model: V1Detector, reals: torch.Tensor) -> dict:
    """Folds the affine logit map into model.head (in place) and returns what it did. reals: cached plain prefix
    outputs of the calibration reals (DFDC dev + LFW dev: neither trains any model, neither is a release-check set)."""
    z = score(model, reals)
    (q1, p1), (q2, p2) = CAL_POINTS
    z1, z2 = np.percentile(z, q1), np.percentile(z, q2)
    a = (_logit(p2) - _logit(p1)) / max(z2 - z1, 1e-6)
    b = _logit(p1) - a * z1
    model.head.weight.mul_(a)
    model.head.bias.mul_(a).add_(b)
    after = 1 / (1 + np.exp(-score(model, reals)))
    return {"scale": round(float(a), 5), "shift": round(float(b), 5), "reals": int(len(z)),
            "prob_percentiles_after": {str(q): round(float(np.percentile(after, q)), 4) for q in (90, 95, 98, 99)}}


def calibration_reals(pools: list[CachedPool]) -> torch.Tensor:
    return torch.cat([p.plain for p in pools if p.name in ("dfdc-dev-real", "lfw-dev")])


def export_model(model: V1Detector, out: str, float16: bool = True) -> None:
    from .export_tfjs import export
    export(model, out, float16=float16)


def cmd_loto(args) -> None:
    meta, pools = open_cache(args.cache)
    rows = []
    tools = args.tools.split(",") if args.tools else LOTO_TOOLS
    for tool in tools:
        t0 = time.time()
        model = train_tail(meta["trunk"], pools, {tool}, args.steps, args.seed, sbi_share=args.sbi_share)
        cal = calibrate(model, calibration_reals(pools))
        fig = tool_figures(model, pools, tool)
        fig["calibration"] = cal
        if args.export_dir:
            export_model(model, os.path.join(args.export_dir, tool))
        fig["seconds"] = round(time.time() - t0)
        print(json.dumps(fig), flush=True)
        rows.append(fig)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"trunk": meta["trunk"], "steps": args.steps, "seed": args.seed, "sbi_share": args.sbi_share,
                       "rows": rows}, f, indent=1)
    print(f"mean frame AUC over {len(rows)} left-out tools: {np.mean([r['frame_auc'] for r in rows]):.4f}")
    print("\n| left-out tool | fake / real frames | frame AUC | fake / real clips | clip AUC |\n|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['tool']} | {r['fake_frames']} / {r['real_frames']} | {r['frame_auc']:.3f} | "
              f"{r.get('fake_clips', '-')} / {r.get('real_clips', '-')} | {r.get('clip_auc', float('nan')):.3f} |")


def cmd_baseline(args) -> None:
    """v0.3 (models/face-swap, from scratch) on the very crops and tool splits the folds are judged on."""
    from .model import Detector
    from .train import predict
    net = Detector()
    net.load_state_dict(torch.load(os.path.join(args.model, "checkpoint.pt"))["state_dict"])
    with open(os.path.join(args.cache, "pools.json")) as f:
        meta = json.load(f)
    pools = load_pools(meta["faces"], meta["max_frames"], meta.get("cap", 0), meta["seed"])
    rows = []
    for tool in LOTO_TOOLS:
        r = judged(tool, *tool_split(pools, tool), lambda p: predict(net, p.images))
        print(json.dumps(r), flush=True)
        rows.append(r)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"model": args.model, "rows": rows}, f, indent=1)
    print(f"mean frame AUC over {len(rows)} tools: {np.mean([r['frame_auc'] for r in rows]):.4f}")


def cmd_train(args) -> None:
    meta, pools = open_cache(args.cache)
    excluded = {t for t in args.exclude.split(",") if t}
    left_out_pools = set(args.exclude_pools.split(",")) - {""}
    model = train_tail(meta["trunk"], pools, excluded, args.steps, args.seed, exclude_pools=left_out_pools,
                       sbi_share=args.sbi_share)
    trained = {p.name for p in pools if p.train and not _drop(p, excluded) and p.name not in left_out_pools}
    cal = calibrate(model, calibration_reals(pools))
    figs = {t: tool_figures(model, pools, t) for t in LOTO_TOOLS}
    calm = real_calm(model, pools, _logit(0.902), trained)
    os.makedirs(args.out, exist_ok=True)
    torch.save({"trunk": meta["trunk"], "state_dict": model.state_dict(), "excluded": sorted(excluded),
                "excluded_pools": args.exclude_pools, "steps": args.steps, "seed": args.seed, "calibration": cal},
               os.path.join(args.out, "checkpoint.pt"))
    export_model(model, args.out)
    with open(os.path.join(args.out, "train-figures.json"), "w") as f:
        json.dump({"excluded": sorted(excluded), "excluded_pools": args.exclude_pools, "calibration": cal,
                   "tools": figs, "reals_above_suspicious": calm}, f, indent=1)
    for t, r in figs.items():
        print(f"{t}: {r}{'  (trained on)' if t not in excluded else ''}")
    for k, v in calm.items():
        print(f"{k}: {v}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("cache")
    c.add_argument("--faces", default=".cache/faces")
    c.add_argument("--out", default=".cache/v1")
    c.add_argument("--trunk", default="faceres", choices=list(TRUNK_CUT))
    c.add_argument("--views", type=int, default=2)
    c.add_argument("--max-frames", type=int, default=30)
    c.add_argument("--cap", type=int, default=2500, help="at most this many DFDC train crops per label (LFW: half)")
    c.add_argument("--seed", type=int, default=0)
    b = sub.add_parser("baseline")
    b.add_argument("--cache", default=".cache/v1")
    b.add_argument("--model", default="models/face-swap")
    b.add_argument("--json", default="")
    for name in ("loto", "train"):
        s = sub.add_parser(name)
        s.add_argument("--cache", default=".cache/v1")
        s.add_argument("--steps", type=int, default=600 if name == "loto" else 1200)
        s.add_argument("--seed", type=int, default=0)
        s.add_argument("--json", default="")
        s.add_argument("--sbi-share", type=float, default=1 / 3, help="share of the fakes that are self-blends")
        if name == "loto":
            s.add_argument("--tools", default="")
            s.add_argument("--export-dir", default="", help="also export each fold's model (TF.js) to DIR/<tool>")
        else:
            s.add_argument("--out", default=".cache/v1-model")
            s.add_argument("--exclude", default="", help="tools left out (their fakes and real originals)")
            s.add_argument("--exclude-pools", default="", help="pools left out by name (e.g. talking-heads)")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.cmd == "cache":
        build_cache(args.faces, args.out, args.trunk, args.views, args.max_frames, args.seed, args.cap)
    elif args.cmd == "baseline":
        cmd_baseline(args)
    elif args.cmd == "loto":
        cmd_loto(args)
    else:
        cmd_train(args)


if __name__ == "__main__":
    main()
