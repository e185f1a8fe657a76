"""Clips for the swapper: decoded frames (RGB uint8) and per-frame landmarks in FRAME pixels.

Frames are decoded once by ffmpeg into .cache/swaps/clips/<clip id>/NNNNN.png (lossless, so the real half of a pair is
the very pixels the swap was made from) and landmarked by the extension's own engine (landmarks.py). Landmarks are
cached beside the frames as landmarks.jsonl. A frame without a face keeps NaN landmarks and is passed through
unchanged by the merger.

Identities: one person per clip (clip id), except clips listed in ALIASES; `identity_of` gives the person and the pair
bookkeeping uses it.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass

import cv2
import numpy as np

from .landmarks import ROOT, read_landmarks, run_landmarker

# Where prepared clips, models and merged swaps live. UNMASK_SWAP_CACHE moves it out of the work tree: a session's
# work tree is laid anew, so a long run (hours of CPU training) can only be continued later from a folder outside it.
CACHE = os.path.abspath(os.environ.get("UNMASK_SWAP_CACHE") or os.path.join(ROOT, ".cache", "swaps"))
N_LANDMARKS = 478


@dataclass
class Clip:
    id: str
    path: str  # the source video
    fps: float
    frames: np.ndarray  # (N, H, W, 3) uint8 RGB
    landmarks: np.ndarray  # (N, 478, 2) float32 frame pixels, NaN where no face

    @property
    def has_face(self) -> np.ndarray:
        return ~np.isnan(self.landmarks[:, 0, 0])

    def __len__(self) -> int:
        return len(self.frames)


def clip_id(path: str, data_root: str | None = None) -> str:
    """A file-system-safe id from the clip's path relative to the data folder: more/talking-heads-2/real/x.mp4 ->
    more__talking-heads-2__real__x."""
    rel = os.path.relpath(path, data_root) if data_root else os.path.basename(path)
    rel = re.sub(r"\.[^.]+$", "", rel)
    return re.sub(r"[^A-Za-z0-9_.-]+", "__", rel.replace(os.sep, "__"))


# Clips that show the same person (checked by eye on first frames; a face-recognition check should confirm and extend
# this before identities are counted). Clip id -> the id that names the person.
ALIASES = {
    "more__talking-heads-2__real__video-retalking__face3": "more__talking-heads-2__real__sadtalker-hdtf__WDA_AlexandriaOcasioCortez_000",
}


def identity_of(cid: str) -> str:
    """The person in a clip: its own id unless ALIASES says otherwise. NOT the dfl file name: dfl/real/<Name>_<n>.mp4 is
    apparently named after the DeepFaceLive face model swapped into its fake (Bryan_Greynolds_0 and _1 show two different men)."""
    cid = cid.split("@")[0]  # a time-range suffix is the same person
    return ALIASES.get(cid, cid)


def probe_fps(path: str) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=r_frame_rate",
                          "-of", "csv=p=0", path], capture_output=True, text=True, check=True).stdout.strip()
    num, _, den = out.partition("/")
    return float(num) / float(den or 1)


def extract_frames(path: str, out_dir: str, fps: float | None = None, seconds: float | None = None,
                   start: float = 0.0) -> float:
    """Decodes `path` to out_dir/NNNNN.png (at `fps`, or the native rate) once; returns the frame rate used."""
    done = os.path.join(out_dir, "done")
    if os.path.exists(done):
        return float(open(done).read().split()[0])
    os.makedirs(out_dir, exist_ok=True)
    rate = fps or probe_fps(path)
    cmd = ["ffmpeg", "-v", "error", "-y", "-ss", f"{start:.3f}", "-i", path]
    if seconds:
        cmd += ["-t", f"{seconds:.3f}"]
    cmd += ["-vf", f"fps={rate}", os.path.join(out_dir, "%05d.png")]
    subprocess.run(cmd, check=True)
    with open(done, "w") as f:
        f.write(f"{rate}\n")
    return rate


def frame_files(folder: str) -> list[str]:
    return sorted(f for f in os.listdir(folder) if re.fullmatch(r"\d+\.png", f))


def read_frames(folder: str) -> np.ndarray:
    return np.stack([cv2.cvtColor(cv2.imread(os.path.join(folder, f)), cv2.COLOR_BGR2RGB) for f in frame_files(folder)])


def load_clip(path: str, data_root: str | None = None, fps: float | None = None, seconds: float | None = None,
              start: float = 0.0, cache: str = CACHE, landmarker=None) -> Clip:
    """Frames and frame-pixel landmarks of a clip. `landmarker(frames_dir, out_jsonl)` -> rows (landmarks.py format);
    the default is the extension's engine in Chromium."""
    cid = clip_id(path, data_root)
    if seconds:
        cid += f"@{start:g}+{seconds:g}s"
    folder = os.path.join(cache, "clips", cid)
    rate = extract_frames(path, folder, fps, seconds, start)
    lm_path = os.path.join(folder, "landmarks.jsonl")
    if os.path.exists(lm_path):
        rows = read_landmarks(lm_path)
    else:
        rows = (landmarker or run_landmarker)(folder, lm_path)
    frames = read_frames(folder)
    by_name = {r["frame"]: r for r in rows}
    lms = np.full((len(frames), N_LANDMARKS, 2), np.nan, np.float32)
    for i, name in enumerate(frame_files(folder)):
        r = by_name.get(name)
        if r is not None and r["landmarks"] is not None:
            lms[i] = r["landmarks"][:N_LANDMARKS]
    return Clip(cid, path, rate, frames, lms)


def write_landmarks(path: str, names: list[str], landmarks: np.ndarray, width: int, height: int) -> None:
    """The landmarks.jsonl format, for stand-in landmark sources (tests)."""
    with open(path, "w") as f:
        for name, lm in zip(names, landmarks):
            ok = lm is not None and not np.isnan(lm).any()
            f.write(json.dumps({"frame": name, "width": width, "height": height, "faces": int(ok),
                                "landmarks": np.round(lm, 2).reshape(-1).tolist() if ok else None}) + "\n")


def aligned_faces(clip: Clip, size: int, oversample: int = 4) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The clip's faces aligned to `size` crops: (faces (n, size, size, 3) float32 [0, 1], hull masks (n, size, size, 1)
    float32, frame indices (n,)). Cropped at `oversample` x size, then shrunk with area averaging (no aliasing)."""
    from .align import alignment_for, apply, rescaled, to_crop
    from .mask import hull_mask

    faces, masks, idx = [], [], []
    big = size * oversample
    for i in np.flatnonzero(clip.has_face):
        m = alignment_for(clip.landmarks[i], big)
        crop = cv2.resize(to_crop(clip.frames[i], m, big), (size, size), interpolation=cv2.INTER_AREA)
        faces.append(crop.astype(np.float32) / 255)
        masks.append(hull_mask(apply(rescaled(m, 1 / oversample), clip.landmarks[i]), size, size)[..., None])
        idx.append(i)
    if not faces:
        raise ValueError(f"no faces in {clip.id}")
    return np.stack(faces), np.stack(masks), np.asarray(idx)
