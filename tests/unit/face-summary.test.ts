import { describe, expect, it } from 'vitest';
import { landmarkBounds, landmarkPoint, MESH, summariseFace } from '../../src/core/face-summary';
import type { FaceObservation } from '../../src/shared/types';

const POINTS = 478;

/**
 * A synthetic 478-point mesh: every point on a grid inside the face box (x 0.32..0.48, y 0.22..0.48), the named ones
 * where a frontal face has them, and four extremes that set the bounds.
 */
function syntheticLandmarks(): Float32Array {
  const lm = new Float32Array(POINTS * 3);
  for (let i = 0; i < POINTS; i++) {
    lm[i * 3] = 0.32 + ((i % 22) / 21) * 0.16;
    lm[i * 3 + 1] = 0.22 + (Math.floor(i / 22) / 21) * 0.26;
    lm[i * 3 + 2] = -0.01 * (i % 5);
  }
  const set = (i: number, x: number, y: number): void => {
    lm[i * 3] = x;
    lm[i * 3 + 1] = y;
  };
  set(MESH.noseTip, 0.4, 0.36);
  set(33, 0.33, 0.3); // image-left eye, outer corner
  set(133, 0.37, 0.31); // image-left eye, inner corner
  set(362, 0.43, 0.31); // image-right eye, inner corner
  set(263, 0.47, 0.3); // image-right eye, outer corner
  set(13, 0.4, 0.42); // upper inner lip
  set(14, 0.4, 0.44); // lower inner lip
  set(10, 0.4, 0.2); // forehead: top
  set(152, 0.4, 0.5); // chin: bottom
  set(234, 0.3, 0.35); // image-left cheek: left
  set(454, 0.5, 0.35); // image-right cheek: right
  return lm;
}

function observation(overrides: Partial<FaceObservation> = {}): FaceObservation {
  return {
    trackId: 3,
    box: { x: 0.3, y: 0.2, width: 0.2, height: 0.3 },
    landmarkCount: POINTS,
    landmarks: syntheticLandmarks(),
    pose: { yawDeg: 4, pitchDeg: -2, rollDeg: 1 },
    quality: { faceSizePx: 240, sharpness: 55, brightness: 130 },
    swapScore: null,
    ...overrides,
  };
}

describe('landmarkPoint', () => {
  it('reads x and y of the index-th xyz triple', () => {
    const lm = syntheticLandmarks();
    const p = landmarkPoint(lm, MESH.noseTip);
    expect(p.x).toBeCloseTo(0.4, 6);
    expect(p.y).toBeCloseTo(0.36, 6);
  });

  it('gives NaN for an index past the end', () => {
    const p = landmarkPoint(new Float32Array(9), 5);
    expect(Number.isNaN(p.x)).toBe(true);
    expect(Number.isNaN(p.y)).toBe(true);
  });
});

describe('landmarkBounds', () => {
  it('bounds every point of the mesh', () => {
    const b = landmarkBounds(syntheticLandmarks());
    expect(b.x).toBeCloseTo(0.3, 6);
    expect(b.y).toBeCloseTo(0.2, 6);
    expect(b.width).toBeCloseTo(0.2, 6);
    expect(b.height).toBeCloseTo(0.3, 6);
  });

  it('ignores z and a trailing partial triple', () => {
    const b = landmarkBounds([0.1, 0.2, -5, 0.3, 0.6, 9, 0.95]);
    expect(b.x).toBeCloseTo(0.1, 12);
    expect(b.y).toBeCloseTo(0.2, 12);
    expect(b.width).toBeCloseTo(0.2, 12);
    expect(b.height).toBeCloseTo(0.4, 12);
  });

  it('is an empty box for no landmarks', () => {
    expect(landmarkBounds(new Float32Array(0))).toEqual({ x: 0, y: 0, width: 0, height: 0 });
    expect(landmarkBounds([0.5, 0.5])).toEqual({ x: 0, y: 0, width: 0, height: 0 });
  });
});

