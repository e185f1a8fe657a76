import { describe, expect, it } from 'vitest';
import { DEFAULT_FUSION, median, RiskFusion, type FusionState } from '../../src/core/risk-fusion';
import type { FaceQuality } from '../../src/shared/types';

const GOOD: FaceQuality = { faceSizePx: 200, sharpness: 100, brightness: 120 };
/** A per-frame score well inside "likely deepfake", whatever the shipped thresholds are. */
const HIGH = (DEFAULT_FUSION.deepfake.enter + 1) / 2;

/** Feeds `seconds` of frames at `fps` with a probability given per time; returns every state. */
function feed(f: RiskFusion, from: number, seconds: number, fps: number, p: (t: number) => number | null, q: FaceQuality | null = GOOD): FusionState[] {
  const out: FusionState[] = [];
  for (let t = from; t < from + seconds - 1e-9; t += 1 / fps) out.push(f.push(t, p(t), q));
  return out;
}

describe('RiskFusion', () => {
  it('says "insufficient" with a reason until enough usable frames over enough time', () => {
    const f = new RiskFusion(0);
    const states = feed(f, 0, 1.5, 5, () => 0.05);
    expect(states.every((s) => s.verdict === 'insufficient')).toBe(true);
    expect(states.at(-1)?.reason).toBe('not enough time yet');
    const later = feed(f, 1.5, 1, 5, () => 0.05);
    expect(later.at(-1)?.verdict).toBe('genuine');
    expect(later.at(-1)?.reason).toBeNull();
  });

  it('names why frames are not evidence: no face, too small, too dark, too blurred', () => {
    const f = new RiskFusion(0);
    expect(f.push(0, null, null).reason).toBe('no face in view');
    expect(f.push(0.2, 0.9, { ...GOOD, faceSizePx: 40 }).reason).toBe('face too small (40 px)');
    expect(f.push(0.4, 0.9, { ...GOOD, brightness: 10 }).reason).toBe('face too dark');
    expect(f.push(0.6, 0.9, { ...GOOD, sharpness: 1 }).reason).toBe('face too blurred');
    expect(f.push(0.8, 0.9, { ...GOOD, sharpness: 1 }).score).toBeNull(); // none of them counted
  });

  it('raises "likely deepfake" for a consistently high score, within a few seconds', () => {
    const f = new RiskFusion(0);
    const states = feed(f, 0, 6, 5, () => HIGH);
    const first = states.findIndex((s) => s.verdict === 'deepfake');
    expect(first).toBeGreaterThan(-1);
    expect(first / 5).toBeLessThanOrEqual(DEFAULT_FUSION.minEvidenceSeconds + DEFAULT_FUSION.dwellSeconds + 0.5);
    expect(states.at(-1)?.score).toBeGreaterThan(DEFAULT_FUSION.deepfake.enter);
  });

  it('does not flicker when the score hovers around a threshold (hysteresis and dwell)', () => {
    const f = new RiskFusion(0);
    feed(f, 0, 5, 5, () => HIGH); // deepfake
    // Hover between the deepfake exit and enter thresholds: stays "deepfake".
    const { enter, exit } = DEFAULT_FUSION.deepfake;
    const hover = feed(f, 5, 10, 5, (t) => (Math.round(t * 5) % 2 === 0 ? enter - 0.005 : exit + 0.005));
    expect(new Set(hover.map((s) => s.verdict))).toEqual(new Set(['deepfake']));
    // One low frame among high ones changes nothing either.
    const blip = feed(f, 15, 3, 5, (t) => (Math.abs(t - 16) < 0.1 ? 0.0 : HIGH));
    expect(blip.every((s) => s.verdict === 'deepfake')).toBe(true);
  });

  it('comes down through "suspicious" to "genuine" when the score falls, each after the dwell', () => {
    const f = new RiskFusion(0);
    feed(f, 0, 5, 5, () => HIGH);
    const middle = (DEFAULT_FUSION.suspicious.enter + DEFAULT_FUSION.deepfake.exit) / 2; // inside the suspicious band
    const down = [...feed(f, 5, 6, 5, () => middle), ...feed(f, 11, 6, 5, () => 0.02)];
    const verdicts = down.map((s) => s.verdict).filter((v, i, a) => v !== a[i - 1]);
    expect(verdicts).toEqual(['deepfake', 'suspicious', 'genuine']);
    const last = down.at(-1)!;
    expect(last.since).toBeGreaterThan(11);
  });

  it('does not dwell in "suspicious" on the way down when the score falls straight through it', () => {
    const f = new RiskFusion(0);
    feed(f, 0, 5, 5, () => HIGH);
    const verdicts = feed(f, 5, 10, 5, () => 0.02).map((s) => s.verdict).filter((v, i, a) => v !== a[i - 1]);
    expect(verdicts).toEqual(['deepfake', 'genuine']);
  });

  it('takes the median of the last 3 usable frames before the mean: one odd frame moves nothing, two in a row do', () => {
    expect(median([0.2])).toBe(0.2);
    expect(median([0.9, 0.1])).toBeCloseTo(0.5, 12);
    expect(median([0.9, 0, 0.8])).toBe(0.8);
    for (const [level, odd] of [[HIGH, 0], [0.02, 1]] as const) {
      const f = new RiskFusion(0);
      const before = feed(f, 0, 5, 5, () => level).at(-1)!.score!;
      expect(f.push(5, odd, GOOD).score).toBeCloseTo(before, 12);
      expect(f.push(5.2, level, GOOD).score).toBeCloseTo(before, 12);
      const g = new RiskFusion(0);
      const base = feed(g, 0, 5, 5, () => level).at(-1)!.score!;
      g.push(5, odd, GOOD);
      expect(Math.abs(g.push(5.2, odd, GOOD).score! - base)).toBeGreaterThan(0.05);
    }
    // frames that are not evidence (no face) do not enter the median either
    const h = new RiskFusion(0);
    const s0 = feed(h, 0, 5, 5, () => HIGH).at(-1)!.score!;
    h.push(5, null, null);
    expect(h.push(5.2, 0, GOOD).score).toBeCloseTo(s0, 12);
  });

  it('keeps "since" at the start of the current verdict', () => {
    const f = new RiskFusion(0);
    const states = feed(f, 0, 6, 5, () => 0.05);
    const genuine = states.filter((s) => s.verdict === 'genuine');
    expect(new Set(genuine.map((s) => s.since)).size).toBe(1);
  });

  it('falls back to "insufficient" when usable frames stop, and judges a returning face afresh', () => {
    const f = new RiskFusion(0);
    feed(f, 0, 5, 5, () => HIGH);
    const gone = feed(f, 5, 5, 5, () => null, null);
    expect(gone.at(-1)?.verdict).toBe('insufficient');
    expect(gone.at(-1)?.reason).toBe('no face in view');
    const back = feed(f, 10, 1, 5, () => 0.05);
    expect(back.at(-1)?.verdict).toBe('insufficient'); // fresh evidence needs its own time
    expect(back.at(-1)?.score).toBeLessThan(0.1); // and the old high score is gone
  });

  it('gives the same states for the same frames (deterministic) and ignores the frame rate for the score', () => {
    const run = (fps: number): number | null => {
      const f = new RiskFusion(0);
      feed(f, 0, 4, fps, () => 0.9);
      return feed(f, 4, 2, fps, () => 0.1).at(-1)?.score ?? null;
    };
    expect(run(5)).toBe(run(5));
    expect(Math.abs((run(5) ?? 0) - (run(10) ?? 1))).toBeLessThan(0.05);
  });
});
