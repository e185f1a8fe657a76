"""Trains the detector on a GPU, where one is lent, with a larger teacher distilled into the shipped architecture.

  python3 -m training.pack --faces .cache/faces --out .gpu-data/faces.npz      # here: 47 MiB that can travel
  python3 -m training.train_gpu --data .gpu-data/faces.npz --init models/face-swap/checkpoint.pt \\
      --out OUT --minutes 6.5                                                    # there, on the GPU machine

Why this shape. The CPU recipe (train.py) levelled off at DFDC dev AUC 0.80 with a training loss that stayed at
0.53: the small net underfits its augmented data, and the latency budget (<= 10 ms per face in the browser) does not
let it grow. A GPU machine is lent for minutes, not hours, and its 16 CPU cores, not the GPU, limit how fast the
augmented batches (self-blends, JPEG round trips) can be made. So one stream of batches, made by all cores with the
very make_batch that train.py uses, feeds three models at once:

- `teacher`: the same family of residual CNN, about 8x wider and deeper (too slow for the browser), from scratch;
- `student`: the shipped architecture, initialised from the current checkpoint, trained on the labels alone;
- `distilled`: the same, trained on the labels and on the teacher's softened scores (knowledge distillation, the
  teacher's weight ramped up over the first 30% of the run while the teacher is still learning).

The two students differ only in the teacher's signal, so the run itself measures whether distillation helps. Every
`--eval-every` seconds each model is scored on DFDC dev and its best state is kept; the learning rate follows a
warm-up and a cosine decay over the wall-clock budget (the batch rate of a lent machine is not known in advance), so
a run is reproducible in recipe but not bit for bit; train.py is the bit-reproducible CPU path.
Writes to --out: student.pt and distilled.pt (train.py's checkpoint format, exportable by export_tfjs.py),
teacher.pt (float16), train-gpu-log.jsonl.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from .metrics import auc
from .model import Detector, count_mflops, count_params
from .pack import load_packed
from .train import make_batch

TEACHER = {"stem": 32, "stages": [(48, 2), (96, 2), (192, 2), (384, 1)], "head": 384}


class BatchStream(IterableDataset):
    """An endless stream of augmented batches per worker, each worker with its own seeded generator."""

    def __init__(self, data: dict[str, np.ndarray], batch: int, sbi_share: float, rerender_share: float, seed: int):
        super().__init__()
        self.data, self.seed, self.rerender_share = data, seed, rerender_share
        self.n_real = batch // 2
        self.n_sbi = int(round((batch - self.n_real) * sbi_share))
        self.n_dfake = batch - self.n_real - self.n_sbi

    def __iter__(self):
        info = get_worker_info()
        wid = info.id if info is not None else 0
        torch.set_num_threads(1)
        rng = np.random.default_rng([self.seed, wid])
        labels = torch.cat([torch.zeros(self.n_real), torch.ones(self.n_sbi + self.n_dfake)])
        d = self.data
        while True:
            x = make_batch(d["real_images"], d["real_landmarks"], d["fake_images"], self.n_real, self.n_sbi,
                           self.n_dfake, self.rerender_share, rng)
            # make_batch quantises to 8 bits, so uint8 carries it exactly at a quarter of the bytes
            yield (x * 255).round().to(torch.uint8), labels


@torch.no_grad()
def dev_scores(model: torch.nn.Module, images: torch.Tensor, batch: int = 512) -> np.ndarray:
    model.eval()
    out = []
    for i in range(0, len(images), batch):
        x = images[i:i + batch].float() / 127.5 - 1
        out.append(model(x.contiguous(memory_format=torch.channels_last)).float().cpu().numpy())
    model.train()
    return np.concatenate(out)


def lr_factor(frac: float, warmup: float = 0.03) -> float:
    if frac < warmup:
        return (frac + 1e-3) / warmup
    return 0.5 * (1 + math.cos(math.pi * min(1.0, (frac - warmup) / (1 - warmup))))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=".gpu-data/faces.npz")
    ap.add_argument("--init", default="models/face-swap/checkpoint.pt")
    ap.add_argument("--out", required=True)
    ap.add_argument("--minutes", type=float, default=6.5, help="wall-clock training budget")
    ap.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 2) - 1))
    ap.add_argument("--worker-batch", type=int, default=64)
    ap.add_argument("--per-step", type=int, default=4, help="worker batches per optimiser step")
    ap.add_argument("--lr", type=float, default=2e-3, help="students' peak learning rate")
    ap.add_argument("--teacher-lr", type=float, default=3e-3)
    ap.add_argument("--weight-decay", type=float, default=0.05)
    ap.add_argument("--sbi-share", type=float, default=0.5)
    ap.add_argument("--rerender-share", type=float, default=0.0)
    ap.add_argument("--kd-alpha", type=float, default=0.5)
    ap.add_argument("--tau", type=float, default=2.0)
    ap.add_argument("--eval-every", type=float, default=30.0, help="seconds")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    t0 = time.time()
    torch.manual_seed(args.seed)
    cuda = torch.cuda.is_available()
    dev = torch.device("cuda" if cuda else "cpu")
    torch.set_num_threads(2)
    if cuda:
        torch.backends.cudnn.benchmark = True
    data = load_packed(args.data)
    print(f"device {torch.cuda.get_device_name() if cuda else 'cpu'}, torch {torch.__version__}; "
          f"{len(data['real_images'])} real, {len(data['fake_images'])} fake, {len(data['dev_images'])} dev crops "
          f"decoded in {time.time() - t0:.1f} s; {args.workers} workers", flush=True)
    dev_images = torch.from_numpy(data["dev_images"]).permute(0, 3, 1, 2).contiguous().to(dev)
    dev_labels = data["dev_labels"]
    stream = BatchStream({k: data[k] for k in ("real_images", "real_landmarks", "fake_images")},
                         args.worker_batch, args.sbi_share, args.rerender_share, args.seed)
    loader = DataLoader(stream, batch_size=None, num_workers=args.workers, pin_memory=cuda,
                        prefetch_factor=4 if args.workers else None)

    init = torch.load(args.init, map_location="cpu")["state_dict"]
    models: dict[str, torch.nn.Module] = {"teacher": Detector(**TEACHER)}
    for name in ("student", "distilled"):
        models[name] = Detector()
        models[name].load_state_dict(init)
    for name, m in models.items():
        print(f"{name}: {count_params(m)} params, {count_mflops(m):.1f} M multiply-adds", flush=True)
    models = {k: m.to(dev).to(memory_format=torch.channels_last) for k, m in models.items()}
    peak = {"teacher": args.teacher_lr, "student": args.lr, "distilled": args.lr}
    opts = {}
    for k, m in models.items():
        decay = [p for p in m.parameters() if p.ndim > 1]
        no_decay = [p for p in m.parameters() if p.ndim <= 1]
        opts[k] = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                                     {"params": no_decay, "weight_decay": 0.0}], lr=peak[k])
    start = {k: auc(dev_scores(m, dev_images), dev_labels) for k, m in models.items()}
    print(f"dev AUC before training: {json.dumps({k: round(v, 4) for k, v in start.items()})}", flush=True)
    os.makedirs(args.out, exist_ok=True)
    # a student that never beats its starting point comes back as it went in, never worse
    best: dict[str, tuple[float, dict | None, int]] = {"teacher": (-1.0, None, 0)}
    for k in ("student", "distilled"):
        best[k] = (start[k], {n: v.detach().cpu().clone() for n, v in models[k].state_dict().items()}, 0)
    log = open(os.path.join(args.out, "train-gpu-log.jsonl"), "w")

    def save(name: str) -> None:
        score, state, step_at = best[name]
        if name == "teacher":
            state = {k: v.half() if v.is_floating_point() else v for k, v in state.items()}
        torch.save({"state_dict": state, "step": step_at, "dfdc_dev_auc": score, "args": vars(args),
                    "arch": TEACHER if name == "teacher" else "default"}, os.path.join(args.out, f"{name}.pt"))

    for k in ("student", "distilled"):
        save(k)

    def evaluate(step: int, frac: float, images_seen: int, wait_s: float) -> None:
        rec = {"step": step, "images": images_seen, "elapsed_s": round(time.time() - t0, 1), "frac": round(frac, 3),
               "data_wait_s": round(wait_s, 1), "loss": {k: round(float(np.mean(v)), 4) for k, v in losses.items() if v}}
        for k, m in models.items():
            a = auc(dev_scores(m, dev_images), dev_labels)
            rec[k] = round(a, 4)
            if a > best[k][0]:
                best[k] = (a, {n: v.detach().float().cpu().clone() if v.is_floating_point() else v.detach().cpu().clone()
                               for n, v in m.state_dict().items()}, step)
                save(k)
        for v in losses.values():
            v.clear()
        log.write(json.dumps(rec) + "\n")
        log.flush()
        print(json.dumps(rec), flush=True)

    budget = args.minutes * 60
    losses: dict[str, list[float]] = {k: [] for k in models}
    step, images_seen, wait_s = 0, 0, 0.0
    pending_x, pending_y = [], []
    t_start = time.time()
    next_eval = args.eval_every
    tw = time.time()
    for xb, yb in loader:
        wait_s += time.time() - tw
        pending_x.append(xb)
        pending_y.append(yb)
        if len(pending_x) < args.per_step:
            tw = time.time()
            continue
        x = torch.cat(pending_x).to(dev, non_blocking=True).float() / 127.5 - 1
        y = torch.cat(pending_y).to(dev, non_blocking=True)
        x = x.contiguous(memory_format=torch.channels_last)
        pending_x, pending_y = [], []
        elapsed = time.time() - t_start
        frac = elapsed / budget
        if frac >= 1:
            break
        for k, o in opts.items():
            for g in o.param_groups:
                g["lr"] = peak[k] * lr_factor(frac)
        with torch.autocast("cuda", dtype=torch.bfloat16) if cuda else contextlib.nullcontext():
            lt = models["teacher"](x).float()
        loss_t = F.binary_cross_entropy_with_logits(lt, y)
        ls = models["student"](x)
        loss_s = F.binary_cross_entropy_with_logits(ls, y)
        ld = models["distilled"](x)
        alpha = args.kd_alpha * min(1.0, frac / 0.3)
        soft = torch.sigmoid(lt.detach() / args.tau)
        loss_d = ((1 - alpha) * F.binary_cross_entropy_with_logits(ld, y)
                  + alpha * args.tau ** 2 * F.binary_cross_entropy_with_logits(ld / args.tau, soft))
        for k, loss in (("teacher", loss_t), ("student", loss_s), ("distilled", loss_d)):
            opts[k].zero_grad(set_to_none=True)
            loss.backward()
            opts[k].step()
            if step % 10 == 0:  # .item() waits for the GPU: only now and then
                losses[k].append(loss.item())
        step += 1
        images_seen += len(y)
        if elapsed >= next_eval:
            next_eval += args.eval_every
            evaluate(step, frac, images_seen, wait_s)
        tw = time.time()
    evaluate(step, 1.0, images_seen, wait_s)
    log.close()
    del loader
    summary = {k: {"best_dev_auc": round(best[k][0], 4), "at_step": best[k][2], "before": round(start[k], 4)}
               for k in models}
    print(f"done: {step} steps, {images_seen} images in {time.time() - t_start:.0f} s "
          f"({images_seen / max(1e-9, time.time() - t_start):.0f} images/s); {json.dumps(summary)}", flush=True)


if __name__ == "__main__":
    main()
