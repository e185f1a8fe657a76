import { describe, expect, it } from 'vitest';
import { DEFAULT_FUSION, RiskFusion, type FusionConfig } from '../../src/core/risk-fusion';
import { fusionConfigFor } from '../../src/core/sensitivity';
import type { FaceQuality, Sensitivity } from '../../src/shared/types';

const GOOD: FaceQuality = { faceSizePx: 200, sharpness: 100, brightness: 120 };

function ordered(c: FusionConfig): void {
  expect(c.suspicious.exit).toBeLessThan(c.suspicious.enter);
  expect(c.deepfake.exit).toBeLessThan(c.deepfake.enter);
  expect(c.suspicious.enter).toBeLessThan(c.deepfake.enter);
  expect(c.suspicious.exit).toBeLessThan(c.deepfake.exit);
  for (const t of [c.suspicious.enter, c.suspicious.exit, c.deepfake.enter, c.deepfake.exit]) {
    expect(t).toBeGreaterThan(0);
    expect(t).toBeLessThan(1);
  }
}

/** The verdict after `seconds` of a constant per-frame probability. */
function verdictAt(config: FusionConfig, p: number, seconds = 8): string {
  const f = new RiskFusion(0, config);
  let verdict = '';
  for (let t = 0; t < seconds; t += 0.2) verdict = f.push(t, p, GOOD).verdict;
  return verdict;
}

describe('fusionConfigFor', () => {
  it("returns the base unchanged for 'standard' (the setting the published figures measure)", () => {
    expect(fusionConfigFor('standard')).toBe(DEFAULT_FUSION);
  });

  it("'low' raises every threshold by 0.04, holding 'likely deepfake' under the 0.99 ceiling", () => {
    const c = fusionConfigFor('low');
    expect(c.suspicious).toEqual({ enter: 0.942, exit: 0.822 });
    // 0.983 + 0.04 and 0.959 + 0.04 would be unreachable; the ceiling and the gap below it keep a working band
    expect(c.deepfake).toEqual({ enter: 0.99, exit: 0.98 });
  });

  it("'high' lowers every threshold by 0.06", () => {
    const c = fusionConfigFor('high');
    expect(c.suspicious).toEqual({ enter: 0.842, exit: 0.722 });
    expect(c.deepfake).toEqual({ enter: 0.923, exit: 0.899 });
  });

  it('changes nothing but the score thresholds', () => {
    for (const s of ['low', 'high'] as Sensitivity[]) {
      const shifted = fusionConfigFor(s);
      expect({ ...shifted, suspicious: null, deepfake: null }).toEqual({ ...DEFAULT_FUSION, suspicious: null, deepfake: null });
    }
  });

  it('keeps thresholds ordered and below 1 even from an extreme base', () => {
    for (const s of ['low', 'standard', 'high'] as Sensitivity[]) ordered(fusionConfigFor(s));
    const nearTop: FusionConfig = { ...DEFAULT_FUSION, suspicious: { enter: 0.97, exit: 0.96 }, deepfake: { enter: 0.99, exit: 0.98 } };
    ordered(fusionConfigFor('low', nearTop));
    const nearBottom: FusionConfig = { ...DEFAULT_FUSION, suspicious: { enter: 0.05, exit: 0.02 }, deepfake: { enter: 0.07, exit: 0.06 } };
    ordered(fusionConfigFor('high', nearBottom));
  });

  it('does not modify the base it is given', () => {
    const base = structuredClone(DEFAULT_FUSION);
    fusionConfigFor('high', base);
    fusionConfigFor('low', base);
    expect(base).toEqual(DEFAULT_FUSION);
  });

  it('moves where a steady score warns: 0.91 is suspicious at standard but genuine at low, 0.95 deepfake only at high', () => {
    expect(verdictAt(fusionConfigFor('standard'), 0.91)).toBe('suspicious');
    expect(verdictAt(fusionConfigFor('low'), 0.91)).toBe('genuine');
    expect(verdictAt(fusionConfigFor('high'), 0.95)).toBe('deepfake');
    expect(verdictAt(fusionConfigFor('standard'), 0.95)).toBe('suspicious');
  });
});
