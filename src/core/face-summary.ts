import type { Box, FaceObservation, FaceSummary, Point2 } from '../shared/types';
import { gradeQuality } from './quality';

/** MediaPipe face-mesh indices of the points the summary names (canonical face mesh topology). */
export const MESH = {
  noseTip: 1,
  /** Eye corners on the image's left side (the person's right eye): outer 33, inner 133. */
  imageLeftEye: [33, 133],
  /** Eye corners on the image's right side (the person's left eye): inner 362, outer 263. */
  imageRightEye: [362, 263],
  /** Inner lips, upper 13 and lower 14. */
  mouth: [13, 14],
} as const;

export function landmarkPoint(landmarks: ArrayLike<number>, index: number): Point2 {
  return { x: Number(landmarks[index * 3] ?? NaN), y: Number(landmarks[index * 3 + 1] ?? NaN) };
}

function meanPoint(landmarks: ArrayLike<number>, indices: readonly number[]): Point2 {
  const pts = indices.map((i) => landmarkPoint(landmarks, i));
  return { x: pts.reduce((s, p) => s + p.x, 0) / pts.length, y: pts.reduce((s, p) => s + p.y, 0) / pts.length };
}

/** Bounding box of all landmarks (x, y of each xyz triple). */
export function landmarkBounds(landmarks: ArrayLike<number>): Box {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i + 2 < landmarks.length; i += 3) {
    const x = Number(landmarks[i]);
    const y = Number(landmarks[i + 1]);
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  if (!Number.isFinite(minX)) return { x: 0, y: 0, width: 0, height: 0 };
  return { x: minX, y: minY, width: maxX - minX, height: maxY - minY };
}

export function summariseFace(face: FaceObservation): FaceSummary {
  const { grade, reasons } = gradeQuality(face.quality);
  const lm = face.landmarks;
  return {
    trackId: face.trackId,
    box: face.box,
    landmarkCount: face.landmarkCount,
    landmarkBounds: landmarkBounds(lm),
    keyPoints: {
      noseTip: landmarkPoint(lm, MESH.noseTip),
      leftEye: meanPoint(lm, MESH.imageLeftEye),
      rightEye: meanPoint(lm, MESH.imageRightEye),
      mouth: meanPoint(lm, MESH.mouth),
    },
    pose: face.pose,
    quality: face.quality,
    grade,
    gradeReasons: reasons,
    swapScore: face.swapScore,
  };
}
