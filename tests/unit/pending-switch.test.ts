import { describe, expect, it } from 'vitest';
import { PendingSwitch } from '../../src/ui/pending-switch';

describe('a switch whose truth is pushed by the background', () => {
  it('follows pushes when the user has not touched it', () => {
    const s = new PendingSwitch(3_000, () => 0);
    expect(s.shown(true)).toBe(true);
    expect(s.shown(false)).toBe(false);
  });

  it('keeps the user\'s click against a push that left before it, until a push confirms it', () => {
    let t = 0;
    const s = new PendingSwitch(3_000, () => t);
    s.chose(false);
    t = 50;
    expect(s.shown(true)).toBe(false); // the stale push does not undo the click
    t = 100;
    expect(s.shown(false)).toBe(false); // confirmed
    t = 200;
    expect(s.shown(true)).toBe(true); // from now on pushes rule again (someone else turned it on)
  });

  it('gives way to the background when no push agrees within the grace period', () => {
    let t = 0;
    const s = new PendingSwitch(3_000, () => t);
    s.chose(true);
    t = 2_999;
    expect(s.shown(false)).toBe(true);
    t = 3_001;
    expect(s.shown(false)).toBe(false);
    expect(s.shown(true)).toBe(true);
  });

  it('goes back to the value before the click when the request fails', () => {
    const s = new PendingSwitch(3_000, () => 0);
    expect(s.failed()).toBeNull();
    s.chose(false);
    expect(s.failed()).toBe(true);
    expect(s.shown(true)).toBe(true);
  });
});
