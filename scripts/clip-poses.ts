/**
 * What a clip's head does, frame by frame, through the extension's own landmarker: time, faces found, yaw, pitch,
 * face box (normalised) for frames at --fps. Used to find and check the real head turns the caller-verification
 * tests and benchmark play (tests/e2e/support/challenge-clips.ts), and handy on any clip.
 *
 *   npx tsx scripts/clip-poses.ts CLIP [--fps 5] [--json OUT]
 *
 * Usable as a module: `clipPoses(clip, fps)`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchToolChromium } from './lib/chromium.mjs';
import { serveFolders } from './lib/static-server';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface FramePose {
  t: number;
  faces: number;
  yawDeg: number | null;
  pitchDeg: number | null;
  /** Landmark bounds, normalised to the frame. */
  box: { x: number; y: number; width: number; height: number } | null;
}

interface ToolResult {
  width: number;
  height: number;
  faces: number;
  face: { pose: { yawDeg: number; pitchDeg: number }; landmarksPx: number[] } | null;
}

export async function clipPoses(clip: string, fps = 5): Promise<FramePose[]> {
  const tool = join(ROOT, '.cache/face-tool');
  if (!existsSync(join(tool, 'index.html'))) execFileSync('npx', ['vite', 'build', '--config', 'scripts/face-tool/vite.config.ts'], { cwd: ROOT, stdio: 'ignore' });
  const work = mkdtempSync(join(tmpdir(), 'unmask-poses-'));
  const server = await serveFolders({ '/tool/': tool, '/engine-assets/': join(ROOT, 'public/engine-assets'), '/work/': work });
  const browser = await launchToolChromium();
  try {
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', clip, '-vf', `fps=${fps}`, join(work, '%05d.png')]);
    const files = readdirSync(work).filter((f) => f.endsWith('.png')).sort();
    const page = await browser.newPage();
    await page.goto(`${server.origin}/tool/index.html`);
    await page.waitForFunction(() => (window as unknown as { toolReady?: boolean }).toolReady === true);
    const out: FramePose[] = [];
    for (let i = 0; i < files.length; i += 48) {
      const batch = files.slice(i, i + 48);
      const results = await page.evaluate((urls) => (window as unknown as { processImages: (u: string[]) => Promise<ToolResult[]> }).processImages(urls), batch.map((f) => `/work/${f}`));
      results.forEach((r, k) => {
        const t = (i + k) / fps;
        if (!r.face) {
          out.push({ t, faces: r.faces, yawDeg: null, pitchDeg: null, box: null });
          return;
        }
        const xs = r.face.landmarksPx.filter((_, j) => j % 2 === 0);
        const ys = r.face.landmarksPx.filter((_, j) => j % 2 === 1);
        const x0 = Math.min(...xs) / r.width;
        const y0 = Math.min(...ys) / r.height;
        out.push({ t, faces: r.faces, yawDeg: r.face.pose.yawDeg, pitchDeg: r.face.pose.pitchDeg, box: { x: x0, y: y0, width: Math.max(...xs) / r.width - x0, height: Math.max(...ys) / r.height - y0 } });
      });
    }
    return out;
  } finally {
    await browser.close();
    server.close();
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const clip = args.find((a) => !a.startsWith('--') && args[args.indexOf(a) - 1] !== '--fps' && args[args.indexOf(a) - 1] !== '--json');
  if (!clip) throw new Error('usage: npx tsx scripts/clip-poses.ts CLIP [--fps 5] [--json OUT]');
  const fpsAt = args.indexOf('--fps');
  const jsonAt = args.indexOf('--json');
  const poses = await clipPoses(resolve(clip), fpsAt >= 0 ? Number(args[fpsAt + 1]) : 5);
  if (jsonAt >= 0 && args[jsonAt + 1]) writeFileSync(args[jsonAt + 1]!, JSON.stringify(poses));
  for (const p of poses) console.log(`${p.t.toFixed(1)}\t${p.faces}\t${p.yawDeg?.toFixed(0) ?? '-'}\t${p.pitchDeg?.toFixed(0) ?? '-'}\t${p.box ? p.box.width.toFixed(3) : '-'}`);
}
