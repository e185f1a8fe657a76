import { describe, expect, it } from 'vitest';
import { FaceTracker, iou } from '../../src/core/face-tracks';
import type { Box } from '../../src/shared/types';

const box = (x: number, y: number, width = 0.2, height = 0.3): Box => ({ x, y, width, height });

describe('iou', () => {
  it('is 1 for identical boxes and 0 for disjoint or touching ones', () => {
    expect(iou(box(0.1, 0.1), box(0.1, 0.1))).toBeCloseTo(1, 12);
    expect(iou({ x: 1, y: 2, width: 4, height: 8 }, { x: 1, y: 2, width: 4, height: 8 })).toBe(1);
    expect(iou(box(0, 0), box(0.5, 0.5))).toBe(0);
    expect(iou(box(0, 0, 0.2, 0.2), box(0.2, 0, 0.2, 0.2))).toBe(0);
  });

  it('is intersection over union for partial overlaps, and symmetric', () => {
    const a = { x: 0, y: 0, width: 2, height: 2 };
    const b = { x: 1, y: 1, width: 2, height: 2 };
    expect(iou(a, b)).toBeCloseTo(1 / 7, 12);
    expect(iou(b, a)).toBeCloseTo(1 / 7, 12);
    // A box inside another: the smaller area over the larger.
    expect(iou({ x: 0, y: 0, width: 4, height: 4 }, { x: 1, y: 1, width: 2, height: 2 })).toBeCloseTo(4 / 16, 12);
  });

  it('is 0, not NaN, for empty boxes', () => {
    const empty = { x: 0.3, y: 0.3, width: 0, height: 0 };
    expect(iou(empty, empty)).toBe(0);
    expect(iou(empty, box(0.2, 0.2))).toBe(0);
  });
});

describe('FaceTracker', () => {
  it('keeps one id for a face moving a little each frame', () => {
    const tracker = new FaceTracker();
    const [first] = tracker.assign([box(0.3, 0.2)]);
    for (let i = 1; i <= 30; i++) expect(tracker.assign([box(0.3 + i * 0.01, 0.2 + i * 0.005)])).toEqual([first]);
    expect(tracker.activeTracks).toBe(1);
  });

  it('keeps two faces apart, whatever order the detector lists them in', () => {
    const tracker = new FaceTracker();
    const [left, right] = tracker.assign([box(0.05, 0.3), box(0.6, 0.3)]);
    expect(left).not.toBe(right);
    for (let i = 1; i <= 10; i++) {
      const l = box(0.05 + i * 0.01, 0.3);
      const r = box(0.6 - i * 0.01, 0.3);
      expect(tracker.assign(i % 2 ? [r, l] : [l, r])).toEqual(i % 2 ? [right, left] : [left, right]);
    }
    expect(tracker.activeTracks).toBe(2);
  });

  it('gives a new face a new id and keeps the old one', () => {
    const tracker = new FaceTracker();
    const [a] = tracker.assign([box(0.1, 0.1)]);
    const ids = tracker.assign([box(0.11, 0.1), box(0.6, 0.5)]);
    expect(ids[0]).toBe(a);
    expect(ids[1]).not.toBe(a);
    expect(new Set(ids).size).toBe(2);
  });

  it('gives a face that jumps too far (overlap below minIou) a new id', () => {
    const tracker = new FaceTracker();
    const [a] = tracker.assign([box(0.1, 0.1)]);
    const [b] = tracker.assign([box(0.5, 0.5)]);
    expect(b).not.toBe(a);
  });

  it('keeps the id of a face missed for up to maxMissedFrames frames', () => {
    const tracker = new FaceTracker(0.2, 5);
    const [a] = tracker.assign([box(0.3, 0.3)]);
    for (let i = 0; i < 5; i++) expect(tracker.assign([])).toEqual([]);
    expect(tracker.activeTracks).toBe(1);
    expect(tracker.assign([box(0.31, 0.3)])).toEqual([a]);
  });

  it('gives a face gone for more than maxMissedFrames frames a new id when it comes back', () => {
    const tracker = new FaceTracker(0.2, 5);
    const [a] = tracker.assign([box(0.3, 0.3)]);
    for (let i = 0; i < 6; i++) tracker.assign([]);
    expect(tracker.activeTracks).toBe(0);
    const [back] = tracker.assign([box(0.3, 0.3)]);
    expect(back).not.toBe(a);
    expect(back).toBeGreaterThan(a ?? Infinity);
  });

  it('never reuses an id, and never gives one track to two boxes', () => {
    const tracker = new FaceTracker();
    const seen = new Set<number>();
    // Two detections of the same face in one frame: only one may inherit the track.
    const [a] = tracker.assign([box(0.2, 0.2)]);
    if (a !== undefined) seen.add(a);
    const twice = tracker.assign([box(0.2, 0.2), box(0.21, 0.2)]);
    expect(twice).toContain(a);
    expect(new Set(twice).size).toBe(2);
    for (let i = 0; i < 10; i++) {
      for (const id of tracker.assign([box(0.05 * i, 0.7 - 0.05 * i, 0.05, 0.05)])) {
        if (id !== a && !twice.includes(id)) {
          expect(seen.has(id)).toBe(false);
          seen.add(id);
        }
      }
    }
  });

  it('gives the best-overlapping track to each box', () => {
    const tracker = new FaceTracker();
    const [a, b] = tracker.assign([box(0.1, 0.1, 0.3, 0.3), box(0.3, 0.1, 0.3, 0.3)]);
    // Both new boxes overlap both tracks; each should go to the track it overlaps most.
    expect(tracker.assign([box(0.29, 0.1, 0.3, 0.3), box(0.12, 0.1, 0.3, 0.3)])).toEqual([b, a]);
  });
});
