import { describe, expect, it } from 'vitest';
import { median, percentile, TimeWindow } from '../../src/core/stats';

describe('percentile', () => {
  it('is null for an empty sample', () => {
    expect(percentile([], 50)).toBeNull();
    expect(median([])).toBeNull();
  });

  it('returns the only value of a one-value sample', () => {
    for (const p of [0, 10, 50, 100]) expect(percentile([7], p)).toBe(7);
  });

  it('interpolates linearly between order statistics', () => {
    const v = [10, 20, 30, 40, 50];
    expect(percentile(v, 0)).toBe(10);
    expect(percentile(v, 25)).toBe(20);
    expect(percentile(v, 50)).toBe(30);
    expect(percentile(v, 90)).toBeCloseTo(46, 12);
    expect(percentile(v, 100)).toBe(50);
    expect(percentile([1, 2], 50)).toBe(1.5);
    expect(percentile([0, 100], 95)).toBeCloseTo(95, 12);
  });

  it('sorts numerically, without changing its input', () => {
    const v = [100, 9, 25, 3];
    expect(percentile(v, 0)).toBe(3);
    expect(percentile(v, 100)).toBe(100);
    expect(v).toEqual([100, 9, 25, 3]);
  });

  it('clamps p to 0..100', () => {
    expect(percentile([1, 2, 3], -20)).toBe(1);
    expect(percentile([1, 2, 3], 250)).toBe(3);
  });
});

describe('median', () => {
  it('is the middle value, or the mean of the two middle ones', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([-2, -2, 8])).toBe(-2);
  });
});

describe('TimeWindow', () => {
  it('reports the rate of events still inside the window', () => {
    const w = new TimeWindow(3000);
    // 5 events per second for 3 s: t = 0, 200, ..., 2800 (15 events).
    for (let t = 0; t < 3000; t += 200) w.push(t, 1);
    expect(w.rate(3000)).toBe(5);
    // 1.5 s later, those before 1500 ms have left: 1600, ..., 2800 remain.
    expect(w.rate(4500)).toBeCloseTo((7 * 1000) / 3000, 12);
    expect(w.rate(100_000)).toBe(0);
  });

  it('keeps an event exactly windowMs old and drops one older', () => {
    const w = new TimeWindow(1000);
    w.push(0, 1);
    expect(w.values(1000)).toEqual([1]);
    expect(w.values(1000.5)).toEqual([]);
  });

  it('trims on push and on read, oldest first', () => {
    const w = new TimeWindow(1000);
    w.push(0, 10);
    w.push(500, 20);
    w.push(1200, 30);
    expect(w.values(1200)).toEqual([20, 30]);
    w.push(2100, 40);
    expect(w.values(2100)).toEqual([30, 40]);
    w.trim(5000);
    expect(w.values(5000)).toEqual([]);
    expect(w.rate(5000)).toBe(0);
  });

  it('gives values that median() can summarise', () => {
    const w = new TimeWindow(3000);
    [12, 40, 15, 11, 90].forEach((v, i) => w.push(i * 100, v));
    expect(median(w.values(500))).toBe(15);
  });
});

describe('TimeWindow.rate early on', () => {
  it('divides by the time elapsed since the first event while that is shorter than the window', () => {
    const w = new TimeWindow(3000);
    for (let t = 0; t <= 1800; t += 200) w.push(t, 1); // 10 events in 1.8 s at 5 per second
    expect(w.rate(2000)).toBeCloseTo(5, 5);
  });
});
