import type { FaceQuality, QualityGrade } from '../shared/types';

/**
 * Image-quality measures of a face crop, computed on luma.
 *
 * `rgba` is a crop already resampled to a fixed size (the engine uses 64x64) so that sharpness is comparable between
 * a 60-pixel face and a 400-pixel one: what we want to know is whether the face itself carries detail, not how many
 * pixels it spans (that is `faceSizePx`).
 */
export function lumaStats(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number): { sharpness: number; brightness: number } {
  if (rgba.length < width * height * 4) throw new Error(`crop holds ${rgba.length} bytes, ${width}x${height} RGBA needs ${width * height * 4}`);
  const luma = new Float32Array(width * height);
  let sum = 0;
  for (let i = 0, p = 0; i < luma.length; i++, p += 4) {
    // ITU-R BT.601 weights: the same luma the video codec carried.
    const y = 0.299 * (rgba[p] ?? 0) + 0.587 * (rgba[p + 1] ?? 0) + 0.114 * (rgba[p + 2] ?? 0);
    luma[i] = y;
    sum += y;
  }
  const brightness = luma.length ? sum / luma.length : 0;
  // Variance of the 4-neighbour Laplacian over the interior.
  let n = 0;
  let mean = 0;
  let m2 = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const lap = 4 * (luma[i] ?? 0) - (luma[i - 1] ?? 0) - (luma[i + 1] ?? 0) - (luma[i - width] ?? 0) - (luma[i + width] ?? 0);
      n++;
      const d = lap - mean;
      mean += d / n;
      m2 += d * (lap - mean);
    }
  }
  return { sharpness: n > 1 ? m2 / (n - 1) : 0, brightness };
}

/** Thresholds below which a face is not a fair basis for evidence. Chosen on webcam footage at call resolutions. */
export const QUALITY_LIMITS = {
  /** Real-time swappers render 128-256 px faces; below ~80 px the artifacts we look for are gone. */
  minGoodFaceSizePx: 112,
  minFairFaceSizePx: 64,
  minBrightness: 50,
  maxBrightness: 225,
  minSharpness: 20,
  minFairSharpness: 6,
} as const;

export function gradeQuality(q: FaceQuality): { grade: QualityGrade; reasons: string[] } {
  const reasons: string[] = [];
  let poor = false;
  if (q.faceSizePx < QUALITY_LIMITS.minFairFaceSizePx) {
    poor = true;
    reasons.push(`face is too small (${Math.round(q.faceSizePx)} px)`);
  } else if (q.faceSizePx < QUALITY_LIMITS.minGoodFaceSizePx) reasons.push(`face is small (${Math.round(q.faceSizePx)} px)`);
  if (q.brightness < QUALITY_LIMITS.minBrightness) {
    poor = q.brightness < QUALITY_LIMITS.minBrightness / 2 || poor;
    reasons.push('face is dark');
  } else if (q.brightness > QUALITY_LIMITS.maxBrightness) reasons.push('face is overexposed');
  if (q.sharpness < QUALITY_LIMITS.minFairSharpness) {
    poor = true;
    reasons.push('face is blurred');
  } else if (q.sharpness < QUALITY_LIMITS.minSharpness) reasons.push('face is soft');
  return { grade: poor ? 'poor' : reasons.length ? 'fair' : 'good', reasons };
}
