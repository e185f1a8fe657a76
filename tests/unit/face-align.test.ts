import { describe, expect, it } from 'vitest';
import { ALIGNED_SIZE, ALIGN_LANDMARKS, alignedTemplate, alignmentFor, applyAffine, referencePoints, similarityTransform, toModelInput } from '../../src/core/face-align';

const rotateScale = (angleDeg: number, scale: number, tx: number, ty: number) => (p: { x: number; y: number }) => {
  const r = (angleDeg * Math.PI) / 180;
  return { x: scale * (Math.cos(r) * p.x - Math.sin(r) * p.y) + tx, y: scale * (Math.sin(r) * p.x + Math.cos(r) * p.y) + ty };
};

describe('similarityTransform', () => {
  it('recovers a known rotation, scale and translation exactly', () => {
    const from = [
      { x: 10, y: 20 },
      { x: 50, y: 22 },
      { x: 30, y: 40 },
      { x: 15, y: 60 },
      { x: 45, y: 61 },
    ];
    const move = rotateScale(20, 1.7, 33, -12);
    const t = similarityTransform(from, from.map(move));
    for (const p of from) {
      const got = applyAffine(t, p);
      const want = move(p);
      expect(got.x).toBeCloseTo(want.x, 9);
      expect(got.y).toBeCloseTo(want.y, 9);
    }
    expect(t.c).toBeCloseTo(-t.b, 12);
    expect(t.d).toBeCloseTo(t.a, 12);
  });

  it('refuses degenerate input', () => {
    expect(() => similarityTransform([{ x: 1, y: 1 }], [{ x: 2, y: 2 }])).toThrow(/at least 2/);
    expect(() => similarityTransform([{ x: 1, y: 1 }, { x: 1, y: 1 }], [{ x: 0, y: 0 }, { x: 5, y: 5 }])).toThrow(/coincide/);
  });
});

describe('alignedTemplate', () => {
  it('puts the eyes level, 30% of the crop apart, centred, with room for the forehead and chin', () => {
    const [le, re, nose, lm, rm] = alignedTemplate(128);
    expect(Math.hypot(re!.x - le!.x, re!.y - le!.y)).toBeCloseTo(0.3 * 128, 6);
    expect((le!.x + re!.x) / 2).toBeCloseTo(64, 0);
    expect(Math.abs(le!.y - re!.y)).toBeLessThan(0.5);
    expect(nose!.y).toBeGreaterThan(le!.y);
    expect(lm!.y).toBeGreaterThan(nose!.y);
    expect(le!.y).toBeGreaterThan(0.35 * 128); // forehead above the eyes stays in the crop
    expect(Math.max(lm!.y, rm!.y)).toBeLessThan(0.75 * 128); // chin below the mouth too
  });
});

describe('alignmentFor', () => {
  it('maps a rotated, shifted face onto the template', () => {
    // Synthetic 478-point landmarks: the template moved into a 640x480 frame, tilted 15 degrees and enlarged.
    const place = rotateScale(15, 2.2, 200, 90);
    const template = alignedTemplate(ALIGNED_SIZE);
    const lm = new Float32Array(478 * 3);
    const set = (indices: readonly number[], p: { x: number; y: number }): void => {
      for (const i of indices) {
        lm[i * 3] = p.x / 640;
        lm[i * 3 + 1] = p.y / 480;
      }
    };
    const { imageLeftEye, imageRightEye, noseTip, imageLeftMouth, imageRightMouth } = ALIGN_LANDMARKS;
    [imageLeftEye, imageRightEye, noseTip, imageLeftMouth, imageRightMouth].forEach((indices, k) => set(indices, place(template[k]!)));
    const points = referencePoints(lm, 640, 480);
    const t = alignmentFor(lm, 640, 480);
    points.forEach((p, k) => {
      const q = applyAffine(t, p);
      expect(q.x).toBeCloseTo(template[k]!.x, 3);
      expect(q.y).toBeCloseTo(template[k]!.y, 3);
    });
    // The inverse of the placement: scale 1/2.2.
    expect(Math.hypot(t.a, t.b)).toBeCloseTo(1 / 2.2, 6);
  });
});

describe('toModelInput', () => {
  it('drops alpha and scales to [-1, 1], channels last', () => {
    const rgba = new Uint8ClampedArray(ALIGNED_SIZE * ALIGNED_SIZE * 4);
    rgba.set([0, 255, 127.5, 9], 0);
    const x = toModelInput(rgba);
    expect(x.length).toBe(ALIGNED_SIZE * ALIGNED_SIZE * 3);
    expect(x[0]).toBe(-1);
    expect(x[1]).toBe(1);
    expect(x[2]).toBeCloseTo(128 / 127.5 - 1, 6); // clamped array rounds 127.5 to 128
    expect(x[3]).toBe(-1);
  });

  it('rejects a crop of the wrong size', () => {
    expect(() => toModelInput(new Uint8ClampedArray(10))).toThrow(/128x128 RGBA/);
    expect(() => toModelInput(new Uint8ClampedArray(ALIGNED_SIZE * ALIGNED_SIZE * 4), ALIGNED_SIZE, false, new Float32Array(3))).toThrow(/input buffer/);
  });

  it('mirrored is the plain input of the left-right flipped crop, into a reused buffer', () => {
    const n = ALIGNED_SIZE;
    const rgba = new Uint8ClampedArray(n * n * 4).map((_, i) => (i * 37) % 251);
    const flipped = new Uint8ClampedArray(n * n * 4);
    for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) flipped.set(rgba.subarray((y * n + x) * 4, (y * n + x) * 4 + 4), (y * n + (n - 1 - x)) * 4);
    const buffer = new Float32Array(n * n * 3);
    const mirrored = toModelInput(rgba, n, true, buffer);
    expect(mirrored).toBe(buffer);
    expect(Array.from(mirrored)).toEqual(Array.from(toModelInput(flipped)));
    expect(Array.from(toModelInput(rgba, n, true))).not.toEqual(Array.from(toModelInput(rgba)));
    // the first row's first pixel comes from the crop's last column
    expect(mirrored[0]).toBeCloseTo(rgba[(n - 1) * 4]! / 127.5 - 1, 6);
  });
});
