"""Per-frame face landmarks in FRAME pixels, from the extension's own engine (MediaPipe landmarker in Chromium).

`npm run faces` (scripts/prepare-faces.ts) records landmarks in aligned-crop pixels only, and a crop's landmarks cannot
be taken back to the frame: the crop is the frame under a similarity chosen to fit the landmarks, so any similarity of
the frame gives the same crop landmarks. Its tool page (scripts/face-tool) already answers `landmarksPx` (478 x,y in the
image's pixels) per image, and prepare-faces drops it. Until prepare-faces records it (one line:
`landmarksPx: r.face.landmarksPx` in its manifest record), the swapper drives the same tool page itself with the small
Node driver below. The driver is kept here as text and written under .cache/swaps/ when it runs, because a .mjs file
under training/ would be linted by the project's type-aware ESLint, whose tsconfig does not include training/.

Needs: Debian's Chromium (/usr/bin/chromium), node_modules (playwright-core), public/engine-assets, and the tool page
built into .cache/swaps/face-tool (`build_tool()` runs vite for it, ~3 s).
"""
from __future__ import annotations

import json
import os
import subprocess

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TOOL_DIR = os.path.join(ROOT, ".cache", "swaps", "face-tool")

DRIVER_JS = r"""import { createReadStream, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { launchToolChromium } from '__CHROMIUM_LIB__';

const ROOT = '__ROOT__';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  const value = i > 0 ? process.argv[i + 1] : fallback;
  if (value === undefined) throw new Error(`missing --${name}`);
  return value;
}

const toolDir = resolve(arg('tool', join(ROOT, '.cache/swaps/face-tool')));
const framesDir = resolve(arg('frames'));
const outPath = resolve(arg('out'));
const mounts = { '/tool/': toolDir, '/engine-assets/': join(ROOT, 'public/engine-assets'), '/frames/': framesDir };
for (const dir of Object.values(mounts)) if (!existsSync(dir)) throw new Error(`${dir} is missing`);

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.png': 'image/png' };
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  for (const [prefix, dir] of Object.entries(mounts)) {
    if (!url.pathname.startsWith(prefix)) continue;
    const file = resolve(dir, decodeURIComponent(url.pathname.slice(prefix.length)) || 'index.html');
    if (file.startsWith(dir + sep) && existsSync(file)) {
      res.writeHead(200, { 'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream' });
      createReadStream(file).pipe(res);
      return;
    }
  }
  res.writeHead(404).end();
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const origin = `http://127.0.0.1:${server.address().port}`;

const frames = readdirSync(framesDir).filter((f) => /^\d+\.png$/.test(f)).sort();
const browser = await launchToolChromium();
const lines = [];
try {
  const page = await browser.newPage();
  await page.goto(`${origin}/tool/index.html`);
  await page.waitForFunction(() => window.toolReady === true, null, { timeout: 120000 });
  const BATCH = 32;
  for (let i = 0; i < frames.length; i += BATCH) {
    const batch = frames.slice(i, i + BATCH);
    const results = await page.evaluate((urls) => window.processImages(urls), batch.map((f) => `/frames/${f}`));
    results.forEach((r, k) => {
      const lm = r.face ? r.face.landmarksPx.map((v) => Math.round(v * 100) / 100) : null;
      lines.push(JSON.stringify({ frame: batch[k], width: r.width, height: r.height, faces: r.faces, landmarks: lm, pose: r.face ? r.face.pose : null, error: r.error }));
    });
  }
} finally {
  await browser.close();
  server.close();
}
writeFileSync(outPath, lines.join('\n') + '\n');
console.log(`${frames.length} frames, ${lines.filter((l) => !l.includes('"landmarks":null')).length} with a face -> ${outPath}`);
"""


def build_tool(out_dir: str = TOOL_DIR) -> str:
    """Builds the dataset tool page (scripts/face-tool) into `out_dir` (not the shared .cache/face-tool)."""
    if not os.path.exists(os.path.join(out_dir, "index.html")):
        subprocess.run(["npx", "vite", "build", "--config", "scripts/face-tool/vite.config.ts", "--outDir", out_dir,
                        "--emptyOutDir", "--logLevel", "warn"], cwd=ROOT, check=True)
    return out_dir


def run_landmarker(frames_dir: str, out_path: str, tool_dir: str = TOOL_DIR) -> list[dict]:
    """Landmarks for every NNNNN.png in `frames_dir`: a list of {frame, width, height, faces, landmarks (478, 2) | None}."""
    build_tool(tool_dir)
    driver = os.path.join(ROOT, ".cache", "swaps", "landmarks-driver.mjs")
    os.makedirs(os.path.dirname(driver), exist_ok=True)
    with open(driver, "w") as f:
        f.write(DRIVER_JS.replace("__CHROMIUM_LIB__", os.path.join(ROOT, "scripts", "lib", "chromium.mjs"))
                .replace("__ROOT__", ROOT))
    subprocess.run(["node", driver, "--tool", tool_dir, "--frames", frames_dir, "--out", out_path], cwd=ROOT, check=True)
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
