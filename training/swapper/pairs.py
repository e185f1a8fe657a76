"""Bookkeeping of swap/real pairs: the labels CSV and group-safe splits.

Labels CSV (.cache/swaps/labels.csv): path,label,source_identity,target_identity,pair_group
  - a swap:  path of the swapped clip, label fake, source = the person whose face was put in, target = the person in the
    clip, pair_group = the id of the real target clip (its frame range included);
  - its real: the same target frames encoded the same way, label real, source_identity = target_identity (the face shown
    is the target's own), the same pair_group.
Every swap of one target clip (from any source) shares the group of that clip's real half, so a split by pair_group
never puts a swap on one side and the real frames it was made from on the other.
"""
from __future__ import annotations

import csv
import fcntl
import hashlib
import os
from dataclasses import asdict, dataclass, fields

COLUMNS = ["path", "label", "source_identity", "target_identity", "pair_group"]


@dataclass(frozen=True)
class Row:
    path: str
    label: str  # "real" | "fake"
    source_identity: str
    target_identity: str
    pair_group: str


def pair_rows(swap_path: str, real_path: str, source_identity: str, target_identity: str, group: str) -> list[Row]:
    if source_identity == target_identity:
        raise ValueError("a swap needs two different people")
    return [Row(swap_path, "fake", source_identity, target_identity, group),
            Row(real_path, "real", target_identity, target_identity, group)]


def read_labels(path: str) -> list[Row]:
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return [Row(**{k: r[k] for k in COLUMNS}) for r in csv.DictReader(f)]


def write_labels(path: str, rows: list[Row]) -> None:
    """Writes rows, merged with what the file holds (one row per path; a new row replaces an old one). Holds an
    exclusive lock on `path`.lock while it reads and writes, so merges running in parallel lose no rows."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _write_labels(path, rows)


def _write_labels(path: str, rows: list[Row]) -> None:
    merged = {r.path: r for r in read_labels(path)}
    for r in rows:
        old = merged.get(r.path)
        if old is not None and old.label == "real" and r.label == "real" and old.pair_group != r.pair_group:
            raise ValueError(f"{r.path} is already the real half of group {old.pair_group}")
        merged[r.path] = r
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=[x.name for x in fields(Row)])
        w.writeheader()
        for r in sorted(merged.values(), key=lambda r: (r.pair_group, r.label != "real", r.path)):
            w.writerow(asdict(r))
    os.replace(tmp, path)


def split_of(group: str, val_fraction: float = 0.2, salt: str = "swaps") -> str:
    """'val' or 'train' for a pair group, by a hash of its name: stable, and a group is never cut."""
    h = int.from_bytes(hashlib.sha256(f"{salt}:{group}".encode()).digest()[:8], "big") / 2**64
    return "val" if h < val_fraction else "train"


def split(rows: list[Row], val_fraction: float = 0.2, salt: str = "swaps") -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = {"train": [], "val": []}
    for r in rows:
        out[split_of(r.pair_group, val_fraction, salt)].append(r)
    return out
