import { describe, expect, it } from 'vitest';
import type { ChallengeOutcome, ChallengeResult, FailureKind } from '../../src/core/challenge/session';
import { combineWithChallenges, failureCounts } from '../../src/core/challenge/verdict';
import type { RiskSummary, RiskVerdict } from '../../src/shared/types';

const passive = (verdict: RiskVerdict, reason: string | null = null): RiskSummary => ({ verdict, score: verdict === 'insufficient' ? null : 0.5, since: 0, reason });

function result(outcome: ChallengeOutcome, options: { failedOn?: FailureKind[]; endedAt?: number; participantId?: string } = {}): ChallengeResult {
  const failedOn = options.failedOn ?? (outcome === 'failed' ? ['tracking'] : []);
  return {
    participantId: options.participantId ?? 'p1',
    outcome,
    summary: '',
    reasons: outcome === 'inconclusive' ? ['The check ended early: the participant left the call.'] : [],
    steps: [
      {
        id: 'head-turn-left-first',
        kind: 'head-turn',
        outcome,
        performed: true,
        heldUp: outcome === 'failed' ? false : true,
        failedOn,
        measurements: {},
        reasons: ['Turned 70° to their left and 70° to their right (asked: 60° each way).', 'The face matched the one before the check.'],
        because: outcome === 'failed' ? 'The face was lost at 38° of turn for 2.4 s while the head was still in view (1.6-4.0 s).' : 'The step was done.',
        keyFrames: [],
        startedAt: 0,
        endedAt: 10,
      },
    ],
    startedAt: 0,
    endedAt: options.endedAt ?? 10,
    advice: [],
    framesRejected: 0,
  };
}

describe('combining a challenge with the passive verdict', () => {
  it('raises every verdict below "suspicious" to "suspicious" on a failed challenge, and keeps "likely deepfake"', () => {
    for (const [before, after] of [
      ['insufficient', 'suspicious'],
      ['genuine', 'suspicious'],
      ['suspicious', 'suspicious'],
      ['deepfake', 'deepfake'],
    ] as const) {
      const c = combineWithChallenges('p1', passive(before, before === 'insufficient' ? 'not enough time yet' : null), [result('failed')], true);
      expect(c.verdict).toBe(after);
      expect(c.passive).toBe(before);
      expect(c.raisedByChallenge).toBe(before === 'insufficient' || before === 'genuine');
      expect(c.reason).toBeNull();
      expect(c.challenge?.line).toMatch(/^Verification check failed: The face was lost at 38°/);
    }
  });

  it('never lowers a verdict on a pass, nor turns "not enough evidence" into "looks genuine"', () => {
    for (const v of ['insufficient', 'genuine', 'suspicious', 'deepfake'] as const) {
      const c = combineWithChallenges('p1', passive(v, v === 'insufficient' ? 'no face in view' : null), [result('passed')], true);
      expect(c.verdict).toBe(v);
      expect(c.raisedByChallenge).toBe(false);
      expect(c.challenge?.line).toMatch(/passed\. This does not prove who they are/);
    }
    expect(combineWithChallenges('p1', passive('insufficient', 'no face in view'), [result('passed')], true).reason).toBe('no face in view');
  });

  it('changes nothing on "not performed" or "inconclusive", but shows them with a reason', () => {
    for (const outcome of ['not-performed', 'inconclusive'] as const) {
      const c = combineWithChallenges('p1', passive('genuine'), [result(outcome)], true);
      expect(c.verdict).toBe('genuine');
      expect(c.raisedByChallenge).toBe(false);
      expect(c.challenge?.outcome).toBe(outcome);
    }
    expect(combineWithChallenges('p1', passive('genuine'), [result('inconclusive')], true).challenge?.line).toMatch(/inconclusive: .*participant left/);
  });

  it('keeps an earlier failure when a later challenge passes', () => {
    const c = combineWithChallenges('p1', passive('genuine'), [result('passed', { endedAt: 50 }), result('failed', { endedAt: 20 })], true);
    expect(c.verdict).toBe('suspicious');
    expect(c.challenge).toMatchObject({ outcome: 'failed', endedAt: 20 });
  });

  it('shows the latest result when none failed, and ignores other participants', () => {
    const c = combineWithChallenges('p1', passive('genuine'), [result('inconclusive', { endedAt: 5 }), result('passed', { endedAt: 9 }), result('failed', { participantId: 'p2' })], true);
    expect(c.verdict).toBe('genuine');
    expect(c.challenge?.outcome).toBe('passed');
    expect(combineWithChallenges('p1', passive('genuine'), [], true).challenge).toBeNull();
  });

  it('does not count a failure resting only on an unreleased detector score, but does count tracking or identity', () => {
    const scoreOnly = result('failed', { failedOn: ['swap-score'] });
    expect(failureCounts(scoreOnly, false)).toBe(false);
    expect(failureCounts(scoreOnly, true)).toBe(true);
    const c = combineWithChallenges('p1', passive('insufficient', 'the face-swap check is not released yet'), [scoreOnly], false);
    expect(c.verdict).toBe('insufficient');
    expect(c.challenge?.line).toMatch(/score alone.*not counted/);
    for (const kind of ['tracking', 'identity', 'boundary', 'texture'] as const) {
      expect(failureCounts(result('failed', { failedOn: ['swap-score', kind] }), false)).toBe(true);
    }
    expect(failureCounts(result('passed'), true)).toBe(false);
  });
});
