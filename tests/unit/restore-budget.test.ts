import { describe, expect, it } from 'vitest';
import { RestoreBudget } from '../../src/core/restore-budget';

describe('RestoreBudget', () => {
  it('allows up to max restores in a window, then refuses', () => {
    const budget = new RestoreBudget({ max: 3, windowMs: 1000 });
    expect([0, 10, 20].map((t) => budget.take(t))).toEqual([true, true, true]);
    expect(budget.take(30)).toBe(false);
    expect(budget.take(999)).toBe(false);
    expect(budget.refused).toBe(2);
  });

  it('allows restores again once the oldest leave the window', () => {
    const budget = new RestoreBudget({ max: 2, windowMs: 1000 });
    expect(budget.take(0)).toBe(true);
    expect(budget.take(500)).toBe(true);
    expect(budget.take(900)).toBe(false);
    expect(budget.take(1000)).toBe(true); // the restore at 0 has left the window
    expect(budget.take(1100)).toBe(false); // 500 and 1000 are still in it
    expect(budget.take(1500)).toBe(true);
  });

  it('bounds a page that removes the element in a tight loop', () => {
    const budget = new RestoreBudget({ max: 10, windowMs: 60_000 });
    let restored = 0;
    for (let t = 0; t < 60_000; t += 5) if (budget.take(t)) restored++;
    expect(restored).toBe(10);
    expect(budget.refused).toBe(12_000 - 10);
  });
});
