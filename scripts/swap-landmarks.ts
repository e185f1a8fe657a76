/**
 * Per-frame landmarks in frame pixels for the swapper (training/swapper/landmarks.py runs this): every NNNNN.png in
 * --frames goes through the dataset tool page (scripts/face-tool, built into --tool), i.e. the extension's own engine,
 * and one JSON line per frame is written to --out: {frame, width, height, faces, landmarks (478 x,y) | null, pose,
 * error}.
 *
 *   npx tsx scripts/swap-landmarks.ts --tool DIR --frames DIR --out FILE.jsonl
 *   npx tsx scripts/swap-landmarks.ts --tool DIR --frames-root DIR --folders A,B,C   (writes DIR/A/landmarks.jsonl, ...)
 *
 * The second form landmarks many clips with one Chromium start (start-up and model load are most of a short clip's
 * time); each folder's file is written as soon as it is done, so an interrupted run keeps what it finished.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PageResult } from './face-tool/face-tool';
import { launchToolChromium } from './lib/chromium.mjs';
import { serveFolders } from './lib/static-server';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

function arg(name: string): string {
  const value = option(name);
  if (value === undefined) throw new Error(`missing --${name}`);
  return resolve(value);
}

const toolDir = arg('tool');
const folders = option('folders');
// One job per clip: the folder of its frames (served under /frames/<sub>/) and the file its landmarks go to.
const framesRoot = folders === undefined ? arg('frames') : arg('frames-root');
const jobs =
  folders === undefined
    ? [{ sub: '', out: arg('out') }]
    : folders.split(',').filter(Boolean).map((sub) => ({ sub: `${sub}/`, out: join(framesRoot, sub, 'landmarks.jsonl') }));
const mounts = { '/tool/': toolDir, '/engine-assets/': join(ROOT, 'public/engine-assets'), '/frames/': framesRoot };
for (const dir of Object.values(mounts)) if (!existsSync(dir)) throw new Error(`${dir} is missing`);
for (const job of jobs) if (!existsSync(join(framesRoot, job.sub))) throw new Error(`${join(framesRoot, job.sub)} is missing`);

const server = await serveFolders(mounts);
const browser = await launchToolChromium();
try {
  const page = await browser.newPage();
  await page.goto(`${server.origin}/tool/index.html`);
  await page.waitForFunction(() => (window as { toolReady?: boolean }).toolReady === true, null, { timeout: 120_000 });
  for (const job of jobs) {
    const frames = readdirSync(join(framesRoot, job.sub)).filter((f) => /^\d+\.png$/.test(f)).sort();
    const lines: string[] = [];
    const BATCH = 32;
    for (let i = 0; i < frames.length; i += BATCH) {
      const batch = frames.slice(i, i + BATCH);
      const results = await page.evaluate(
        (urls) => (window as unknown as { processImages(u: string[]): Promise<PageResult[]> }).processImages(urls),
        batch.map((f) => `/frames/${job.sub}${f}`),
      );
      results.forEach((r, k) => {
        const landmarks = r.face ? r.face.landmarksPx.map((v) => Math.round(v * 100) / 100) : null;
        lines.push(JSON.stringify({ frame: batch[k], width: r.width, height: r.height, faces: r.faces, landmarks, pose: r.face ? r.face.pose : null, error: r.error }));
      });
    }
    writeFileSync(job.out, lines.join('\n') + '\n');
    console.log(`${frames.length} frames, ${lines.filter((l) => !l.includes('"landmarks":null')).length} with a face -> ${job.out}`);
  }
} finally {
  await browser.close();
  server.close();
}