describe('summariseFace', () => {
  it('names the key points from the canonical mesh indices', () => {
    const s = summariseFace(observation());
    expect(s.keyPoints.noseTip.x).toBeCloseTo(0.4, 6);
    expect(s.keyPoints.noseTip.y).toBeCloseTo(0.36, 6);
    expect(s.keyPoints.leftEye.x).toBeCloseTo(0.35, 6);
    expect(s.keyPoints.leftEye.y).toBeCloseTo(0.305, 6);
    expect(s.keyPoints.rightEye.x).toBeCloseTo(0.45, 6);
    expect(s.keyPoints.rightEye.y).toBeCloseTo(0.305, 6);
    expect(s.keyPoints.mouth.x).toBeCloseTo(0.4, 6);
    expect(s.keyPoints.mouth.y).toBeCloseTo(0.43, 6);
    // Sanity of the layout: the image-left eye is left of the image-right one, both above the nose, mouth below.
    expect(s.keyPoints.leftEye.x).toBeLessThan(s.keyPoints.rightEye.x);
    expect(s.keyPoints.leftEye.y).toBeLessThan(s.keyPoints.noseTip.y);
    expect(s.keyPoints.mouth.y).toBeGreaterThan(s.keyPoints.noseTip.y);
  });

  it('bounds the landmarks and puts the key points inside the bounds', () => {
    const s = summariseFace(observation());
    expect(s.landmarkBounds.x).toBeCloseTo(0.3, 6);
    expect(s.landmarkBounds.width).toBeCloseTo(0.2, 6);
    expect(s.landmarkBounds.y).toBeCloseTo(0.2, 6);
    expect(s.landmarkBounds.height).toBeCloseTo(0.3, 6);
    for (const p of Object.values(s.keyPoints)) {
      expect(p.x).toBeGreaterThanOrEqual(s.landmarkBounds.x);
      expect(p.x).toBeLessThanOrEqual(s.landmarkBounds.x + s.landmarkBounds.width);
      expect(p.y).toBeGreaterThanOrEqual(s.landmarkBounds.y);
      expect(p.y).toBeLessThanOrEqual(s.landmarkBounds.y + s.landmarkBounds.height);
    }
  });

  it('carries the observation through and grades its quality', () => {
    const obs = observation();
    const s = summariseFace(obs);
    expect(s.trackId).toBe(3);
    expect(s.box).toEqual(obs.box);
    expect(s.landmarkCount).toBe(478);
    expect(s.pose).toEqual(obs.pose);
    expect(s.quality).toEqual(obs.quality);
    expect(s.grade).toBe('good');
    expect(s.gradeReasons).toEqual([]);
    const poor = summariseFace(observation({ quality: { faceSizePx: 50, sharpness: 55, brightness: 130 } }));
    expect(poor.grade).toBe('poor');
    expect(poor.gradeReasons).toEqual(['face is too small (50 px)']);
  });

  it('is JSON-safe: no typed arrays, round-trips through JSON', () => {
    const s = summariseFace(observation());
    expect(Object.values(s).some((v) => ArrayBuffer.isView(v))).toBe(false);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });

  it('follows a moved face', () => {
    const lm = syntheticLandmarks();
    for (let i = 0; i < lm.length; i += 3) {
      lm[i] = (lm[i] ?? 0) + 0.25;
      lm[i + 1] = (lm[i + 1] ?? 0) + 0.1;
    }
    const s = summariseFace(observation({ landmarks: lm }));
    expect(s.keyPoints.noseTip.x).toBeCloseTo(0.65, 6);
    expect(s.keyPoints.noseTip.y).toBeCloseTo(0.46, 6);
    expect(s.landmarkBounds.x).toBeCloseTo(0.55, 6);
    expect(s.landmarkBounds.y).toBeCloseTo(0.3, 6);
  });
});
