import { describe, expect, it } from 'vitest';
import { EngineTokens } from '../../src/background/engine-tokens';

const TTL_MS = 30_000;

function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

describe('EngineTokens', () => {
  it('redeems a token once, for the tab it was issued to', () => {
    const tokens = new EngineTokens(clock().now);
    const token = tokens.issue(7);
    expect(tokens.redeem(token, 7)).toBe(true);
    expect(tokens.redeem(token, 7)).toBe(false);
  });

  it('refuses a token presented by another tab, and spends it', () => {
    const tokens = new EngineTokens(clock().now);
    const token = tokens.issue(7);
    expect(tokens.redeem(token, 8)).toBe(false);
    // A hostile tab's failed attempt burns the token: the rightful tab cannot use it afterwards either.
    expect(tokens.redeem(token, 7)).toBe(false);
  });

  it('works for tab 0', () => {
    const tokens = new EngineTokens(clock().now);
    expect(tokens.redeem(tokens.issue(0), 0)).toBe(true);
  });

  it('refuses unknown tokens', () => {
    const tokens = new EngineTokens(clock().now);
    tokens.issue(1);
    for (const t of ['', 'x', '0'.repeat(48), 'toString', '__proto__', 'constructor']) expect(tokens.redeem(t, 1)).toBe(false);
  });

  it('keeps several tokens apart', () => {
    const tokens = new EngineTokens(clock().now);
    const a = tokens.issue(1);
    const b = tokens.issue(2);
    const c = tokens.issue(1);
    expect(tokens.redeem(b, 2)).toBe(true);
    expect(tokens.redeem(c, 1)).toBe(true);
    expect(tokens.redeem(a, 1)).toBe(true);
  });

  it('expires a token after its TTL', () => {
    const c = clock();
    const tokens = new EngineTokens(c.now);
    const fresh = tokens.issue(3);
    const stale = tokens.issue(3);
    c.advance(TTL_MS);
    // Exactly at the TTL it still counts.
    expect(tokens.redeem(fresh, 3)).toBe(true);
    c.advance(1);
    expect(tokens.redeem(stale, 3)).toBe(false);
  });

  it('expires old tokens without touching newer ones', () => {
    const c = clock();
    const tokens = new EngineTokens(c.now);
    const old = tokens.issue(3);
    c.advance(20_000);
    const young = tokens.issue(3);
    c.advance(15_000);
    expect(tokens.redeem(old, 3)).toBe(false);
    expect(tokens.redeem(young, 3)).toBe(true);
  });

  it('issues unpredictable tokens: 48 hex characters (192 bits), all distinct, evenly spread', () => {
    const tokens = new EngineTokens(clock().now);
    const issued = Array.from({ length: 2000 }, (_, i) => tokens.issue(i));
    for (const t of issued) expect(t).toMatch(/^[0-9a-f]{48}$/);
    expect(new Set(issued).size).toBe(issued.length);
    // Every hex digit appears about 1/16 of the time (96 000 digits: ~6 000 each, sd ~ 75).
    const counts = new Map<string, number>();
    for (const t of issued) for (const ch of t) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(16);
    for (const n of counts.values()) {
      expect(n).toBeGreaterThan(5_400);
      expect(n).toBeLessThan(6_600);
    }
    // Not sequential: consecutive tokens share no long common prefix.
    for (let i = 1; i < 50; i++) expect((issued[i] ?? '').slice(0, 8)).not.toBe((issued[i - 1] ?? '').slice(0, 8));
  });
});
