import { describe, expect, it } from 'vitest';
import { MAX_CHALLENGES_LOGGED, MAX_TIMELINE_POINTS, newCallLog, recordChallenge, recordParticipants, reportParticipants, sameCall, worstVerdictOf } from '../../src/core/call-log';
import type { ParticipantSummary, RiskSummary } from '../../src/shared/types';
import { makeChallenge } from './fixtures/report';

function summary(id: string, risk: Partial<RiskSummary> = {}, extra: Partial<ParticipantSummary> = {}): ParticipantSummary {
  return {
    id,
    label: `Person ${id}`,
    state: 'face-tracked',
    detail: 'Face tracked (300 px, good quality).',
    faces: [],
    risk: { verdict: 'genuine', score: 0.2, since: 0, reason: null, ...risk },
    verdictsAvailable: true,
    analysedFps: 5,
    engineMsMedian: 20,
    latencyMsMedian: 30,
    framesAnalysed: 10,
    since: 0,
    challenge: null,
    verification: null,
    ...extra,
  };
}

describe('call log', () => {
  it('keeps each change and about one sample a second, with first and last seen', () => {
    const log = newCallLog('c1', 3, 'https://meet.example/abc?pwd=secret', 1000);
    for (let t = 1000; t <= 5000; t += 400) recordParticipants(log, [summary('p1', { score: 0.2 + t / 100000 })], t);
    recordParticipants(log, [summary('p1', { verdict: 'deepfake', score: 0.95 })], 5100);
    const [p] = reportParticipants(log);
    expect(p?.firstSeen).toBe(1000);
    expect(p?.lastSeen).toBe(5100);
    expect(p?.finalVerdict).toBe('deepfake');
    expect(p?.peakScore).toBe(0.95);
    // Samples at most once a second (1000, 2200, 3400, 4600), and the change at 5100 at once.
    expect(p?.timeline.map((x) => x.t)).toEqual([1000, 2200, 3400, 4600, 5100]);
    expect(worstVerdictOf(log)).toBe('deepfake');
  });

  it('records no score or verdict the user was not shown (model not released)', () => {
    const log = newCallLog('c1', 3, 'https://meet.example/abc', 0);
    recordParticipants(log, [summary('p1', { verdict: 'deepfake', score: 0.99 }, { verdictsAvailable: false })], 0);
    const [p] = reportParticipants(log);
    expect(p?.peakScore).toBeNull();
    expect(p?.timeline[0]).toMatchObject({ verdict: 'insufficient', score: null });
    expect(worstVerdictOf(log)).toBe('insufficient');
  });

  it('keeps distinct reasons once each, and the label the page shows last', () => {
    const log = newCallLog('c1', 3, 'https://meet.example/abc', 0);
    recordParticipants(log, [summary('p1', {}, { detail: 'No face in view: nothing to check.', state: 'no-face' })], 0);
    recordParticipants(log, [summary('p1', {}, { detail: 'No face in view: nothing to check.', state: 'no-face' })], 500);
    recordParticipants(log, [summary('p1', {}, { label: 'Ada' })], 900);
    recordParticipants(log, [summary('p1', {}, { label: 'Ada', detail: 'Face tracked (288 px, good quality).' })], 1000);
    const [p] = reportParticipants(log);
    // Lines that differ only in their figures are one reason, with the latest figures.
    expect(p?.reasons).toEqual(['No face in view: nothing to check.', 'Face tracked (288 px, good quality).']);
    expect(p?.label).toBe('Ada');
    expect(p?.timeline.map((x) => x.state)).toEqual(['no-face', 'face-tracked']);
  });

  it('stays bounded over a long call, keeping every change and the shape', () => {
    const log = newCallLog('c1', 3, 'https://meet.example/abc', 0);
    const hours = 3;
    for (let s = 0; s < hours * 3600; s++) {
      const verdict = s % 1800 < 900 ? 'genuine' : 'suspicious';
      recordParticipants(log, [summary('p1', { verdict, score: verdict === 'genuine' ? 0.3 : 0.8 })], s * 1000);
    }
    const [p] = reportParticipants(log);
    expect(p!.timeline.length).toBeLessThanOrEqual(MAX_TIMELINE_POINTS);
    expect(p!.timeline.length).toBeGreaterThan(MAX_TIMELINE_POINTS / 2);
    const changes = p!.timeline.filter((x, i, a) => i === 0 || a[i - 1]!.verdict !== x.verdict);
    expect(changes).toHaveLength(hours * 4); // every switch kept: a change each 15 minutes
    expect(p!.timeline[0]!.t).toBe(0);
    expect(p!.timeline.at(-1)!.t).toBe((hours * 3600 - 1) * 1000);
  });

  it('tells the same call by its page, whatever the query says', () => {
    const log = newCallLog('c1', 3, 'https://meet.example/abc?authuser=0', 0);
    expect(sameCall(log, 'https://meet.example/abc#x')).toBe(true);
    expect(sameCall(log, 'https://meet.example/other')).toBe(false);
  });
});

describe('recordChallenge', () => {
  it('keeps finished checks in the order they ended, up to the cap, and marks the call active', () => {
    const log = newCallLog('c1', 3, 'https://meet.example.org/abc', 1000);
    const check = makeChallenge('p1', 2000);
    recordChallenge(log, check, 5000);
    expect(log.challenges).toEqual([check]);
    expect(log.lastActiveAt).toBe(5000);
    for (let i = 0; i < MAX_CHALLENGES_LOGGED + 5; i++) recordChallenge(log, makeChallenge('p1', 3000 + i), 6000);
    expect(log.challenges).toHaveLength(MAX_CHALLENGES_LOGGED);
    expect(log.challenges[1]?.t).toBe(3000);
  });
});
