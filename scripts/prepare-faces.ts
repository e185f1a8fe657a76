/**
 * Makes the detector's training and development crops from a face data folder, with the extension's own engine
 * (MediaPipe landmarker in Chromium) and the same alignment and crop code that runs in a call.
 *
 *   npm run faces -- --data ../shared/data --out .cache/faces [--sets dfdc,lfw,dfl] [--fps 10] [--limit N]
 *
 * Reads (never writes) the data folder:
 *   dfdc/{train,dev}/labels.csv + images   (file,label,group,...)
 *   real-faces/lfw/<person>/*.jpg           (real; people split into train/dev by a hash of their name)
 *   dfl/{real,fake}/<clip>.mp4              (only with --sets dfl: frames at --fps, decoded by ffmpeg into
 *                                            <out>/_frames; split "clips", group = the clip name, which a fake shares
 *                                            with its real source)
 *   more/labels.csv + more/<tool>/{real,fake}/* (only with --sets more: split = tool folder, group = pair_group;
 *                                            clips as frames at --fps)
 *   talking-heads/*.mp4                     (only with --sets talking: real, split "clips", group = the clip)
 * and, outside the data folder, our own swaps (issue 13):
 *   --swaps FILE (training/swapper's labels.csv; only with --sets swaps): every swap and its real target clip,
 *                                            frames at --fps; split "ours", group = pair_group (a swap and the real
 *                                            frames it was made from share it)
 * Writes under --out, per set and split: <label>/<name>.png (aligned 128x128 crops) and manifest.jsonl, one line per
 * source image: {png, source, label, group, faces, pose, quality, landmarks, landmarksPx} (landmarks: 478 x,y in crop
 * pixels; landmarksPx: the same points in the source frame's pixels, which the swapper in training/swapper needs),
 * or {source, label, group, faces: 0, error?} when no face was found. Re-running skips images already done.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchToolChromium } from './lib/chromium.mjs';
import type { PageResult } from './face-tool/face-tool';
import { serveFolders } from './lib/static-server';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const value = i > 0 ? process.argv[i + 1] : fallback;
  if (value === undefined) throw new Error(`missing --${name}`);
  return value;
}

const dataDir = resolve(arg('data'));
const outDir = resolve(arg('out', join(ROOT, '.cache/faces')));
const sets = arg('sets', 'dfdc,lfw').split(',');
const limit = Number(arg('limit', '0')) || Infinity;
if (!existsSync(dataDir)) throw new Error(`no data folder at ${dataDir}`);

interface Item {
  set: string;
  split: string;
  label: 'real' | 'fake';
  group: string;
  /** Path relative to the data folder (for a video frame: the clip's path, then `#t=<seconds>`). */
  source: string;
  /** Where the tool page fetches the image, when it is not the source itself: /frames/... */
  url?: string;
}

/** A labels CSV as rows keyed by column name (plain comma-separated, no quoting: the data's CSVs and ours are). */
function readCsv(path: string): Record<string, string | undefined>[] {
  const [header, ...rows] = readFileSync(path, 'utf8').trim().split(/\r?\n/);
  const cols = (header ?? '').split(',');
  return rows.map((row) => {
    const f = row.split(',');
    return Object.fromEntries(cols.map((c, i) => [c, f[i]]));
  });
}

function dfdcItems(): Item[] {
  const items: Item[] = [];
  for (const split of ['train', 'dev']) {
    const csv = join(dataDir, 'dfdc', split, 'labels.csv');
    if (!existsSync(csv)) continue;
    for (const r of readCsv(csv)) {
      const label = r.label;
      if (label !== 'real' && label !== 'fake') continue;
      items.push({ set: 'dfdc', split, label, group: r.group ?? '', source: `dfdc/${split}/${r.file}` });
    }
  }
  return items;
}

function lfwItems(): Item[] {
  const base = join(dataDir, 'real-faces', 'lfw');
  if (!existsSync(base)) return [];
  const items: Item[] = [];
  for (const person of readdirSync(base).sort()) {
    // 1 person in 8 goes to dev, by a hash of the name: stable, and no person in both splits.
    const split = (createHash('sha256').update(person).digest()[0] ?? 0) % 8 === 0 ? 'dev' : 'train';
    for (const file of readdirSync(join(base, person)).sort())
      if (/\.(jpe?g|png)$/i.test(file)) items.push({ set: 'lfw', split, label: 'real', group: person, source: `real-faces/lfw/${person}/${file}` });
  }
  return items;
}

