import { describe, expect, it } from 'vitest';
import { KeyFrameKeeper, LATEST_REFRESH_MS, MAX_TOP } from '../../src/core/key-frames';

describe('KeyFrameKeeper', () => {
  it('keeps the highest-scoring stills and asks for a capture only when one would be kept', () => {
    const k = new KeyFrameKeeper<string>();
    const scores = [0.2, 0.9, 0.5, 0.7, 0.1, 0.95, 0.3];
    scores.forEach((score, i) => {
      const c = { t: i * 200, score };
      if (k.wants(c)) k.keep({ ...c, data: `f${i}` });
    });
    const top = k.frames().filter((f) => f.data !== 'f0').slice(0, MAX_TOP);
    expect(top.map((f) => f.score)).toEqual([0.95, 0.9, 0.7]);
    // The first still is kept as "latest" (a face seen, whatever its score), once.
    expect(k.frames().map((f) => f.data)).toEqual(['f5', 'f1', 'f3', 'f0']);
    expect(k.wants({ t: 1400, score: 0.6 })).toBe(false);
    expect(k.wants({ t: 1400, score: 0.96 })).toBe(true);
  });

  it('without scores (no released model) keeps the newest face, refreshed every few seconds', () => {
    const k = new KeyFrameKeeper<number>();
    let captures = 0;
    for (let t = 0; t < 35_000; t += 200) {
      if (k.wants({ t, score: null })) {
        captures++;
        k.keep({ t, score: null, data: t });
      }
    }
    expect(captures).toBe(Math.ceil(35_000 / LATEST_REFRESH_MS));
    expect(k.frames().map((f) => f.data)).toEqual([30_000]);
  });
});
