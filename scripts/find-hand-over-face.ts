/**
 * Where, in a set of clips, does a hand pass over a face? For finding real footage of the caller check's hand pass
 * (issue 11): runs MediaPipe's face landmarker (the extension's bundle) and hand landmarker (scripts/build-hand-model.mjs)
 * in Debian's Chromium on frames of each clip, and reports the frames where hand landmarks lie over the face's box
 * (or where a face seen a moment ago is gone while a hand is where it was).
 *
 *   npx tsx scripts/find-hand-over-face.ts CLIP... [--fps 2] [--coverage]
 *
 * --coverage also prints, per frame, the share of the face box that the hands cover, measured as the caller check
 * measures it (core/hand-box.ts's box around the hand's joints, core/challenge/measures.ts's coverage).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { coverage } from '../src/core/challenge/measures';
import { handBox } from '../src/core/hand-box';
import { launchToolChromium } from './lib/chromium.mjs';
import { serveFolders } from './lib/static-server';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const fpsAt = process.argv.indexOf('--fps');
const fps = fpsAt > 0 ? Number(process.argv[fpsAt + 1]) : 2;
const clips = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && all[i - 1] !== '--fps');
const printCoverage = process.argv.includes('--coverage');
if (!clips.length || !(fps > 0)) {
  console.error('usage: npx tsx scripts/find-hand-over-face.ts CLIP... [--fps 2]');
  process.exit(2);
}
const handTask = join(ROOT, '.cache/hand-model/hand_landmarker.task');
if (!existsSync(handTask)) execFileSync(process.execPath, [join(ROOT, 'scripts/build-hand-model.mjs'), handTask], { stdio: 'inherit' });
const faceTask = join(ROOT, 'public/engine-assets/face_landmarker.task');
if (!existsSync(faceTask)) throw new Error('public/engine-assets/face_landmarker.task is missing: run `npm run models` first');

const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
import { FaceLandmarker, HandLandmarker } from '/tv/vision_bundle.mjs';
const fileset = { wasmLoaderPath: '/tv/wasm/vision_wasm_internal.js', wasmBinaryPath: '/tv/wasm/vision_wasm_internal.wasm' };
const buf = async (u) => new Uint8Array(await (await fetch(u)).arrayBuffer());
const face = await FaceLandmarker.createFromOptions(fileset, { baseOptions: { modelAssetBuffer: await buf('/face/face_landmarker.task'), delegate: 'CPU' }, runningMode: 'IMAGE', numFaces: 2 });
const hands = await HandLandmarker.createFromOptions(fileset, { baseOptions: { modelAssetBuffer: await buf('/hand/hand_landmarker.task'), delegate: 'CPU' }, runningMode: 'IMAGE', numHands: 2 });
const box = (pts) => { const xs = pts.map((p) => p.x), ys = pts.map((p) => p.y); return { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) }; };
window.run = async (files) => {
  const out = [];
  for (const f of files) {
    const img = new Image();
    img.src = '/frames/' + f;
    await img.decode();
    const fr = face.detect(img), hr = hands.detect(img);
    out.push({ frame: f, face: fr.faceLandmarks[0] ? box(fr.faceLandmarks[0]) : null, hands: hr.landmarks.map((l) => l.map((p) => [p.x, p.y])) });
  }
  return out;
};
window.ready = true;
</script>`;

type Box = { x0: number; y0: number; x1: number; y1: number };
type Row = { frame: string; face: Box | null; hands: [number, number][][] };

const browser = await launchToolChromium();
try {
  for (const clip of clips) {
    const work = mkdtempSync(join(tmpdir(), 'unmask-hof-'));
    writeFileSync(join(work, 'index.html'), PAGE);
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', clip, '-vf', `fps=${fps},scale='min(640,iw)':-2`, join(work, '%05d.png')]);
    const s = await serveFolders({ '/tv/': join(ROOT, 'node_modules/@mediapipe/tasks-vision'), '/face/': dirname(faceTask), '/hand/': dirname(handTask), '/frames/': work });
    const page = await browser.newPage();
    await page.goto(`${s.origin}/frames/index.html`);
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true, undefined, { timeout: 60_000 });
    const frames = readdirSync(work).filter((f) => f.endsWith('.png')).sort();
    const rows = await page.evaluate((f) => (window as unknown as { run: (f: string[]) => Promise<Row[]> }).run(f), frames);
    let lastFace: Box | null = null;
    const hits: string[] = [];
    rows.forEach((r, i) => {
      const ref = r.face ?? lastFace;
      if (ref) {
        const inside = Math.max(0, ...r.hands.map((h) => h.filter(([x, y]) => x > ref.x0 && x < ref.x1 && y > ref.y0 && y < ref.y1).length));
        if (inside >= 3) hits.push(`${(i / fps).toFixed(1)}s:${inside}${r.face ? '' : '(face gone)'}`);
      }
      if (r.face) lastFace = r.face;
    });
    if (printCoverage) {
      const shares = rows.map((r, i) => {
        if (!r.face) return `${(i / fps).toFixed(1)}s:-`;
        const faceBox = { x: r.face.x0, y: r.face.y0, width: r.face.x1 - r.face.x0, height: r.face.y1 - r.face.y0 };
        const boxes = r.hands.map((h) => handBox(h.map(([x, y]) => ({ x, y })))).filter((b) => b !== null);
        return `${(i / fps).toFixed(1)}s:${Math.round(coverage(faceBox, boxes) * 100)}%`;
      });
      console.log(`  coverage of the face box: ${shares.join(' ')}`);
    }
    console.log(`${basename(dirname(dirname(clip)))}/${basename(dirname(clip))}/${basename(clip)}\t${rows.length} frames\tfaces ${rows.filter((r) => r.face).length}\thands ${rows.filter((r) => r.hands.length).length}\thand over face: ${hits.length ? hits.join(' ') : '-'}`);
    await page.close();
    s.close();
    rmSync(work, { recursive: true, force: true });
  }
} finally {
  await browser.close();
}
