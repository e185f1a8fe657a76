/**
 * Per-frame landmarks in frame pixels for the swapper (training/swapper/landmarks.py runs this): every NNNNN.png in
 * --frames goes through the dataset tool page (scripts/face-tool, built into --tool), i.e. the extension's own engine,
 * and one JSON line per frame is written to --out: {frame, width, height, faces, landmarks (478 x,y) | null, pose,
 * error}.
 *
 *   npx tsx scripts/swap-landmarks.ts --tool DIR --frames DIR --out FILE.jsonl
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PageResult } from './face-tool/face-tool';
import { launchToolChromium } from './lib/chromium.mjs';
import { serveFolders } from './lib/static-server';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function arg(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const value = i > 0 ? process.argv[i + 1] : undefined;
  if (value === undefined) throw new Error(`missing --${name}`);
  return resolve(value);
}

const toolDir = arg('tool');
const framesDir = arg('frames');
const outPath = arg('out');
const mounts = { '/tool/': toolDir, '/engine-assets/': join(ROOT, 'public/engine-assets'), '/frames/': framesDir };
for (const dir of Object.values(mounts)) if (!existsSync(dir)) throw new Error(`${dir} is missing`);

const server = await serveFolders(mounts);
const frames = readdirSync(framesDir).filter((f) => /^\d+\.png$/.test(f)).sort();
const browser = await launchToolChromium();
const lines: string[] = [];
try {
  const page = await browser.newPage();
  await page.goto(`${server.origin}/tool/index.html`);
  await page.waitForFunction(() => (window as { toolReady?: boolean }).toolReady === true, null, { timeout: 120_000 });
  const BATCH = 32;
  for (let i = 0; i < frames.length; i += BATCH) {
    const batch = frames.slice(i, i + BATCH);
    const results = await page.evaluate(
      (urls) => (window as unknown as { processImages(u: string[]): Promise<PageResult[]> }).processImages(urls),
      batch.map((f) => `/frames/${f}`),
    );
    results.forEach((r, k) => {
      const landmarks = r.face ? r.face.landmarksPx.map((v) => Math.round(v * 100) / 100) : null;
      lines.push(JSON.stringify({ frame: batch[k], width: r.width, height: r.height, faces: r.faces, landmarks, pose: r.face ? r.face.pose : null, error: r.error }));
    });
  }
} finally {
  await browser.close();
  server.close();
}
writeFileSync(outPath, lines.join('\n') + '\n');
console.log(`${frames.length} frames, ${lines.filter((l) => !l.includes('"landmarks":null')).length} with a face -> ${outPath}`);
