/**
 * Synthetic per-frame sequences for the challenge tests: a calm caller, head turns, a hand pass, leaning in, looking
 * up and down, and the ways a real-time swap breaks (face lost mid-turn while the head is in view, another identity
 * showing through). 5 frames a second, like the live sampler; times in seconds.
 */
import type { ChallengeFace, ChallengeSample } from '../../src/core/challenge/measures';
import type { Box } from '../../src/shared/types';
import { mulberry32 } from './fixtures/prng';

export const FPS = 5;
export const DT = 1 / FPS;
const DIM = 128;

/** A unit vector for one person's face-recognition embedding. */
export function person(seed: number): Float32Array {
  const r = mulberry32(seed);
  const v = new Float32Array(DIM);
  for (let i = 0; i < DIM; i++) v[i] = r() * 2 - 1;
  return normalise(v);
}

function normalise(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  return v.map((x) => x / n);
}

/** That person seen in one frame: the identity plus per-frame noise (same-person cosine about 0.95). */
export function seen(identity: Float32Array, frame: number): Float32Array {
  const r = mulberry32(frame * 7919 + 13);
  return normalise(identity.map((x) => x + (r() * 2 - 1) * 0.03));
}

export const ALICE = person(1);
export const MALLORY = person(2);

export const FACE_BOX: Box = { x: 0.4, y: 0.3, width: 0.2, height: 0.3 };

/** A calm, frontal, well-lit face of Alice; `frame` seeds the small jitter every number gets. */
export function face(frame: number, over: Partial<ChallengeFace> = {}): ChallengeFace {
  const r = mulberry32(frame + 1000);
  const j = (scale: number): number => (r() * 2 - 1) * scale;
  return {
    box: { ...FACE_BOX },
    yawDeg: j(3),
    pitchDeg: j(3),
    rollDeg: j(2),
    faceSizePx: 220,
    brightness: 120 + j(5),
    swapScore: 0.1 + j(0.03),
    boundaryStability: 0.9 + j(0.02),
    textureStability: 0.9 + j(0.02),
    embedding: seen(ALICE, frame),
    ...over,
  };
}

/** What one frame of a motion shows: the face's changes from calm (null: no face found), faces in view, hands. */
export interface FramePlan {
  face: Partial<ChallengeFace> | null;
  faceCount?: number;
  hands?: Box[] | null;
}

export interface Motion {
  seconds: number;
  at: (dt: number, frame: number) => FramePlan;
}

/** Frames of a motion starting at `from` (seconds), `DT` apart; frame ids follow from the time. */
export function framesOf(motion: Motion, from: number): ChallengeSample[] {
  const out: ChallengeSample[] = [];
  const n = Math.round(motion.seconds * FPS);
  for (let i = 0; i < n; i++) {
    const t = from + i * DT;
    const frameId = Math.round(t * FPS) + 100_000;
    const plan = motion.at(i * DT, frameId);
    const f = plan.face ? face(frameId, plan.face) : null;
    out.push({ t, frameId, faceCount: plan.faceCount ?? (f ? 1 : 0), face: f, hands: plan.hands === undefined ? [] : plan.hands });
  }
  return out;
}

export const calm = (seconds: number, over: Partial<ChallengeFace> = {}): Motion => ({ seconds, at: () => ({ face: { ...over } }) });

/** Piecewise-linear path through (time, value) points. */
export function path(points: readonly (readonly [number, number])[]): (t: number) => number {
  return (t) => {
    for (let i = 1; i < points.length; i++) {
      const [t0, v0] = points[i - 1] ?? [0, 0];
      const [t1, v1] = points[i] ?? [0, 0];
      if (t <= t1) return v0 + ((v1 - v0) * (t - t0)) / Math.max(1e-9, t1 - t0);
    }
    return points.at(-1)?.[1] ?? 0;
  };
}

/**
 * A slow head turn: to the person's left (negative yaw) up to `peakDeg`, back, to the right, back; 12 s. With
 * `loseAboveDeg`, the face is not found whenever the turn goes past that angle (the head still in the same place):
 * a swap whose face drops out mid-turn. With `other`, the face in the frontal frames of the way back shows another
 * identity.
 */
export function headTurn(peakDeg = 70, options: { loseAboveDeg?: number; other?: Float32Array; over?: Partial<ChallengeFace> } = {}): Motion {
  const yaw = path([
    [0, 0],
    [3, -peakDeg],
    [6, 0],
    [9, peakDeg],
    [12, 0],
  ]);
  return {
    seconds: 12,
    at: (dt, frame) => {
      const y = yaw(dt);
      if (options.loseAboveDeg !== undefined && Math.abs(y) > options.loseAboveDeg) return { face: null };
      const back = dt > 5 && dt < 7;
      return { face: { yawDeg: y, ...(back && options.other ? { embedding: seen(options.other, frame) } : {}), ...options.over } };
    },
  };
}

/** Looking up to `peakDeg` and down to -`peakDeg`; 8 s. */
export function lookUpDown(peakDeg = 30): Motion {
  const pitch = path([
    [0, 0],
    [2, peakDeg],
    [4, 0],
    [6, -peakDeg],
    [8, 0],
  ]);
  return { seconds: 8, at: (dt) => ({ face: { pitchDeg: pitch(dt) } }) };
}

/** Leaning in: the face's width goes from the calm 0.2 to `peakRatio` times that and back; 6 s. */
export function leanIn(peakRatio = 1.6): Motion {
  const ratio = path([
    [0, 1],
    [3, peakRatio],
    [6, 1],
  ]);
  return {
    seconds: 6,
    at: (dt) => {
      const k = ratio(dt);
      const width = FACE_BOX.width * k;
      const height = FACE_BOX.height * k;
      return { face: { box: { x: 0.5 - width / 2, y: 0.45 - height / 2, width, height }, faceSizePx: 220 * k } };
    },
  };
}

/**
 * A hand (a box as tall as the face) sweeping across the face box from left to right over 3 s, in a 4 s motion.
 * With `hidesFace`, the landmarker loses the face while the hand covers most of it, as it does on a real face.
 */
export function handPass(options: { hidesFace?: boolean } = {}): Motion {
  const x = path([
    [0, 0.05],
    [3, 0.75],
    [4, 0.95],
  ]);
  return {
    seconds: 4,
    at: (dt) => {
      const hand: Box = { x: x(dt), y: 0.28, width: 0.15, height: 0.35 };
      const overlap = Math.max(0, Math.min(hand.x + hand.width, FACE_BOX.x + FACE_BOX.width) - Math.max(hand.x, FACE_BOX.x)) / FACE_BOX.width;
      return { face: options.hidesFace && overlap >= 0.5 ? null : {}, hands: hand.x < 0.9 ? [hand] : [] };
    },
  };
}

/**
 * What a swap that paints the face over the hands gives the hand model (faceswap-GAN without its occlusion mask, the
 * e2e's painted-over clip): the caller's hands come up and stay over the face for 2 s, but the face is drawn over them,
 * so the hand model catches a half-visible hand only on single frames (every `every`-th one), never two in a row.
 */
export function paintedOverHands(every = 2): Motion {
  return {
    seconds: 4,
    at: (dt) => {
      const i = Math.round(dt * FPS);
      const handsUp = dt >= 1 && dt < 3;
      return { face: {}, hands: handsUp && i % every === 0 ? [{ x: FACE_BOX.x, y: FACE_BOX.y + FACE_BOX.height * 0.4, width: FACE_BOX.width, height: FACE_BOX.height * 0.6 }] : [] };
    },
  };
}
