"""Swaps a target clip as a live swapper (DeepFaceLive / DFL's merger) does, frame by frame, and writes the swap beside
its real pair.

Per frame with a face: align the target face (align.py) -> the model's prediction decoded as the SOURCE identity ->
RCT colour transfer of the prediction to the target face's colours inside the face hull (colour.py) -> warp back into
the frame with the inverse alignment -> blend with the target's landmark hull mask, eroded and blurred (mask.py).
Frames without a face pass through unchanged. Then both the swapped frames and the untouched target frames are encoded
ONCE with the same H.264 settings (libx264, yuv420p, CRF 23, native rate), as a call would carry them:

  .cache/swaps/clips-out/<target id>/real.mp4
  .cache/swaps/clips-out/<target id>/<source identity>.mp4
  .cache/swaps/labels.csv   (pairs.py)

  /usr/bin/python3 -m training.swapper.merge --data ../shared/data --model .cache/swaps/models/X__to__Y.pt \
      --target more/talking-heads-2/real/...mp4 [--seconds 4]
"""
from __future__ import annotations

import argparse
import os
import subprocess

import cv2
import numpy as np
import torch

from .align import alignment_for, apply, rescaled, to_crop, to_frame
from .colour import rct
from .faces import CACHE, Clip, identity_of, load_clip
from .mask import hull_mask, merge_mask
from .model import DF
from .pairs import pair_rows, write_labels

CRF = 23


def encode(frames: np.ndarray, fps: float, path: str, crf: int = CRF) -> None:
    """RGB uint8 frames -> H.264 MP4 (libx264, yuv420p; odd sizes are cropped by one pixel)."""
    n, h, w, _ = frames.shape
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    cmd = ["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r", f"{fps:g}",
           "-i", "-", "-vf", "crop=trunc(iw/2)*2:trunc(ih/2)*2", "-c:v", "libx264", "-preset", "medium", "-crf",
           str(crf), "-pix_fmt", "yuv420p", "-an", path]
    subprocess.run(cmd, input=np.ascontiguousarray(frames).tobytes(), check=True)


def decode(path: str) -> np.ndarray:
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
                          "-of", "csv=p=0", path], capture_output=True, text=True, check=True).stdout
    w, h = map(int, out.strip().split(","))
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)


def downscaled(clip: Clip, max_face_px: float | None) -> Clip:
    """The clip scaled down (frames and landmarks together) so that its median face, measured as the landmarks' width,
    is at most `max_face_px`; the clip itself when it already is, or has no face.

    Why: a live swapper's model fills the face it is given at its own resolution, and DeepFaceLive runs on webcams,
    where the face is ~150 px wide (the 12 DeepFaceLive pairs of the data: median 148 px in the engine's measure).
    The roster's talking heads are 512-px close-ups (median face 248 px), so a 64-px model is stretched 4x over them
    and its swaps come out far blurrier than DeepFaceLive's, which is what a detector then learns. Both halves of a
    pair are written at the new size, so the pair stays the same frames, swapped or not."""
    has = clip.has_face
    if not max_face_px or not has.any():
        return clip
    xs = clip.landmarks[has, :, 0]
    width = float(np.median(xs.max(1) - xs.min(1)))
    s = max_face_px / width
    if s >= 1:
        return clip
    h, w = clip.frames.shape[1:3]
    nh, nw = max(2, int(round(h * s / 2)) * 2), max(2, int(round(w * s / 2)) * 2)  # even sizes for yuv420p
    frames = np.stack([cv2.resize(f, (nw, nh), interpolation=cv2.INTER_AREA) for f in clip.frames])
    landmarks = (clip.landmarks * np.array([nw / w, nh / h], np.float32)).astype(np.float32)
    return Clip(clip.id, clip.path, clip.fps, frames, landmarks)


def laplacian_var(image: np.ndarray, region: np.ndarray) -> float:
    """Variance of the Laplacian of the grey image inside `region` (bool, H x W): the usual sharpness figure."""
    grey = cv2.cvtColor(np.ascontiguousarray(image, np.float32), cv2.COLOR_RGB2GRAY)
    lap = cv2.Laplacian(grey, cv2.CV_32F)
    return float(lap[region].var()) if region.any() else 0.0


def match_sharpness(image: np.ndarray, reference: np.ndarray, region: np.ndarray, sigma: float = 1.0,
                    max_amount: float = 4.0) -> np.ndarray:
    """`image` (float RGB 0..1) unsharp-masked so that its Laplacian variance inside `region` approaches the
    reference's (never softened; amount capped). DeepFaceLab's merger and DeepFaceLive expose the same lever as a
    face "sharpen" setting (and face enhancers) that their users raise until the swap looks as crisp as the camera;
    this sets it per frame from the target's own face, as RCT does for colour."""
    target, have = laplacian_var(reference, region), laplacian_var(image, region)
    if have <= 0 or target <= have:
        return image
    blurred = cv2.GaussianBlur(image, (0, 0), sigma)
    detail = image - blurred
    amount = 0.0
    for _ in range(3):  # the gain is not linear in the amount (the Gaussian passes part of the band): refine twice
        amount = min(max_amount, (1 + amount) * float(np.sqrt(target / max(have, 1e-12))) - 1)
        out = np.clip(image + amount * detail, 0, 1)
        have = laplacian_var(out, region)
        if amount >= max_amount or abs(have / target - 1) < 0.1:
            break
    return out


