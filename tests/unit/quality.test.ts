import { describe, expect, it } from 'vitest';
import { gradeQuality, lumaStats, QUALITY_LIMITS } from '../../src/core/quality';

const SIZE = 64;

/** An RGBA image from a luma function (grey pixels). */
function grey(width: number, height: number, luma: (x: number, y: number) => number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 4;
      const v = luma(x, y);
      out[p] = v;
      out[p + 1] = v;
      out[p + 2] = v;
      out[p + 3] = 255;
    }
  return out;
}

/** 3x3 box blur of a grey RGBA image (edges clamped). */
function boxBlur(rgba: Uint8ClampedArray, width: number, height: number): Uint8ClampedArray {
  return grey(width, height, (x, y) => {
    let s = 0;
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) {
        const xx = Math.min(width - 1, Math.max(0, x + dx));
        const yy = Math.min(height - 1, Math.max(0, y + dy));
        s += rgba[(yy * width + xx) * 4] ?? 0;
      }
    return Math.round(s / 9);
  });
}

describe('lumaStats', () => {
  it('gives zero sharpness and the grey value as brightness on flat images', () => {
    for (const v of [0, 1, 77, 128, 254, 255]) {
      const { sharpness, brightness } = lumaStats(grey(SIZE, SIZE, () => v), SIZE, SIZE);
      expect(sharpness).toBe(0);
      expect(brightness).toBeCloseTo(v, 6);
    }
  });

  it('weights colour channels as BT.601 luma', () => {
    const red = new Uint8ClampedArray(SIZE * SIZE * 4);
    const green = new Uint8ClampedArray(SIZE * SIZE * 4);
    const blue = new Uint8ClampedArray(SIZE * SIZE * 4);
    for (let p = 0; p < red.length; p += 4) {
      red[p] = 255;
      green[p + 1] = 255;
      blue[p + 2] = 255;
    }
    expect(lumaStats(red, SIZE, SIZE).brightness).toBeCloseTo(0.299 * 255, 4);
    expect(lumaStats(green, SIZE, SIZE).brightness).toBeCloseTo(0.587 * 255, 4);
    expect(lumaStats(blue, SIZE, SIZE).brightness).toBeCloseTo(0.114 * 255, 4);
    // Alpha is ignored.
    const transparent = grey(SIZE, SIZE, () => 100).map((v, i) => (i % 4 === 3 ? 0 : v));
    expect(lumaStats(transparent, SIZE, SIZE).brightness).toBeCloseTo(100, 6);
  });

  it('accepts a plain Uint8Array', () => {
    const { brightness } = lumaStats(new Uint8Array(grey(8, 8, () => 42)), 8, 8);
    expect(brightness).toBeCloseTo(42, 6);
  });

  it('finds a checkerboard sharper than its blurred copy, and a blurred one sharper than a flat one', () => {
    const board = grey(SIZE, SIZE, (x, y) => ((Math.floor(x / 4) + Math.floor(y / 4)) % 2 ? 220 : 30));
    const blurred = boxBlur(boxBlur(board, SIZE, SIZE), SIZE, SIZE);
    const sharp = lumaStats(board, SIZE, SIZE);
    const soft = lumaStats(blurred, SIZE, SIZE);
    expect(sharp.sharpness).toBeGreaterThan(soft.sharpness);
    expect(sharp.sharpness).toBeGreaterThan(2 * soft.sharpness);
    expect(soft.sharpness).toBeGreaterThan(0);
    // Blurring moves no light: mean brightness stays (nearly) the same.
    expect(soft.brightness).toBeCloseTo(sharp.brightness, 0);
    expect(sharp.brightness).toBeCloseTo(125, 6);
  });

  it('does not depend on the brightness of a pattern, only on its detail', () => {
    const a = lumaStats(grey(SIZE, SIZE, (x, y) => ((x + y) % 2 ? 100 : 80)), SIZE, SIZE);
    const b = lumaStats(grey(SIZE, SIZE, (x, y) => ((x + y) % 2 ? 200 : 180)), SIZE, SIZE);
    expect(a.sharpness).toBeCloseTo(b.sharpness, 3);
    expect(b.brightness - a.brightness).toBeCloseTo(100, 6);
  });

  it('gives a linear ramp zero sharpness (the Laplacian of a plane is 0)', () => {
    const ramp = grey(SIZE, SIZE, (x, y) => x * 2 + y);
    expect(lumaStats(ramp, SIZE, SIZE).sharpness).toBeCloseTo(0, 3);
  });

  it('throws when the buffer is smaller than width x height x 4', () => {
    expect(() => lumaStats(new Uint8ClampedArray(SIZE * SIZE * 4 - 1), SIZE, SIZE)).toThrow(/64x64/);
    expect(() => lumaStats(new Uint8ClampedArray(SIZE * SIZE * 3), SIZE, SIZE)).toThrow(/RGBA needs 16384/);
    expect(() => lumaStats(new Uint8ClampedArray(0), 1, 1)).toThrow();
  });

  it('handles images too small to have an interior', () => {
    expect(lumaStats(grey(2, 2, (x) => x * 255), 2, 2).sharpness).toBe(0);
    expect(lumaStats(new Uint8ClampedArray(0), 0, 0)).toEqual({ sharpness: 0, brightness: 0 });
  });
});

