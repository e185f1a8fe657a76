import { describe, expect, it } from 'vitest';
import { DEFAULT_CHALLENGE_CONFIG, pickSteps, stepById, stepCatalogue, type ChallengeConfig } from '../../src/core/challenge/steps';
import { mulberry32 } from './fixtures/prng';

describe('the step catalogue', () => {
  it('has unique ids, words to say and an instruction for each step, and time limits from the config', () => {
    const steps = stepCatalogue();
    expect(new Set(steps.map((s) => s.id)).size).toBe(steps.length);
    for (const s of steps) {
      expect(s.say.length).toBeGreaterThan(20);
      expect(s.instruction.length).toBeGreaterThan(10);
      expect(s.timeLimitSeconds).toBe(DEFAULT_CHALLENGE_CONFIG.steps.timeLimitSeconds[s.kind]);
    }
    const config: ChallengeConfig = { ...DEFAULT_CHALLENGE_CONFIG, steps: { ...DEFAULT_CHALLENGE_CONFIG.steps, headTurnTargetDeg: 50 } };
    expect(stepById('head-turn-left-first', config).instruction).toContain('50°');
  });

  it('asks for both head-turn sides in one step, in the order its id names', () => {
    const left = stepById('head-turn-left-first');
    const right = stepById('head-turn-right-first');
    expect(left.kind).toBe('head-turn');
    expect(left.firstSide).toBe('left');
    expect(left.say.indexOf('your left')).toBeLessThan(left.say.indexOf('your right'));
    expect(right.say.indexOf('your right')).toBeLessThan(right.say.indexOf('your left'));
    expect(left.say).toMatch(/ear/);
  });
});

describe('pickSteps', () => {
  it('gives the same steps for the same seed', () => {
    for (let seed = 0; seed < 50; seed++) {
      expect(pickSteps(mulberry32(seed), 3).map((s) => s.id)).toEqual(pickSteps(mulberry32(seed), 3).map((s) => s.id));
    }
  });

  it('picks 2 or 3 distinct steps, exactly one head turn, and every step sometimes', () => {
    const seen = new Set<string>();
    const orders = new Set<string>();
    for (let seed = 0; seed < 300; seed++) {
      for (const count of [2, 3]) {
        const picked = pickSteps(mulberry32(seed * 2 + count), count);
        expect(picked.length).toBe(count);
        const kinds = picked.map((s) => s.kind);
        expect(new Set(kinds).size).toBe(count);
        expect(kinds.filter((k) => k === 'head-turn')).toHaveLength(1);
        picked.forEach((s) => seen.add(s.id));
        orders.add(picked.map((s) => s.id).join(','));
      }
    }
    expect([...seen].sort()).toEqual(stepCatalogue().map((s) => s.id).sort());
    expect(orders.size).toBeGreaterThan(20); // the order varies too, not only the choice
  });

  it('leaves the hand step out when there is no hand model', () => {
    for (let seed = 0; seed < 100; seed++) {
      const picked = pickSteps(mulberry32(seed), 3, { handModel: false });
      expect(picked.map((s) => s.kind)).not.toContain('hand-pass');
      expect(picked.length).toBe(3);
      expect(picked.some((s) => s.kind === 'head-turn')).toBe(true);
    }
  });

  it('clamps the count to 2..3 and survives a broken random source', () => {
    expect(pickSteps(mulberry32(1), 1).length).toBe(2);
    expect(pickSteps(mulberry32(1), 9).length).toBe(3);
    expect(pickSteps(mulberry32(1), Number.NaN).length).toBe(2);
    for (const value of [Number.NaN, 1, -5, 7]) {
      const picked = pickSteps(() => value, 3);
      expect(new Set(picked.map((s) => s.kind)).size).toBe(3);
    }
  });
});