const framesDir = join(outDir, '_frames');

/** Frames of the DeepFaceLive clips at --fps (PNG, lossless), extracted once by ffmpeg. */
function dflItems(): Item[] {
  const items: Item[] = [];
  for (const label of ['real', 'fake'] as const) {
    const base = join(dataDir, 'dfl', label);
    if (!existsSync(base)) continue;
    for (const file of readdirSync(base).sort()) {
      if (!/\.(mp4|webm|mov)$/i.test(file)) continue;
      const clip = file.replace(/\.[^.]+$/, '');
      for (const [frame, t] of clipFrames(join(base, file), `dfl/${label}/${clip}`))
        items.push({ set: 'dfl', split: 'clips', label, group: clip, source: `dfl/${label}/${file}#t=${t}`, url: `/frames/dfl/${label}/${clip}/${frame}` });
    }
  }
  return items;
}

/** Frames of one clip at --fps, extracted once by ffmpeg into _frames/<key>; returns [frame file, seconds] pairs. */
function clipFrames(clipPath: string, key: string): Array<[string, string]> {
  const fps = Number(arg('fps', '10'));
  const dir = join(framesDir, key);
  if (!existsSync(join(dir, 'done'))) {
    mkdirSync(dir, { recursive: true });
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', clipPath, '-vf', `fps=${fps}`, join(dir, '%05d.png')]);
    writeFileSync(join(dir, 'done'), `${fps}\n`);
  }
  const clipFps = Number(readFileSync(join(dir, 'done'), 'utf8').trim()) || fps;
  return readdirSync(dir).filter((f) => f.endsWith('.png')).sort().map((f) => [f, ((Number(f.slice(0, 5)) - 1) / clipFps).toFixed(3)]);
}

/**
 * `more/`: every file of `more/labels.csv`. split = the tool folder (ghost, ff-deepfakes, ...), so a tool can be left
 * out by its split; group = the pair_group (a fake and its real original share it; the faceswap-GAN clips are one
 * group, one source video, as the folder's README asks); stills as they are, clips as frames at --fps.
 */
function moreItems(): Item[] {
  const csv = join(dataDir, 'more', 'labels.csv');
  if (!existsSync(csv)) return [];
  const items: Item[] = [];
  for (const r of readCsv(csv)) {
    const path = r.path ?? '';
    const label = r.label;
    if (label !== 'real' && label !== 'fake') continue;
    const tool = path.split('/')[0] ?? '';
    const group = tool === 'faceswap-gan' ? 'faceswap-gan' : (r.pair_group || path);
    if (/\.(jpe?g|png)$/i.test(path)) {
      items.push({ set: 'more', split: tool, label, group, source: `more/${path}` });
      continue;
    }
    const key = `more/${path.replace(/\.[^.]+$/, '')}`;
    for (const [frame, t] of clipFrames(join(dataDir, 'more', path), key))
      items.push({ set: 'more', split: tool, label, group, source: `more/${path}#t=${t}`, url: `/frames/${key}/${frame}` });
  }
  return items;
}

/**
 * Our swaps (training/swapper, `.cache/swaps/labels.csv`: path,label,source_identity,target_identity,pair_group,
 * paths relative to the CSV): every clip as frames at --fps, split "ours", group = pair_group.
 */
function swapItems(): Item[] {
  const csv = resolve(arg('swaps', join(ROOT, '.cache/swaps/labels.csv')));
  if (!existsSync(csv)) throw new Error(`--sets swaps: no labels at ${csv} (run training/swapper first)`);
  const items: Item[] = [];
  for (const r of readCsv(csv)) {
    const path = r.path ?? '';
    const label = r.label;
    const group = r.pair_group ?? '';
    if ((label !== 'real' && label !== 'fake') || !path || !group) continue;
    const key = `swaps/${path.replace(/\.[^.]+$/, '').replace(/[^A-Za-z0-9_.-]+/g, '_')}`;
    for (const [frame, t] of clipFrames(join(dirname(csv), path), key))
      items.push({ set: 'swaps', split: 'ours', label, group, source: `swaps/${path}#t=${t}`, url: `/frames/${key}/${frame}` });
  }
  return items;
}

