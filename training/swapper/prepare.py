"""Decodes and landmarks every clip of the roster (roster.py) once: sources' first SOURCE_SECONDS, targets' first
TARGET_SECONDS, into .cache/swaps/clips/<clip id>@0+<s>s/ (frames + landmarks.jsonl), with ONE Chromium start for all
the clips that still lack landmarks (scripts/swap-landmarks.ts --folders).

    /usr/bin/python3 -m training.swapper.prepare --data ../shared/data
"""
from __future__ import annotations

import argparse
import os
import subprocess
import time

from .faces import CACHE, clip_id, extract_frames, load_clip
from .landmarks import ROOT, TOOL_DIR, build_tool
from .roster import SOURCE_SECONDS, SOURCES, TARGET_SECONDS, TARGETS


def folder_of(data: str, rel: str, seconds: float, cache: str = CACHE) -> str:
    """The clip folder load_clip(..., seconds=seconds) uses."""
    return os.path.join(cache, "clips", clip_id(os.path.join(data, rel), data) + f"@0+{seconds:g}s")


def roster_clips() -> list[tuple[str, float]]:
    return [(s, SOURCE_SECONDS) for s in SOURCES] + [(t, TARGET_SECONDS) for t in TARGETS]


def prepare(data: str, cache: str = CACHE) -> None:
    todo = []
    for rel, seconds in roster_clips():
        folder = folder_of(data, rel, seconds, cache)
        extract_frames(os.path.join(data, rel), folder, None, seconds)
        if not os.path.exists(os.path.join(folder, "landmarks.jsonl")):
            todo.append(os.path.basename(folder))
    if todo:
        build_tool(TOOL_DIR)
        t0 = time.time()
        subprocess.run(["npx", "tsx", "scripts/swap-landmarks.ts", "--tool", TOOL_DIR, "--frames-root",
                        os.path.join(cache, "clips"), "--folders", ",".join(todo)], cwd=ROOT, check=True)
        print(f"landmarks for {len(todo)} clips in {time.time() - t0:.0f} s")
    for rel, seconds in roster_clips():
        clip = load_clip(os.path.join(data, rel), data, seconds=seconds, cache=cache)
        print(f"{clip.id}: {len(clip)} frames, {int(clip.has_face.sum())} with a face")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.environ.get("UNMASK_DATA", "../shared/data"))
    a = ap.parse_args()
    prepare(a.data)


if __name__ == "__main__":
    main()
