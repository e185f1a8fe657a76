/**
 * A hand's box from its 21 landmarks (MediaPipe's hand model: wrist, and four joints per finger), in the frame's
 * normalised coordinates. The points are joints, not the hand's outline: the flesh reaches past them (the palm's edge
 * past the knuckles, the fingertips past the last joint), so the box is grown by `margin` of its larger side on every
 * side before it is clipped to the frame. Used by the caller check's hand pass (core/challenge/measures.ts: coverage).
 */
import type { Box } from '../shared/types';

export const HAND_BOX_MARGIN = 0.1;

export function handBox(points: readonly { x: number; y: number }[], margin = HAND_BOX_MARGIN): Box | null {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const p of points) {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
    x0 = Math.min(x0, p.x);
    y0 = Math.min(y0, p.y);
    x1 = Math.max(x1, p.x);
    y1 = Math.max(y1, p.y);
  }
  if (!(x1 >= x0 && y1 >= y0)) return null;
  const grow = Math.max(x1 - x0, y1 - y0) * margin;
  const left = Math.max(0, x0 - grow);
  const top = Math.max(0, y0 - grow);
  const right = Math.min(1, x1 + grow);
  const bottom = Math.min(1, y1 + grow);
  if (!(right > left && bottom > top)) return null;
  return { x: left, y: top, width: right - left, height: bottom - top };
}