@torch.no_grad()
def swap_frame(model: DF, identity: str, frame: np.ndarray, landmarks: np.ndarray, oversample: int = 4,
               erode: float = 0.04, blur: float = 0.08, colour: bool = True, sharpen: bool = False) -> np.ndarray:
    """One frame with its face replaced by `identity`'s, as the merger does. RGB uint8 in and out. `sharpen`: match
    the swapped face's sharpness to the target face's (match_sharpness)."""
    res = model.cfg.resolution
    h, w = frame.shape[:2]
    big = alignment_for(landmarks, res * oversample)
    m = rescaled(big, 1 / oversample)
    crop = cv2.resize(to_crop(frame, big, res * oversample), (res, res), interpolation=cv2.INTER_AREA)
    crop = crop.astype(np.float32) / 255
    x = torch.from_numpy(crop).permute(2, 0, 1)[None]
    pred, _ = model(x, identity)
    pred = pred[0].permute(1, 2, 0).numpy()
    if colour:
        face = hull_mask(apply(m, landmarks), res, res)
        pred = rct(pred, crop, face, face)
    back = to_frame(pred, m, w, h, cv2.INTER_CUBIC)
    alpha = merge_mask(landmarks, h, w, erode, blur)
    # never blend in what lies outside the predicted crop (a hull reaching past the crop at an extreme pose)
    alpha = np.minimum(alpha, to_frame(np.ones((res, res), np.float32), m, w, h))[..., None]
    if sharpen:
        back = match_sharpness(np.clip(back, 0, 1).astype(np.float32), frame.astype(np.float32) / 255, alpha[..., 0] > 0.5)
    out = frame.astype(np.float32) / 255 * (1 - alpha) + np.clip(back, 0, 1) * alpha
    return np.clip(out * 255 + 0.5, 0, 255).astype(np.uint8)


def swap_clip(model: DF, identity: str, clip: Clip, frames: slice = slice(None), **kw) -> tuple[np.ndarray, int]:
    src = clip.frames[frames]
    lms = clip.landmarks[frames]
    out = src.copy()
    done = 0
    for i in range(len(src)):
        if not np.isnan(lms[i]).any():
            out[i] = swap_frame(model, identity, src[i], lms[i], **kw)
            done += 1
    return out, done


def out_dir(target: Clip, seconds: float | None, cache: str = CACHE) -> str:
    return os.path.join(cache, "clips-out", target.id + (f"@0+{seconds:g}s" if seconds else ""))


def merge(model: DF, source_identity: str, target: Clip, seconds: float | None = None, cache: str = CACHE,
          labels: str | None = None, **swap_kw) -> dict:
    """Swaps `target` (its first `seconds`) to `source_identity`; writes swap + real + labels. Returns paths/counts."""
    tgt_identity = identity_of(target.id)
    if source_identity not in model.identities or not model.knows(tgt_identity):
        raise ValueError(f"model draws {model.identities}, knows {model.pooled}; asked {source_identity} onto {tgt_identity}")
    n = len(target) if not seconds else min(len(target), int(round(seconds * target.fps)))
    swapped, done = swap_clip(model, source_identity, target, slice(0, n), **swap_kw)
    folder = out_dir(target, seconds, cache)
    group = os.path.basename(folder)
    real_path = os.path.join(folder, "real.mp4")
    swap_path = os.path.join(folder, f"{source_identity}.mp4")
    if not os.path.exists(real_path):  # a second source onto the same target frames: the real half is already there
        encode(target.frames[:n], target.fps, real_path)
    encode(swapped, target.fps, swap_path)
    labels = labels or os.path.join(cache, "labels.csv")
    rel = lambda p: os.path.relpath(p, os.path.dirname(os.path.abspath(labels)))  # noqa: E731
    write_labels(labels, pair_rows(rel(swap_path), rel(real_path), source_identity, tgt_identity, group))
    return {"swap": swap_path, "real": real_path, "frames": n, "swapped_frames": done, "group": group, "labels": labels}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.environ.get("UNMASK_DATA", "../shared/data"))
    ap.add_argument("--model", required=True)
    ap.add_argument("--target", required=True, help="target clip, relative to --data")
    ap.add_argument("--source-identity", default=None, help="default: the model's identity that is not the target")
    ap.add_argument("--seconds", type=float, default=None)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model = DF.load(a.model).eval()
    target = load_clip(os.path.join(a.data, a.target), a.data)
    src = a.source_identity or next(i for i in model.identities if i != identity_of(target.id))
    info = merge(model, src, target, a.seconds)
    print(info)


if __name__ == "__main__":
    main()
