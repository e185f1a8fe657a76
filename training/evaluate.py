"""Evaluates the trained detector on the development crops.

  /usr/bin/python3 -m training.evaluate --faces .cache/faces --model models/face-swap

Prints the DFDC dev AUC (image level, crops where a face was found), the TPR at 1% and 5% FPR, and the false-positive
rate on LFW dev reals at the threshold that gives 5% FPR on the DFDC dev reals. Each image is scored as the engine
scores a still image (src/core/detector-views.ts): the mean logit of the crop and its mirror image; `--views plain`
scores the crop alone, as the figures before v0.3's second release were. Uses the exported TF.js weights
(model.json + .bin, run in PyTorch) so that the figures are those of the shipped file; --checkpoint uses the
PyTorch checkpoint instead.
"""
from __future__ import annotations

import argparse
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

from .augment import self_blend
from .data import load_split
from .metrics import auc, threshold_at_fpr, tpr_at_fpr


class TfjsModel:
    """Runs a LayersModel written by export_tfjs.py (Conv2D/DepthwiseConv2D 'same', ReLU, Add, GAP, Dropout, Dense)."""

    def __init__(self, folder: str):
        with open(os.path.join(folder, "model.json")) as f:
            j = json.load(f)
        self.layers = j["modelTopology"]["config"]["layers"]
        group = j["weightsManifest"][0]
        raw = b"".join(open(os.path.join(folder, p), "rb").read() for p in group["paths"])
        self.w, off = {}, 0
        for spec in group["weights"]:
            n = int(np.prod(spec["shape"]))
            self.w[spec["name"]] = torch.from_numpy(np.frombuffer(raw, "<f4", n, off).reshape(spec["shape"]).copy())
            off += 4 * n

    @staticmethod
    def _same(x, k, s):
        from .model import tf_same_pad
        ph, pw = tf_same_pad(x.shape[2], k, s), tf_same_pad(x.shape[3], k, s)
        return F.pad(x, (pw[0], pw[1], ph[0], ph[1]))

    @torch.no_grad()
    def __call__(self, x_nhwc: torch.Tensor) -> torch.Tensor:
        out = {}
        for L in self.layers:
            c, name = L["config"], L["name"]
            ins = [out[n[0]] for n in L["inbound_nodes"][0]] if L["inbound_nodes"] else [x_nhwc.permute(0, 3, 1, 2)]
            x = ins[0]
            cls = L["class_name"]
            if cls == "InputLayer":
                y = x
            elif cls == "Conv2D":
                k = self.w[f"{name}/kernel"].permute(3, 2, 0, 1)
                y = F.conv2d(self._same(x, c["kernel_size"][0], c["strides"][0]), k, self.w[f"{name}/bias"], c["strides"][0])
            elif cls == "DepthwiseConv2D":
                k = self.w[f"{name}/depthwise_kernel"].permute(2, 3, 0, 1)
                y = F.conv2d(self._same(x, c["kernel_size"][0], c["strides"][0]), k, self.w[f"{name}/bias"],
                             c["strides"][0], groups=x.shape[1])
            elif cls == "ReLU":
                y = F.relu(x) if c.get("max_value") is None else x.clamp(0, c["max_value"])
            elif cls == "Add":
                y = sum(ins)
            elif cls == "GlobalAveragePooling2D":
                y = x.mean(dim=(2, 3))
            elif cls == "Dropout":
                y = x
            elif cls == "Dense":
                y = x @ self.w[f"{name}/kernel"] + self.w[f"{name}/bias"]
            else:
                raise TypeError(cls)
            out[name] = y
        return out[self.layers[-1]["name"]][:, 0]


