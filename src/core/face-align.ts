/**
 * Face alignment for the face-swap detector: a similarity transform (rotation, uniform scale, translation) that puts
 * five landmarks (eye centres, nose tip, mouth corners) at fixed places in a square crop, with enough context around
 * the face to see the blend boundary of a swap (forehead, jaw line, cheeks, some hair and background).
 *
 * The same function aligns faces for training (`scripts/prepare-faces.ts`, in the browser, through the engine) and in
 * the engine at run time, so the model always sees faces placed exactly as it learned them.
 */
import type { Point2 } from '../shared/types';

/** Side of the aligned crop, in pixels: the detector's input size. */
export const ALIGNED_SIZE = 128;

/**
 * The five reference points in a 112-px crop (the widely used ArcFace template), in order: image-left eye,
 * image-right eye, nose tip, image-left mouth corner, image-right mouth corner.
 */
const TEMPLATE_112: readonly Point2[] = [
  { x: 38.2946, y: 51.6963 },
  { x: 73.5318, y: 51.5014 },
  { x: 56.0252, y: 71.7366 },
  { x: 41.5493, y: 92.3655 },
  { x: 70.7299, y: 92.2041 },
];

/**
 * Where the template goes in our crop: the distance between the eyes is `EYE_DISTANCE_SHARE` of the crop and the
 * midpoint between eyes and mouth sits at `FACE_CENTRE_Y` of its height. The crop then runs from about the hairline to
 * below the chin, with the jaw line, cheeks and a band of background at the sides: where a swap's blend boundary is.
 * More context (0.24 was tried) leaves the training crops mostly empty: the DFDC face crops we learn from are tight
 * 224-px crops, and what lies outside them is black in training but real background in a call.
 */
const EYE_DISTANCE_SHARE = 0.3;
const FACE_CENTRE_Y = 0.55;

export function alignedTemplate(size = ALIGNED_SIZE): Point2[] {
  const eyeDistance = Math.hypot(TEMPLATE_112[1]!.x - TEMPLATE_112[0]!.x, TEMPLATE_112[1]!.y - TEMPLATE_112[0]!.y);
  const scale = (EYE_DISTANCE_SHARE * size) / eyeDistance;
  const eyesY = (TEMPLATE_112[0]!.y + TEMPLATE_112[1]!.y) / 2;
  const mouthY = (TEMPLATE_112[3]!.y + TEMPLATE_112[4]!.y) / 2;
  const cx = 56;
  const cy = (eyesY + mouthY) / 2;
  return TEMPLATE_112.map((p) => ({ x: (p.x - cx) * scale + size / 2, y: (p.y - cy) * scale + FACE_CENTRE_Y * size }));
}

/** MediaPipe face-mesh indices for the five reference points (eye centres from their corners). */
export const ALIGN_LANDMARKS = {
  imageLeftEye: [33, 133],
  imageRightEye: [362, 263],
  noseTip: [1],
  imageLeftMouth: [61],
  imageRightMouth: [291],
} as const;

/** The five reference points, in pixels, from landmarks normalised to a `width` x `height` image. */
export function referencePoints(landmarks: ArrayLike<number>, width: number, height: number, stride = 3): Point2[] {
  const mean = (indices: readonly number[]): Point2 => {
    let x = 0;
    let y = 0;
    for (const i of indices) {
      x += Number(landmarks[i * stride]);
      y += Number(landmarks[i * stride + 1]);
    }
    return { x: (x / indices.length) * width, y: (y / indices.length) * height };
  };
  const { imageLeftEye, imageRightEye, noseTip, imageLeftMouth, imageRightMouth } = ALIGN_LANDMARKS;
  return [mean(imageLeftEye), mean(imageRightEye), mean(noseTip), mean(imageLeftMouth), mean(imageRightMouth)];
}

/**
 * A 2D similarity as canvas `setTransform(a, b, c, d, e, f)` numbers: x' = a·x + c·y + e, y' = b·x + d·y + f.
 * For a similarity, c = -b and d = a.
 */
export interface Affine {
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
  f: number;
}

/** Least-squares similarity taking `from` onto `to` (no reflection), closed form. */
export function similarityTransform(from: readonly Point2[], to: readonly Point2[]): Affine {
  if (from.length !== to.length || from.length < 2) throw new Error(`need matching point lists of at least 2, got ${from.length} and ${to.length}`);
  const n = from.length;
  const mf = { x: from.reduce((s, p) => s + p.x, 0) / n, y: from.reduce((s, p) => s + p.y, 0) / n };
  const mt = { x: to.reduce((s, p) => s + p.x, 0) / n, y: to.reduce((s, p) => s + p.y, 0) / n };
  let num1 = 0;
  let num2 = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const u = from[i]!.x - mf.x;
    const v = from[i]!.y - mf.y;
    const p = to[i]!.x - mt.x;
    const q = to[i]!.y - mt.y;
    num1 += u * p + v * q;
    num2 += u * q - v * p;
    den += u * u + v * v;
  }
  if (den < 1e-9) throw new Error('reference points coincide: cannot align');
  const a = num1 / den;
  const b = num2 / den;
  return { a, b, c: -b, d: a, e: mt.x - (a * mf.x - b * mf.y), f: mt.y - (b * mf.x + a * mf.y) };
}

export function applyAffine(t: Affine, p: Point2): Point2 {
  return { x: t.a * p.x + t.c * p.y + t.e, y: t.b * p.x + t.d * p.y + t.f };
}

/** The transform from image pixels to the aligned crop, for a face's landmarks (normalised to the image). */
export function alignmentFor(landmarks: ArrayLike<number>, width: number, height: number, size = ALIGNED_SIZE): Affine {
  return similarityTransform(referencePoints(landmarks, width, height), alignedTemplate(size));
}

/**
 * The model's input from an aligned RGBA crop: RGB, channels last, scaled to [-1, 1] (x / 127.5 - 1). Training
 * (`training/`) applies the same formula to the same crops. `mirrored` flips the crop left to right (the detector's
 * second view of a face: training flips half its images, so both views are in its distribution). `out` lets a caller
 * reuse one buffer per frame instead of allocating 196 KB.
 */
export function toModelInput(
  rgba: Uint8ClampedArray | Uint8Array,
  size = ALIGNED_SIZE,
  mirrored = false,
  out = new Float32Array(size * size * 3),
): Float32Array {
  if (rgba.length !== size * size * 4) throw new Error(`expected a ${size}x${size} RGBA crop, got ${rgba.length} bytes`);
  if (out.length !== size * size * 3) throw new Error(`expected a ${size * size * 3}-value input buffer, got ${out.length}`);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + (mirrored ? size - 1 - x : x)) * 4;
      const o = (y * size + x) * 3;
      out[o] = (rgba[i] ?? 0) / 127.5 - 1;
      out[o + 1] = (rgba[i + 1] ?? 0) / 127.5 - 1;
      out[o + 2] = (rgba[i + 2] ?? 0) / 127.5 - 1;
    }
  }
  return out;
}
