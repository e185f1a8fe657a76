/**
 * Does the hand bundle (scripts/build-hand-model.mjs) find hands? Runs MediaPipe's HandLandmarker (tasks-vision, CPU,
 * IMAGE mode, up to 2 hands) in Debian's Chromium on frames of a clip and prints, per frame, the hands found, their
 * handedness score and wrist position, then a summary.
 *
 *   npx tsx scripts/check-hand-model.ts CLIP [--fps 1] [--width 512]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchToolChromium } from './lib/chromium.mjs';
import { serveFolders } from './lib/static-server';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const clip = process.argv[2];
if (!clip || clip.startsWith('--') || !existsSync(clip)) {
  console.error('usage: npx tsx scripts/check-hand-model.ts CLIP [--fps 1] [--width 512]');
  process.exit(2);
}
const task = join(ROOT, '.cache/hand-model/hand_landmarker.task');
if (!existsSync(task)) execFileSync(process.execPath, [join(ROOT, 'scripts/build-hand-model.mjs'), task], { stdio: 'inherit' });

const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
import { HandLandmarker } from '/tv/vision_bundle.mjs';
window.run = async (files) => {
  const fileset = { wasmLoaderPath: '/tv/wasm/vision_wasm_internal.js', wasmBinaryPath: '/tv/wasm/vision_wasm_internal.wasm' };
  const modelAssetBuffer = new Uint8Array(await (await fetch('/model/hand_landmarker.task')).arrayBuffer());
  const hands = await HandLandmarker.createFromOptions(fileset, { baseOptions: { modelAssetBuffer, delegate: 'CPU' }, runningMode: 'IMAGE', numHands: 2 });
  const out = [];
  for (const f of files) {
    const img = new Image();
    img.src = '/frames/' + f;
    await img.decode();
    const t = performance.now();
    const r = hands.detect(img);
    out.push({ frame: f, ms: Math.round(performance.now() - t), hands: r.landmarks.map((l, i) => ({ side: r.handedness[i]?.[0]?.categoryName, score: +(r.handedness[i]?.[0]?.score ?? 0).toFixed(2), wrist: [+l[0].x.toFixed(2), +l[0].y.toFixed(2)] })) });
  }
  return out;
};
window.ready = true;
</script>`;

const work = mkdtempSync(join(tmpdir(), 'unmask-hands-'));
writeFileSync(join(work, 'index.html'), PAGE);
execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', clip, '-vf', `fps=${arg('fps', '1')},scale=${arg('width', '512')}:-2`, join(work, '%05d.png')]);
const server = await serveFolders({ '/tv/': join(ROOT, 'node_modules/@mediapipe/tasks-vision'), '/model/': dirname(task), '/frames/': work });
const browser = await launchToolChromium();
try {
  const page = await browser.newPage();
  await page.goto(`${server.origin}/frames/index.html`);
  await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
  const frames = readdirSync(work).filter((f) => f.endsWith('.png')).sort();
  type Row = { frame: string; ms: number; hands: { side: string; score: number; wrist: [number, number] }[] };
  const rows = await page.evaluate((f) => (window as unknown as { run: (f: string[]) => Promise<Row[]> }).run(f), frames);
  for (const r of rows) console.log(`${r.frame}\t${r.ms} ms\t${r.hands.length} hand(s)\t${r.hands.map((h) => `${h.side} ${h.score} wrist ${h.wrist.join(',')}`).join('; ')}`);
  const withHands = rows.filter((r) => r.hands.length > 0).length;
  const ms = rows.slice(1).map((r) => r.ms).sort((a, b) => a - b);
  console.log(`${clip}: hands found in ${withHands} of ${rows.length} frames; detect median ${ms[Math.floor(ms.length / 2)] ?? '-'} ms (first call excluded)`);
} finally {
  await browser.close();
  server.close();
  rmSync(work, { recursive: true, force: true });
}