/** `talking-heads/*.mp4`: real people talking to a camera; group = the clip. */
function talkingItems(): Item[] {
  const base = join(dataDir, 'talking-heads');
  if (!existsSync(base)) return [];
  const items: Item[] = [];
  for (const file of readdirSync(base).sort()) {
    if (!/\.(mp4|webm|mov)$/i.test(file)) continue;
    const clip = file.replace(/\.[^.]+$/, '');
    for (const [frame, t] of clipFrames(join(base, file), `talking-heads/${clip}`))
      items.push({ set: 'talking', split: 'clips', label: 'real', group: clip, source: `talking-heads/${file}#t=${t}`, url: `/frames/talking-heads/${clip}/${frame}` });
  }
  return items;
}

const all = [
  ...(sets.includes('dfdc') ? dfdcItems() : []),
  ...(sets.includes('lfw') ? lfwItems() : []),
  ...(sets.includes('dfl') ? dflItems() : []),
  ...(sets.includes('more') ? moreItems() : []),
  ...(sets.includes('talking') ? talkingItems() : []),
  ...(sets.includes('swaps') ? swapItems() : []),
];
const manifestPath = (item: Item): string => join(outDir, item.set, item.split, 'manifest.jsonl');
const done = new Set<string>();
for (const path of new Set(all.map(manifestPath)))
  if (existsSync(path)) for (const line of readFileSync(path, 'utf8').split('\n')) if (line) done.add((JSON.parse(line) as { source: string }).source);
const todo = all.filter((i) => !done.has(i.source)).slice(0, limit);
console.log(`${all.length} images in ${sets.join(', ')}; ${done.size} already done; processing ${todo.length}`);

mkdirSync(framesDir, { recursive: true });
const MOUNTS: Record<string, string> = { '/tool/': join(ROOT, '.cache/face-tool'), '/engine-assets/': join(ROOT, 'public/engine-assets'), '/data/': dataDir, '/frames/': framesDir };
for (const dir of Object.values(MOUNTS)) if (!existsSync(dir)) throw new Error(`${dir} is missing: run \`npm run faces:build\` (and \`npm run models\`) first`);
const server = await serveFolders(MOUNTS);
const origin = server.origin;
const browser = await launchToolChromium();
const started = Date.now();
let found = 0;
try {
  const page = await browser.newPage();
  await page.goto(`${origin}/tool/index.html`);
  await page.waitForFunction(() => (window as unknown as { toolReady?: boolean }).toolReady === true);
  const BATCH = 48;
  for (let i = 0; i < todo.length; i += BATCH) {
    const batch = todo.slice(i, i + BATCH);
    const results = await page.evaluate(
      (urls) => (window as unknown as { processImages: (u: string[]) => Promise<PageResult[]> }).processImages(urls),
      batch.map((item) => item.url ?? `/data/${item.source.split('/').map(encodeURIComponent).join('/')}`),
    );
    results.forEach((r, k) => {
      const item = batch[k]!;
      const record: Record<string, unknown> = { source: item.source, label: item.label, group: item.group, faces: r.faces, width: r.width, height: r.height };
      if (r.error) record.error = r.error;
      if (r.face) {
        // A frame is named after its clip (the folder it was extracted to), never after the group: several swaps share one.
        const name = item.url ? item.url.split('/').slice(-2).join('-').replace(/\.png$/, '') : item.source.replace(/^.*\//, '').replace(/\.[^.]+$/, '');
        const png = join(item.label, `${item.set === 'lfw' ? `${item.group}__` : ''}${name}.png`);
        const dir = join(outDir, item.set, item.split, item.label);
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(outDir, item.set, item.split, png), Buffer.from(r.face.pngBase64, 'base64'));
        Object.assign(record, { png, pose: r.face.pose, quality: r.face.quality, landmarks: r.face.alignedLandmarks, landmarksPx: r.face.landmarksPx });
        found++;
      }
      mkdirSync(dirname(manifestPath(item)), { recursive: true });
      appendFileSync(manifestPath(item), `${JSON.stringify(record)}\n`);
    });
    const n = Math.min(i + BATCH, todo.length);
    const rate = n / ((Date.now() - started) / 1000);
    process.stdout.write(`\r${n}/${todo.length} images, ${found} faces, ${rate.toFixed(1)} images/s, ${Math.round((todo.length - n) / rate)} s left   `);
  }
} finally {
  await browser.close();
  server.close();
}
console.log(`\ndone: ${found} faces from ${todo.length} images in ${Math.round((Date.now() - started) / 1000)} s -> ${outDir}`);
