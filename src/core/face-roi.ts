/**
 * Finding a face again where it just was: a second look, in a crop around a face the tracker saw a moment ago, when
 * the whole-frame pass no longer finds it.
 *
 * Why: MediaPipe's face detector (the short-range BlazeFace, the only one the Tasks graph takes) looks at the whole
 * sample squeezed to 128 px. A face that spans 12 % of a 640 px gallery tile is ~15 px there, at the edge of what it
 * finds, and the first thing to go when the head turns: measured in a live call, a real head turn (face ~77 px in a
 * 640 px frame) was lost from ~32° of yaw on (docs/benchmarks.md, "Caller verification"). In a crop three face-widths
 * wide the same face spans a third of the detector's input. MediaPipe's own VIDEO mode does the same (it tracks from
 * the previous landmarks); one VIDEO-mode landmarker per participant cost 115 MB at four participants here
 * (face-engine.ts), a crop costs one more `detect` on the frames where a known face went missing.
 *
 * Pure geometry, so it is unit-tested; the engine draws the crop and runs the landmarker.
 */
import type { Box } from '../shared/types';
import { iou } from './face-tracks';

export const FACE_ROI = {
  /** Side of the crop, in face sizes (the larger of the face box's width and height). */
  sideInFaces: 3,
  /** The crop is drawn at this size for the landmarker (upscaled when smaller: the detector wants the face big). */
  drawPx: 256,
  /** Never a crop smaller than this many frame pixels (a face box of a few pixels is noise, not a face to chase). */
  minSidePx: 48,
  /** A second look for at most this many missing faces per frame (the cost stays bounded with many faces). */
  maxPerFrame: 2,
  /** A face missing for more frames than this is not chased any more (it left, or the camera turned off). */
  maxMissedFrames: 3,
  /** A face found in the crop must overlap where it was by at least this much to count as the same face. */
  minIouWithLast: 0.1,
} as const;

/** A crop of the frame: a box in frame pixels, not normalised (square unless clipped by the frame's edge). */
export type Roi = Box;

/** The square crop around a face box (normalised to the frame), clipped to the frame; null when too small to use. */
export function roiAround(box: Box, frameWidth: number, frameHeight: number): Roi | null {
  if (!(frameWidth > 0 && frameHeight > 0) || !(box.width > 0 && box.height > 0)) return null;
  const faceSide = Math.max(box.width * frameWidth, box.height * frameHeight);
  const side = Math.max(FACE_ROI.minSidePx, faceSide * FACE_ROI.sideInFaces);
  const cx = (box.x + box.width / 2) * frameWidth;
  const cy = (box.y + box.height / 2) * frameHeight;
  const x0 = Math.max(0, Math.floor(cx - side / 2));
  const y0 = Math.max(0, Math.floor(cy - side / 2));
  const x1 = Math.min(frameWidth, Math.ceil(cx + side / 2));
  const y1 = Math.min(frameHeight, Math.ceil(cy + side / 2));
  if (x1 - x0 < FACE_ROI.minSidePx / 2 || y1 - y0 < FACE_ROI.minSidePx / 2) return null;
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** The size the crop is drawn at: `drawPx` on its longer side, its aspect kept. */
export function roiDrawSize(roi: Roi): { width: number; height: number } {
  const scale = FACE_ROI.drawPx / Math.max(roi.width, roi.height);
  return { width: Math.max(1, Math.round(roi.width * scale)), height: Math.max(1, Math.round(roi.height * scale)) };
}

/**
 * Landmarks found in the drawn crop (x, y, z triples normalised to the crop, as MediaPipe gives them) moved to the
 * whole frame's normalisation. z is in units of the image width, so it scales with x.
 */
export function landmarksToFrame(points: ArrayLike<number>, roi: Roi, frameWidth: number, frameHeight: number): Float32Array {
  const out = new Float32Array(points.length);
  const sx = roi.width / frameWidth;
  const sy = roi.height / frameHeight;
  const ox = roi.x / frameWidth;
  const oy = roi.y / frameHeight;
  for (let i = 0; i + 2 < points.length; i += 3) {
    out[i] = ox + Number(points[i]) * sx;
    out[i + 1] = oy + Number(points[i + 1]) * sy;
    out[i + 2] = Number(points[i + 2]) * sx;
  }
  return out;
}

/** A face the tracker saw recently: its box when last seen and how many frames it has been missing. */
export interface RecentFace {
  box: Box;
  missed: number;
}

/**
 * Which recently seen faces this frame's whole-frame pass did not find (no box overlapping where they were), most
 * recently seen first, at most `maxPerFrame` of them: the ones worth a second look.
 */
export function facesToLookFor(recent: readonly RecentFace[], found: readonly Box[], minIou = 0.2): RecentFace[] {
  return recent
    .filter((r) => r.missed <= FACE_ROI.maxMissedFrames && !found.some((b) => iou(r.box, b) >= minIou))
    .sort((a, b) => a.missed - b.missed)
    .slice(0, FACE_ROI.maxPerFrame);
}

/** Of the faces found in a crop (their boxes, normalised to the frame), the one that is the face looked for, or -1. */
export function matchInRoi(lookedFor: Box, candidates: readonly Box[]): number {
  let best = -1;
  let bestIou: number = FACE_ROI.minIouWithLast;
  candidates.forEach((box, i) => {
    const overlap = iou(lookedFor, box);
    if (overlap >= bestIou) {
      best = i;
      bestIou = overlap;
    }
  });
  return best;
}
