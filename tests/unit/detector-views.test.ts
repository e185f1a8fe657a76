import { describe, expect, it } from 'vitest';
import { DETECTOR_VIEWS, probabilityFromViews, viewForVideoFrame } from '../../src/core/detector-views';

describe('detector views', () => {
  it('alternates plain and mirrored along a video, starting plain', () => {
    expect([0, 1, 2, 3, 4].map(viewForVideoFrame)).toEqual(['plain', 'mirrored', 'plain', 'mirrored', 'plain']);
    expect(DETECTOR_VIEWS).toContain(viewForVideoFrame(7));
  });

  it('averages the views in logit space, then squashes', () => {
    expect(probabilityFromViews([0])).toBe(0.5);
    expect(probabilityFromViews([2, -2])).toBe(0.5);
    expect(probabilityFromViews([Math.log(3)])).toBeCloseTo(0.75, 12);
    expect(probabilityFromViews([1, 3])).toBeCloseTo(1 / (1 + Math.exp(-2)), 12);
    // one confident view is tempered by a hesitant one, unlike averaging probabilities the other way round
    expect(probabilityFromViews([8, 0])).toBeLessThan(0.99);
  });

  it('gives NaN, not a number that looks like a verdict, for no or broken logits', () => {
    expect(probabilityFromViews([])).toBeNaN();
    expect(probabilityFromViews([1, NaN])).toBeNaN();
    expect(probabilityFromViews([Infinity, -Infinity])).toBeNaN();
  });
});
