import { describe, expect, it } from 'vitest';
import { headPoseFromMatrix, isRowMajorAffine, matrixFromHeadPose } from '../../src/core/head-pose';
import type { HeadPose } from '../../src/shared/types';

const DEG = Math.PI / 180;

/** Row-major 4x4 from a 3x3 rotation (rows) and a translation. */
function affine(r: number[][], t: [number, number, number] = [0, 0, 0]): number[] {
  const out: number[] = [];
  for (let i = 0; i < 3; i++) out.push(r[i]?.[0] ?? 0, r[i]?.[1] ?? 0, r[i]?.[2] ?? 0, t[i] ?? 0);
  out.push(0, 0, 0, 1);
  return out;
}

const transpose = (m: readonly number[]): number[] => m.map((_, k) => m[(k % 4) * 4 + Math.floor(k / 4)] ?? NaN);

/** Rotations about the camera axes (x right, y up, z towards the camera), counter-clockwise seen from the axis' tip. */
const rotX = (t: number): number[][] => [
  [1, 0, 0],
  [0, Math.cos(t), -Math.sin(t)],
  [0, Math.sin(t), Math.cos(t)],
];
const rotY = (t: number): number[][] => [
  [Math.cos(t), 0, Math.sin(t)],
  [0, 1, 0],
  [-Math.sin(t), 0, Math.cos(t)],
];
const rotZ = (t: number): number[][] => [
  [Math.cos(t), -Math.sin(t), 0],
  [Math.sin(t), Math.cos(t), 0],
  [0, 0, 1],
];

function expectPose(actual: HeadPose, expected: HeadPose, digits = 6): void {
  expect(actual.yawDeg).toBeCloseTo(expected.yawDeg, digits);
  expect(actual.pitchDeg).toBeCloseTo(expected.pitchDeg, digits);
  expect(actual.rollDeg).toBeCloseTo(expected.rollDeg, digits);
}