def scores_for(model, images: np.ndarray, batch: int = 200, views: str = "plain") -> np.ndarray:
    """Logits of NHWC uint8 crops; views="both" averages each crop's logit with its mirror image's (the engine's
    still-image score, toModelInput's `mirrored`)."""
    res = []
    for i in range(0, len(images), batch):
        x = torch.from_numpy(images[i : i + batch]).float() / 127.5 - 1  # NHWC, engine preprocessing
        y = model(x)
        if views == "both":
            y = (y + model(x.flip(2))) / 2  # flip the width axis: left-right mirror
        res.append(y.numpy())
    return np.concatenate(res) if res else np.zeros(0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--faces", default=".cache/faces")
    ap.add_argument("--model", default="models/face-swap")
    ap.add_argument("--checkpoint", action="store_true", help="evaluate <model>/checkpoint.pt (PyTorch) instead")
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--views", choices=("both", "plain"), default="both",
                    help="both: mean logit of the crop and its mirror image, as the engine scores a still image")
    args = ap.parse_args()
    torch.set_num_threads(2)
    if args.checkpoint:
        from .model import Detector
        net = Detector()
        net.load_state_dict(torch.load(os.path.join(args.model, "checkpoint.pt"))["state_dict"])
        net.eval()
        model = lambda x: net(x.permute(0, 3, 1, 2))  # noqa: E731
    else:
        model = TfjsModel(args.model)
    ddev = load_split(args.faces, "dfdc", "dev")
    ldev = load_split(args.faces, "lfw", "dev")
    with torch.no_grad():
        s_d = scores_for(model, ddev.images, views=args.views)
        s_l = scores_for(model, ldev.images, views=args.views)
    real = ddev.labels == 0
    # self-blends of the DFDC dev reals (fixed seed, no call augmentation): does the model see blend boundaries?
    rng = np.random.default_rng(0)
    ri = np.nonzero(real)[0]
    sbi = []
    for i in range(0, len(ri), 100):
        idx = ri[i : i + 100]
        x = torch.from_numpy(ddev.images[idx]).permute(0, 3, 1, 2).float() / 255
        y = self_blend(x, ddev.landmarks[idx], rng)
        sbi.append((y.permute(0, 2, 3, 1).numpy() * 255).round().astype(np.uint8))
    with torch.no_grad():
        s_sbi = scores_for(model, np.concatenate(sbi), views=args.views)
    sbi_auc = auc(np.r_[s_d[real], s_sbi], np.r_[np.zeros(real.sum()), np.ones(len(s_sbi))])
    tpr1, t1 = tpr_at_fpr(s_d, ddev.labels, 0.01)
    tpr5, t5 = tpr_at_fpr(s_d, ddev.labels, 0.05)
    res = {
        "views": args.views,
        "dfdc_dev_images": int(len(ddev)), "dfdc_dev_no_face": ddev.no_face,
        "dfdc_dev_real": int(real.sum()), "dfdc_dev_fake": int((~real).sum()),
        "dfdc_dev_auc": round(auc(s_d, ddev.labels), 4),
        "tpr_at_1pct_fpr": round(tpr1, 4), "threshold_logit_1pct": round(t1, 4),
        "tpr_at_5pct_fpr": round(tpr5, 4), "threshold_logit_5pct": round(t5, 4),
        "threshold_prob_5pct": round(float(1 / (1 + np.exp(-t5))), 4),
        "dfdc_dev_real_vs_self_blend_auc": round(sbi_auc, 4),
        "lfw_dev_images": int(len(ldev)),
        "lfw_dev_fpr_at_dfdc_5pct_threshold": round(float((s_l > t5).mean()), 4) if len(ldev) else None,
        # where the engine's thresholds come from (src/core/risk-fusion.ts): percentiles of the real dev crops'
        # probabilities, so that "suspicious" / "likely deepfake" are entered by 5% / 1% of real frames
        "dfdc_dev_real_prob_percentiles": {str(q): round(float(np.percentile(1 / (1 + np.exp(-s_d[real])), q)), 4)
                                           for q in (90, 95, 98, 99)},
    }
    print(f"views: {args.views}")
    print(f"DFDC dev: {res['dfdc_dev_real']} real + {res['dfdc_dev_fake']} fake crops with a face "
          f"({ddev.no_face} without a face are not scored)")
    print(f"  AUC (image level)          {res['dfdc_dev_auc']:.4f}")
    print(f"  TPR at 1% FPR              {tpr1:.4f}  (logit threshold {t1:.3f})")
    print(f"  TPR at 5% FPR              {tpr5:.4f}  (logit threshold {t5:.3f}, probability {res['threshold_prob_5pct']:.3f})")
    print(f"  AUC, dev reals vs self-blends of them  {sbi_auc:.4f}")
    print(f"  real crops' probability percentiles (90/95/98/99): {res['dfdc_dev_real_prob_percentiles']}")
    if len(ldev):
        print(f"LFW dev reals: {len(ldev)}; false-positive rate at the DFDC 5%-FPR threshold: "
              f"{res['lfw_dev_fpr_at_dfdc_5pct_threshold']:.4f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
