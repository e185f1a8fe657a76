/**
 * A crude landmark-based face swap, made at test time so the end-to-end tests can show Unmask a swapped face without
 * shipping one: for every frame of a target clip, the donor's face is moved onto the target's by the 5-point
 * similarity of `core/face-align` and pasted inside the target's face outline with a feathered edge. No colour
 * matching, no expression transfer: far cruder than DeepFaceLive, but a real blend of one person's face into another's
 * head, which is what the detector learns to see.
 */
import { referencePoints, similarityTransform } from '../../src/core/face-align';

/** MediaPipe face-mesh silhouette (FACEMESH_FACE_OVAL), in order around the face. */
export const FACE_OVAL = [10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109];

/** Landmarks in pixels (x, y pairs) as the 3-stride normalised layout `referencePoints` reads. */
function normalised(px: readonly number[], width: number, height: number): Float32Array {
  const out = new Float32Array((px.length / 2) * 3);
  for (let i = 0; i < px.length / 2; i++) {
    out[i * 3] = (px[i * 2] ?? 0) / width;
    out[i * 3 + 1] = (px[i * 2 + 1] ?? 0) / height;
  }
  return out;
}

export function composeSwap(
  ctx: CanvasRenderingContext2D,
  target: CanvasImageSource & { width: number; height: number },
  targetLandmarksPx: readonly number[],
  donor: CanvasImageSource & { width: number; height: number },
  donorLandmarksPx: readonly number[],
): void {
  const { width, height } = target;
  ctx.canvas.width = width;
  ctx.canvas.height = height;
  ctx.drawImage(target, 0, 0);
  const t = similarityTransform(
    referencePoints(normalised(donorLandmarksPx, donor.width, donor.height), donor.width, donor.height),
    referencePoints(normalised(targetLandmarksPx, width, height), width, height),
  );
  // The donor's face, moved onto the target's head.
  const layer = document.createElement('canvas');
  layer.width = width;
  layer.height = height;
  const lctx = layer.getContext('2d')!;
  lctx.setTransform(t.a, t.b, t.c, t.d, t.e, t.f);
  lctx.drawImage(donor, 0, 0);
  lctx.setTransform(1, 0, 0, 1, 0, 0);
  // Keep it inside the target's face outline, shrunk a little towards the centre, with a soft edge.
  const cx = FACE_OVAL.reduce((s, i) => s + (targetLandmarksPx[i * 2] ?? 0), 0) / FACE_OVAL.length;
  const cy = FACE_OVAL.reduce((s, i) => s + (targetLandmarksPx[i * 2 + 1] ?? 0), 0) / FACE_OVAL.length;
  const mask = document.createElement('canvas');
  mask.width = width;
  mask.height = height;
  const mctx = mask.getContext('2d')!;
  mctx.filter = `blur(${Math.max(2, Math.round(width / 120))}px)`;
  mctx.beginPath();
  FACE_OVAL.forEach((i, k) => {
    const x = cx + ((targetLandmarksPx[i * 2] ?? 0) - cx) * 0.9;
    const y = cy + ((targetLandmarksPx[i * 2 + 1] ?? 0) - cy) * 0.9;
    if (k === 0) mctx.moveTo(x, y);
    else mctx.lineTo(x, y);
  });
  mctx.closePath();
  mctx.fillStyle = '#fff';
  mctx.fill();
  lctx.globalCompositeOperation = 'destination-in';
  lctx.drawImage(mask, 0, 0);
  ctx.drawImage(layer, 0, 0);
}