describe('matrixFromHeadPose / headPoseFromMatrix', () => {
  it('round-trips many yaw/pitch/roll combinations within 1e-6 degrees', () => {
    const yaws = [-170, -90, -60, -35, -10, -1, 0, 0.5, 12, 45, 80, 120, 179];
    const pitches = [-84.9, -60, -30, -7, 0, 3, 25, 50, 84.9];
    const rolls = [-175, -90, -40, -5, 0, 2, 33, 90, 150];
    let checked = 0;
    for (const yawDeg of yaws)
      for (const pitchDeg of pitches)
        for (const rollDeg of rolls) {
          const pose = headPoseFromMatrix(matrixFromHeadPose({ yawDeg, pitchDeg, rollDeg }));
          expect(Math.abs(pose.yawDeg - yawDeg)).toBeLessThan(1e-6);
          expect(Math.abs(pose.pitchDeg - pitchDeg)).toBeLessThan(1e-6);
          expect(Math.abs(pose.rollDeg - rollDeg)).toBeLessThan(1e-6);
          checked++;
        }
    expect(checked).toBe(yaws.length * pitches.length * rolls.length);
  });

  it('builds a proper rotation: orthonormal, determinant 1, identity translation row', () => {
    const m = matrixFromHeadPose({ yawDeg: 31, pitchDeg: -17, rollDeg: 64 });
    expect(m).toHaveLength(16);
    const row = (i: number): number[] => [m[i * 4] ?? NaN, m[i * 4 + 1] ?? NaN, m[i * 4 + 2] ?? NaN];
    const dot = (p: number[], q: number[]): number => p.reduce((s, v, k) => s + v * (q[k] ?? NaN), 0);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(dot(row(i), row(j))).toBeCloseTo(i === j ? 1 : 0, 12);
    const [a, b, c] = [row(0), row(1), row(2)];
    const det =
      (a[0] ?? 0) * ((b[1] ?? 0) * (c[2] ?? 0) - (b[2] ?? 0) * (c[1] ?? 0)) -
      (a[1] ?? 0) * ((b[0] ?? 0) * (c[2] ?? 0) - (b[2] ?? 0) * (c[0] ?? 0)) +
      (a[2] ?? 0) * ((b[0] ?? 0) * (c[1] ?? 0) - (b[1] ?? 0) * (c[0] ?? 0));
    expect(det).toBeCloseTo(1, 12);
    expect(m.slice(12)).toEqual([0, 0, 0, 1]);
    expect([m[3], m[7], m[11]]).toEqual([0, 0, 0]);
  });

  it('reads a column-major matrix (the transpose) when told rowMajor=false', () => {
    for (const pose of [
      { yawDeg: 25, pitchDeg: -12, rollDeg: 7 },
      { yawDeg: -70, pitchDeg: 40, rollDeg: -120 },
      { yawDeg: 0, pitchDeg: 0, rollDeg: 0 },
    ]) {
      const rowMajor = matrixFromHeadPose(pose);
      expectPose(headPoseFromMatrix(transpose(rowMajor), false), pose);
      expectPose(headPoseFromMatrix(new Float32Array(transpose(rowMajor)), false), pose, 3);
    }
  });

  it('ignores the translation', () => {
    const pose = { yawDeg: -22, pitchDeg: 9, rollDeg: 14 };
    const m = matrixFromHeadPose(pose);
    m[3] = 0.5;
    m[7] = 2;
    m[11] = -40;
    expectPose(headPoseFromMatrix(m), pose);
  });

  it('refuses fewer than 16 values', () => {
    expect(() => headPoseFromMatrix([1, 0, 0, 0, 1, 0, 0, 0, 1])).toThrow(/16 values/);
  });

  it('reads the identity as a frontal face', () => {
    expectPose(headPoseFromMatrix(affine(rotX(0))), { yawDeg: 0, pitchDeg: 0, rollDeg: 0 }, 12);
  });

  // The sign conventions of the file's comment, checked on rotations built here from the geometry, not from
  // matrixFromHeadPose: the face model looks along +z (towards the camera), camera x is the image's right, y is up.
  describe('sign conventions', () => {
    it('a face turned to the image left (its nose towards -x) is pure positive yaw', () => {
      const r = rotY(-20 * DEG);
      // The nose direction, third column: x negative, no y.
      expect(r[0]?.[2]).toBeLessThan(0);
      expectPose(headPoseFromMatrix(affine(r)), { yawDeg: 20, pitchDeg: 0, rollDeg: 0 });
      expectPose(headPoseFromMatrix(affine(rotY(30 * DEG))), { yawDeg: -30, pitchDeg: 0, rollDeg: 0 });
    });

    it('a face tilted up (its nose towards +y) is pure positive pitch', () => {
      const r = rotX(-15 * DEG);
      expect(r[1]?.[2]).toBeGreaterThan(0);
      expectPose(headPoseFromMatrix(affine(r)), { yawDeg: 0, pitchDeg: 15, rollDeg: 0 });
      expectPose(headPoseFromMatrix(affine(rotX(25 * DEG))), { yawDeg: 0, pitchDeg: -25, rollDeg: 0 });
    });

    it('a head rolled clockwise in the image (its x axis turning down) is pure positive roll', () => {
      const r = rotZ(-10 * DEG);
      expect(r[1]?.[0]).toBeLessThan(0);
      expectPose(headPoseFromMatrix(affine(r)), { yawDeg: 0, pitchDeg: 0, rollDeg: 10 });
      expectPose(headPoseFromMatrix(affine(rotZ(40 * DEG))), { yawDeg: 0, pitchDeg: 0, rollDeg: -40 });
    });

    it('matrixFromHeadPose follows the same conventions', () => {
      const yawOnly = matrixFromHeadPose({ yawDeg: 20, pitchDeg: 0, rollDeg: 0 });
      expect(yawOnly[2]).toBeCloseTo(-Math.sin(20 * DEG), 12); // nose towards the image's left
      const pitchOnly = matrixFromHeadPose({ yawDeg: 0, pitchDeg: 20, rollDeg: 0 });
      expect(pitchOnly[6]).toBeCloseTo(Math.sin(20 * DEG), 12); // nose up
      const rollOnly = matrixFromHeadPose({ yawDeg: 0, pitchDeg: 0, rollDeg: 20 });
      expect(rollOnly[4]).toBeCloseTo(-Math.sin(20 * DEG), 12); // x axis turned down: clockwise
    });

    it('decomposes turn-then-nod so that a head turn reads as yaw even while nodding', () => {
      // R = Ry(yaw) Rx(pitch): a turned head that also nods.
      const r = affine(mul3(rotY(-40 * DEG), rotX(-20 * DEG)));
      expectPose(headPoseFromMatrix(r), { yawDeg: 40, pitchDeg: 20, rollDeg: 0 });
    });
  });
});

function mul3(p: number[][], q: number[][]): number[][] {
  return p.map((row) => [0, 1, 2].map((j) => row.reduce((s, v, k) => s + v * (q[k]?.[j] ?? 0), 0)));
}

describe('isRowMajorAffine', () => {
  const pose = { yawDeg: 18, pitchDeg: -11, rollDeg: 6 };

  it('finds the translation (0.5, 2, -40) in the last column of a row-major matrix', () => {
    const m = matrixFromHeadPose(pose);
    m[3] = 0.5;
    m[7] = 2;
    m[11] = -40;
    expect(isRowMajorAffine(m)).toBe(true);
    expect(isRowMajorAffine(new Float32Array(m))).toBe(true);
    expectPose(headPoseFromMatrix(m, isRowMajorAffine(m)), pose);
  });

  it('finds it in the last row of a column-major matrix', () => {
    const m = matrixFromHeadPose(pose);
    m[3] = 0.5;
    m[7] = 2;
    m[11] = -40;
    const cm = transpose(m);
    expect([cm[12], cm[13], cm[14]]).toEqual([0.5, 2, -40]);
    expect(isRowMajorAffine(cm)).toBe(false);
    expect(isRowMajorAffine(new Float32Array(cm))).toBe(false);
    expectPose(headPoseFromMatrix(cm, isRowMajorAffine(cm)), pose);
  });
});
