"""Swaps every (source, target) pair of the roster (roster.py) with the many-person model (train_many.py), writes each
swap beside its real target frames, a contact sheet per swap, and the time each pair took.

    /usr/bin/python3 -m training.swapper.merge_roster --data ../shared/data [--model .cache/swaps/models/roster.pt]
        [--shard 0/2]   # this process takes every 2nd target from the 0th: run two to use two cores
        [--out DIR] [--max-face-px 150] [--sharpen]   # merge settings (merge.downscaled, merge.match_sharpness)

Writes .cache/swaps/clips-out/<target clip>@0+4s/{real.mp4, <source>.mp4, <source>.sheet.png}, .cache/swaps/labels.csv
(pairs.py), and .cache/swaps/merge-times-<shard>.json.
"""
from __future__ import annotations

import argparse
import json
import os
import time

import torch

from .contact_sheet import sheet
from .faces import CACHE, identity_of, load_clip
from .merge import downscaled, merge
from .model import DF
from .roster import SOURCE_SECONDS, TARGET_SECONDS, TARGETS, pairs
from .train_many import MODEL


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.environ.get("UNMASK_DATA", "../shared/data"))
    ap.add_argument("--model", default=MODEL)
    ap.add_argument("--shard", default="0/1")
    ap.add_argument("--no-sheets", action="store_true")
    ap.add_argument("--out", default=CACHE, help="cache folder for clips-out/, labels.csv and the times")
    ap.add_argument("--max-face-px", type=float, default=None, help="scale each target down to this face width first")
    ap.add_argument("--sharpen", action="store_true", help="match the swapped face's sharpness to the target's")
    a = ap.parse_args()
    torch.set_num_threads(1)
    k, n = map(int, a.shard.split("/"))
    model = DF.load(a.model).eval()
    mine = set(TARGETS[k::n])
    import cv2

    times = []
    sources = {}
    for src_rel, tgt_rel in pairs():
        if tgt_rel not in mine:
            continue
        t0 = time.time()
        if src_rel not in sources:
            sources[src_rel] = load_clip(os.path.join(a.data, src_rel), a.data, seconds=SOURCE_SECONDS)
        source = sources[src_rel]
        target = downscaled(load_clip(os.path.join(a.data, tgt_rel), a.data, seconds=TARGET_SECONDS), a.max_face_px)
        info = merge(model, identity_of(source.id), target, cache=a.out, sharpen=a.sharpen)
        merged = time.time() - t0
        if not a.no_sheets:
            img = sheet(target, info["real"], info["swap"], source)
            cv2.imwrite(info["swap"].replace(".mp4", ".sheet.png"), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
        times.append({"source": src_rel, "target": tgt_rel, "size": list(target.frames.shape[2:0:-1]), "frames": info["frames"], "swapped_frames": info["swapped_frames"],
                      "merge_seconds": round(merged, 1), "with_sheet_seconds": round(time.time() - t0, 1)})
        print(json.dumps(times[-1]), flush=True)
    with open(os.path.join(a.out, f"merge-times-{k}.json"), "w") as f:
        json.dump(times, f, indent=1)


if __name__ == "__main__":
    main()
