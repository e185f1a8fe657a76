import { describe, expect, it } from 'vitest';
import { historyPoint, riskChartPaths, type HistoryPoint } from '../../src/ui/panel-chart';
import type { ParticipantSummary } from '../../src/shared/types';

const NOW = 1_000_000;

describe('side panel chart', () => {
  it('draws risk and quality over the window, newest at the right, breaking the line at gaps', () => {
    const points: HistoryPoint[] = [
      { t: NOW - 200_000, risk: 0.9, quality: 0.9 }, // older than the window: not drawn
      { t: NOW - 180_000, risk: 0, quality: 0.9 },
      { t: NOW - 90_000, risk: 1, quality: null },
      { t: NOW - 60_000, risk: null, quality: 0.2 },
      { t: NOW, risk: 0.5, quality: 0.55 },
    ];
    const { risk, quality } = riskChartPaths(points, NOW, 180, 300, 48);
    expect(risk).toBe('M0.0 47.0 L150.0 1.0 M300.0 24.0');
    expect(quality).toBe('M0.0 5.6 M200.0 37.8 L300.0 21.7');
  });

  it('keeps the risk out of the history when the verdicts are not released, and the quality only with a face', () => {
    const p = { state: 'face-tracked', verdictsAvailable: false, risk: { verdict: 'insufficient', score: 0.7, since: 0, reason: null }, faces: [{ grade: 'fair' }] } as unknown as ParticipantSummary;
    expect(historyPoint(p, NOW)).toEqual({ t: NOW, risk: null, quality: 0.55 });
    expect(historyPoint({ ...p, verdictsAvailable: true }, NOW).risk).toBe(0.7);
    expect(historyPoint({ ...p, state: 'no-face' }, NOW).quality).toBeNull();
  });
});