describe('gradeQuality', () => {
  const good = { faceSizePx: 200, sharpness: 80, brightness: 120 };

  it('grades a large, sharp, well-lit face good, with no reasons', () => {
    expect(gradeQuality(good)).toEqual({ grade: 'good', reasons: [] });
    expect(
      gradeQuality({
        faceSizePx: QUALITY_LIMITS.minGoodFaceSizePx,
        sharpness: QUALITY_LIMITS.minSharpness,
        brightness: QUALITY_LIMITS.minBrightness,
      }).grade,
    ).toBe('good');
    expect(gradeQuality({ ...good, brightness: QUALITY_LIMITS.maxBrightness }).grade).toBe('good');
  });

  it('grades a small face fair, and one too small poor, with its rounded size', () => {
    expect(gradeQuality({ ...good, faceSizePx: 90.4 })).toEqual({ grade: 'fair', reasons: ['face is small (90 px)'] });
    expect(gradeQuality({ ...good, faceSizePx: 53.6 })).toEqual({ grade: 'poor', reasons: ['face is too small (54 px)'] });
    expect(gradeQuality({ ...good, faceSizePx: QUALITY_LIMITS.minFairFaceSizePx }).grade).toBe('fair');
  });

  it('grades a dim face fair and a very dark one poor', () => {
    expect(gradeQuality({ ...good, brightness: 40 })).toEqual({ grade: 'fair', reasons: ['face is dark'] });
    expect(gradeQuality({ ...good, brightness: 20 })).toEqual({ grade: 'poor', reasons: ['face is dark'] });
  });

  it('grades an overexposed face fair', () => {
    expect(gradeQuality({ ...good, brightness: 240 })).toEqual({ grade: 'fair', reasons: ['face is overexposed'] });
  });

  it('grades a soft face fair and a blurred one poor', () => {
    expect(gradeQuality({ ...good, sharpness: 10 })).toEqual({ grade: 'fair', reasons: ['face is soft'] });
    expect(gradeQuality({ ...good, sharpness: 2 })).toEqual({ grade: 'poor', reasons: ['face is blurred'] });
  });

  it('lists every reason, in order, and stays poor once any measure is poor', () => {
    expect(gradeQuality({ faceSizePx: 40, sharpness: 1, brightness: 10 })).toEqual({
      grade: 'poor',
      reasons: ['face is too small (40 px)', 'face is dark', 'face is blurred'],
    });
    expect(gradeQuality({ faceSizePx: 100, sharpness: 12, brightness: 230 })).toEqual({
      grade: 'fair',
      reasons: ['face is small (100 px)', 'face is overexposed', 'face is soft'],
    });
    // A dim (not very dark) face does not undo a poor size.
    expect(gradeQuality({ faceSizePx: 30, sharpness: 80, brightness: 45 }).grade).toBe('poor');
  });
});
