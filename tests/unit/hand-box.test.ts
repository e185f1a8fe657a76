import { describe, expect, it } from 'vitest';
import { HAND_BOX_MARGIN, handBox } from '../../src/core/hand-box';

/** 21 points of an open hand, 0.2 wide and 0.3 tall, its top-left at (x, y). */
function hand(x: number, y: number): { x: number; y: number }[] {
  const pts = [{ x: x + 0.1, y: y + 0.3 }]; // wrist
  for (let finger = 0; finger < 5; finger++) for (let joint = 1; joint <= 4; joint++) pts.push({ x: x + finger * 0.05, y: y + 0.3 - joint * 0.075 });
  return pts;
}

describe('hand box', () => {
  it('bounds the joints and grows by the margin of the larger side', () => {
    const b = handBox(hand(0.4, 0.3));
    const grow = 0.3 * HAND_BOX_MARGIN;
    expect(b?.x).toBeCloseTo(0.4 - grow, 9);
    expect(b?.y).toBeCloseTo(0.3 - grow, 9);
    expect(b?.width).toBeCloseTo(0.2 + 2 * grow, 9);
    expect(b?.height).toBeCloseTo(0.3 + 2 * grow, 9);
    expect(handBox(hand(0.4, 0.3), 0)).toEqual({ x: 0.4, y: expect.closeTo(0.3, 9) as number, width: expect.closeTo(0.2, 9) as number, height: expect.closeTo(0.3, 9) as number });
  });

  it('clips to the frame, skips points that are not numbers, and gives null for nothing usable', () => {
    const b = handBox(hand(0.9, -0.1));
    expect(b?.x).toBeCloseTo(0.9 - 0.03, 9);
    expect(b?.y).toBe(0);
    expect((b?.x ?? 0) + (b?.width ?? 0)).toBe(1);
    expect(handBox([...hand(0.4, 0.3), { x: Number.NaN, y: 5 }])).toEqual(handBox(hand(0.4, 0.3)));
    expect(handBox([])).toBeNull();
    expect(handBox([{ x: Number.NaN, y: Number.NaN }])).toBeNull();
    expect(handBox(hand(1.5, 0.3))).toBeNull(); // wholly outside the frame
  });
});
