import type { HeadPose } from '../shared/types';

const RAD_TO_DEG = 180 / Math.PI;

/**
 * Yaw, pitch and roll from MediaPipe's 4x4 facial transformation matrix.
 *
 * MediaPipe Tasks returns the matrix as 16 numbers in row-major order (`Matrix.data`, rows x columns); the upper-left
 * 3x3 block is the rotation of the canonical face model into camera space (x right, y up, z towards the camera).
 * We decompose R = Ry(yaw) · Rx(pitch) · Rz(roll), the order in which a head turns, nods, then tilts, so that a pure
 * head turn reads as pure yaw even when the head is also nodding. Signs are chosen for the user: yaw positive when the
 * face turns to the image's left, pitch positive when it tilts up, roll positive when it rolls clockwise in the image.
 */
export function headPoseFromMatrix(m: ArrayLike<number>, rowMajor = true): HeadPose {
  if (m.length < 16) throw new Error(`facial transformation matrix needs 16 values, got ${m.length}`);
  const at = (row: number, col: number): number => Number(rowMajor ? m[row * 4 + col] : m[col * 4 + row]);
  // For R = Ry(a) Rx(b) Rz(c): r12 = -sin b, r02 = sin a cos b, r22 = cos a cos b, r10 = cos b sin c, r11 = cos b cos c.
  const r12 = at(1, 2);
  const pitch = Math.asin(Math.max(-1, Math.min(1, -r12)));
  const yaw = Math.atan2(at(0, 2), at(2, 2));
  const roll = Math.atan2(at(1, 0), at(1, 1));
  // Ry(a) with a > 0 turns the nose (the model's +z) towards +x, the image's right: yaw is -a, like pitch and roll.
  return { yawDeg: -yaw * RAD_TO_DEG, pitchDeg: -pitch * RAD_TO_DEG, rollDeg: -roll * RAD_TO_DEG };
}

/** Rotation matrix (row-major 4x4) for given pose; the inverse of `headPoseFromMatrix`, used by tests and fixtures. */
export function matrixFromHeadPose(pose: HeadPose): number[] {
  const a = -pose.yawDeg / RAD_TO_DEG;
  const b = -pose.pitchDeg / RAD_TO_DEG;
  const c = -pose.rollDeg / RAD_TO_DEG;
  const ry = [
    [Math.cos(a), 0, Math.sin(a)],
    [0, 1, 0],
    [-Math.sin(a), 0, Math.cos(a)],
  ];
  const rx = [
    [1, 0, 0],
    [0, Math.cos(b), -Math.sin(b)],
    [0, Math.sin(b), Math.cos(b)],
  ];
  const rz = [
    [Math.cos(c), -Math.sin(c), 0],
    [Math.sin(c), Math.cos(c), 0],
    [0, 0, 1],
  ];
  const mul = (p: number[][], q: number[][]): number[][] =>
    p.map((row) => [0, 1, 2].map((j) => row.reduce((s, v, k) => s + v * (q[k]?.[j] ?? 0), 0)));
  const r = mul(mul(ry, rx), rz);
  const out: number[] = [];
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) out.push(i < 3 && j < 3 ? (r[i]?.[j] ?? 0) : i === j ? 1 : 0);
  return out;
}

/**
 * Whether a 4x4 rigid transform's 16 values are row-major. The translation of a face is tens of centimetres
 * (z especially), so it sits either in the last column (row-major: indices 3, 7, 11) or in the last row
 * (column-major: 12, 13, 14); the other three slots are zero. MediaPipe's packed matrix data follows the proto's
 * layout field, which the JS API does not expose, so we read it off the numbers.
 */
export function isRowMajorAffine(m: ArrayLike<number>): boolean {
  const abs = (i: number): number => Math.abs(Number(m[i] ?? 0));
  return abs(3) + abs(7) + abs(11) > abs(12) + abs(13) + abs(14);
}
