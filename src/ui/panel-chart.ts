/**
 * The side panel's small chart of one participant's risk and face quality over the last minutes: plain data in, SVG
 * path strings out, so Node tests can check it. Gaps (no score, no face) break the line instead of bridging them.
 */
import type { ParticipantSummary } from '../shared/types';

export interface HistoryPoint {
  t: number;
  /** The fused risk score shown (null: none). */
  risk: number | null;
  /** Face quality as a height: good 0.9, fair 0.55, poor 0.2; null without a face. */
  quality: number | null;
}

const GRADE_HEIGHT = { good: 0.9, fair: 0.55, poor: 0.2 } as const;

export function historyPoint(p: ParticipantSummary, now: number): HistoryPoint {
  const face = p.faces[0];
  return {
    t: now,
    risk: p.verdictsAvailable && p.risk.score !== null && Number.isFinite(p.risk.score) ? Math.min(1, Math.max(0, p.risk.score)) : null,
    quality: p.state === 'face-tracked' && face ? GRADE_HEIGHT[face.grade] : null,
  };
}

function path(points: readonly HistoryPoint[], value: (p: HistoryPoint) => number | null, x: (t: number) => number, height: number): string {
  let d = '';
  let pen = false;
  for (const p of points) {
    const v = value(p);
    const px = x(p.t);
    if (v === null || px < 0) {
      pen = false;
      continue;
    }
    const py = (1 - v) * (height - 2) + 1;
    d += `${pen ? 'L' : 'M'}${px.toFixed(1)} ${py.toFixed(1)} `;
    pen = true;
  }
  return d.trim();
}

/** Paths for the last `seconds` before `now`, in a `width` x `height` box (time runs left to right). */
export function riskChartPaths(points: readonly HistoryPoint[], now: number, seconds: number, width: number, height: number): { risk: string; quality: string } {
  const x = (t: number): number => width - ((now - t) / (seconds * 1000)) * width;
  return { risk: path(points, (p) => p.risk, x, height), quality: path(points, (p) => p.quality, x, height) };
}
