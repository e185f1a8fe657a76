import { describe, expect, it } from 'vitest';
import { auc, tprAtFpr } from '../../src/core/metrics';

describe('auc', () => {
  it('is 1 for a perfect separation, 0 for a perfectly wrong one, 0.5 for ties', () => {
    expect(auc([0.9, 0.8, 0.1, 0.2], [true, true, false, false])).toBe(1);
    expect(auc([0.1, 0.2, 0.9, 0.8], [true, true, false, false])).toBe(0);
    expect(auc([0.5, 0.5, 0.5, 0.5], [true, false, true, false])).toBe(0.5);
  });

  it('matches the pairwise definition on a random sample', () => {
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const scores = Array.from({ length: 300 }, () => Math.round(rnd() * 50) / 50);
    const labels = scores.map((s) => rnd() < 0.3 + 0.4 * s);
    let wins = 0;
    let pairs = 0;
    scores.forEach((p, i) => {
      if (!labels[i]) return;
      scores.forEach((n, j) => {
        if (labels[j]) return;
        pairs++;
        wins += p > n ? 1 : p === n ? 0.5 : 0;
      });
    });
    expect(auc(scores, labels)).toBeCloseTo(wins / pairs, 12);
  });

  it('is null without both classes', () => {
    expect(auc([0.1, 0.2], [false, false])).toBeNull();
  });
});

describe('tprAtFpr', () => {
  it('finds the threshold letting through at most the allowed share of negatives', () => {
    const neg = Array.from({ length: 100 }, (_, i) => i / 100); // 0.00 .. 0.99
    const pos = [0.995, 0.985, 0.975, 0.5];
    const scores = [...neg, ...pos];
    const labels = [...neg.map(() => false), ...pos.map(() => true)];
    const at1 = tprAtFpr(scores, labels, 0.01)!;
    expect(neg.filter((s) => s >= at1.threshold)).toHaveLength(1);
    expect(at1.tpr).toBe(2 / 4); // 0.975 is below the 2nd-highest negative (0.98)
    const at5 = tprAtFpr(scores, labels, 0.05)!;
    expect(neg.filter((s) => s >= at5.threshold)).toHaveLength(5);
    expect(at5.tpr).toBe(3 / 4);
  });
});
