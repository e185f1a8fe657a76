"""Per-frame face landmarks in FRAME pixels, from the extension's own engine (MediaPipe landmarker in Chromium).

`npm run faces` (scripts/prepare-faces.ts) records landmarks in aligned-crop pixels only, and a crop's landmarks cannot
be taken back to the frame: the crop is the frame under a similarity chosen to fit the landmarks, so any similarity of
the frame gives the same crop landmarks. Its tool page (scripts/face-tool) already answers `landmarksPx` (478 x,y in the
image's pixels) per image; prepare-faces now records it too (`landmarksPx`), but the swapper works on its own decoded
frames, so it drives the same tool page itself through scripts/swap-landmarks.ts (run with tsx).

Needs: Debian's Chromium (/usr/bin/chromium), node_modules (playwright-core), public/engine-assets, and the tool page
built into .cache/swaps/face-tool (`build_tool()` runs vite for it, ~3 s).
"""
from __future__ import annotations

import json
import os
import subprocess

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TOOL_DIR = os.path.join(ROOT, ".cache", "swaps", "face-tool")


def build_tool(out_dir: str = TOOL_DIR) -> str:
    """Builds the dataset tool page (scripts/face-tool) into `out_dir` (not the shared .cache/face-tool)."""
    if not os.path.exists(os.path.join(out_dir, "index.html")):
        subprocess.run(["npx", "vite", "build", "--config", "scripts/face-tool/vite.config.ts", "--outDir", out_dir,
                        "--emptyOutDir", "--logLevel", "warn"], cwd=ROOT, check=True)
    return out_dir


def run_landmarker(frames_dir: str, out_path: str, tool_dir: str = TOOL_DIR) -> list[dict]:
    """Landmarks for every NNNNN.png in `frames_dir`: a list of {frame, width, height, faces, landmarks (478, 2) | None}."""
    build_tool(tool_dir)
    subprocess.run(["npx", "tsx", "scripts/swap-landmarks.ts", "--tool", tool_dir, "--frames", frames_dir, "--out", out_path],
                   cwd=ROOT, check=True)
    return read_landmarks(out_path)


def read_landmarks(path: str) -> list[dict]:
    import numpy as np

    rows = []
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            r = json.loads(line)
            lm = r.get("landmarks")
            r["landmarks"] = None if lm is None else np.asarray(lm, np.float32).reshape(-1, 2)
            rows.append(r)
    return rows
