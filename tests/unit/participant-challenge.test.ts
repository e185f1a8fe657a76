/**
 * The call page's side of "Verify this caller" (content/participant-challenge): engine results in, live view, verdict
 * and a report record out. The measures and state machine are tested on their own (challenge-*.test.ts); this proves
 * the wiring: the clock, the conversion of engine results, interruptions, and that what leaves the page is a record
 * the report's validator accepts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ParticipantChallenge } from '../../src/content/participant-challenge';
import { challengeSampleOf } from '../../src/core/challenge/record';
import { challengeRecordProblem } from '../../src/core/report-format';
import type { ChallengeResult as ReportChallenge } from '../../src/shared/report-types';
import type { FaceObservation, FrameResult, ParticipantSummary } from '../../src/shared/types';
import { calm, DT, framesOf, headTurn, leanIn, type Motion } from './challenge-fixtures';
import { participantSummary } from './fixtures/participant';

/** A sample of the fixtures as the engine would have answered it (landmarks aside). */
function resultOf(motionFrame: ReturnType<typeof framesOf>[number], sampledAtMs: number): FrameResult {
  const f = motionFrame.face;
  const faces: FaceObservation[] = [];
  for (let i = 0; i < motionFrame.faceCount && f; i++)
    faces.push({
      trackId: 1 + i,
      box: i === 0 ? f.box : { x: 0.05, y: 0.05, width: 0.05, height: 0.07 },
      landmarkCount: 478,
      landmarks: new Float32Array(0),
      pose: { yawDeg: f.yawDeg, pitchDeg: f.pitchDeg, rollDeg: f.rollDeg },
      quality: { faceSizePx: f.faceSizePx, sharpness: 100, brightness: f.brightness },
      swapScore: f.swapScore,
      // The engine describes a running check's near-frontal faces; the fixtures' people carry their descriptors.
      ...(f.embedding ? { embedding: f.embedding } : {}),
    });
  return { participantId: 'p1', frameId: motionFrame.frameId, sampledAt: sampledAtMs, engineMs: 10, landmarkMs: 5, detectorMs: 4, frameWidth: 640, frameHeight: 480, faces };
}

function summary(over: Partial<ParticipantSummary> = {}): ParticipantSummary {
  return participantSummary({
    risk: { verdict: 'insufficient', score: null, since: 0, reason: 'the face-swap model is still in development' },
    verdictsAvailable: false,
    ...over,
  });
}

let controller: AbortController;
let records: ReportChallenge[];
let changes: number;
let challenge: ParticipantChallenge;
/** Whether the face-swap model is released for verdicts (its score may then decide a step). */
let released: boolean;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['performance', 'setInterval', 'clearInterval', 'Date'] });
  vi.setSystemTime(Date.UTC(2026, 11, 2, 15, 0, 0));
  controller = new AbortController();
  records = [];
  changes = 0;
  released = false;
  challenge = new ParticipantChallenge('p1', () => changes++, (r) => records.push(r), () => released, controller.signal);
});

afterEach(() => {
  controller.abort();
  vi.useRealTimers();
});

/** Plays a motion into the challenge at 5 frames a second of the fake clock. */
function play(motion: Motion): void {
  for (const frame of framesOf(motion, performance.now() / 1000)) {
    vi.advanceTimersByTime(DT * 1000);
    challenge.onResult(resultOf(frame, performance.now()));
  }
}

describe('ParticipantChallenge', () => {
  it('runs a check on engine results: a caller who turns and leans without breaking passes, and the record is valid', () => {
    // Both comparisons a pass can rest on: face-recognition descriptors and the released model's score.
    released = true;
    play(calm(3));
    expect(challenge.start(['head-turn-left-first', 'lean-in'])).toEqual({ ok: true });
    expect(challenge.running).toBe(true);
    const live = challenge.decorate(summary()).challenge;
    expect(live).toMatchObject({ phase: 'instructing', stepIndex: 0, stepCount: 2 });
    expect(live?.say).toMatch(/turn your head slowly to your left/);;
    play(calm(2));
    expect(challenge.beginStep()).toEqual({ ok: true });
    play(headTurn(70));
    play(calm(3));
    expect(challenge.decorate(summary()).challenge?.phase).toBe('instructing');
    expect(challenge.beginStep()).toEqual({ ok: true });
    play(leanIn(1.6));
    play(calm(3));
    expect(challenge.running).toBe(false);
    expect(records).toHaveLength(1);
    const record = records[0]!;
    expect(challengeRecordProblem(record)).toBeNull();
    expect(record).toMatchObject({ participantId: 'p1', outcome: 'passed', counted: false, challenge: 'Head turn (left first), Lean in' });
    // Times on the epoch clock (the page's time origin plus its performance clock), in order, over the test's 20-odd s.
    expect(record.t).toBeGreaterThanOrEqual(performance.timeOrigin + 3000);
    expect(record.t).toBeLessThan(performance.timeOrigin + 4000);
    expect(record.endedAt - record.t).toBeGreaterThan(15_000);
    expect(record.endedAt - record.t).toBeLessThan(40_000);
    expect(record.steps[0]?.measurements.yawLeftDeg).toBeGreaterThan(60);
    const shown = challenge.decorate(summary());
    expect(shown.verification).toEqual({ outcome: 'passed', line: 'Verification check passed. This does not prove who they are.', raised: false });
    // A pass never turns "not enough evidence" into "looks genuine".
    expect(shown.risk.verdict).toBe('insufficient');
    expect(changes).toBeGreaterThan(10);
  });

  it('without face-recognition data and with an unreleased model: Start waits, then a score rise decides nothing and a clean turn is inconclusive', () => {
    // No descriptors (the face-recognition model could not load): no reference for the check.
    play(calm(3, { embedding: null }));
    challenge.start(['head-turn-left-first']);
    play(calm(2, { embedding: null }));
    expect(challenge.beginStep()).toEqual({ ok: false, error: "Not ready yet: learning the caller's face (they should look at the camera)." });
    const live = challenge.decorate(summary()).challenge;
    expect(live?.preparing).toMatch(/learning the caller's face/);
    expect(live?.feedback).toMatch(/^Getting ready: learning the caller's face/);
    // Start waits for the reference, but not for ever (ChallengeConfig.session.prepareLimitSeconds): then it goes on.
    play(calm(10.5, { embedding: null }));
    expect(challenge.decorate(summary()).challenge?.preparing).toBeNull();
    expect(challenge.beginStep()).toEqual({ ok: true });
    // The face holds (no loss) but the in-development score climbs, as it did on a real head turn.
    play(headTurn(70, { over: { swapScore: 0.7, embedding: null } }));
    play(calm(3));
    expect(records).toHaveLength(1);
    const record = records[0]!;
    expect(record).toMatchObject({ outcome: 'inconclusive', counted: false });
    expect(record.steps[0]?.failedOn).toEqual([]);
    expect(record.steps[0]?.measurements.yawLeftDeg).toBeGreaterThan(60);
    expect(record.steps[0]?.reasons.join(' ')).toMatch(/face-swap score rose from 0\.1\d to 0\.7\d during the step; that model is still in development, so this decided nothing/);
    expect(record.steps[0]?.reasons.join(' ')).toMatch(/could not be compared before and after the step/);
    const shown = challenge.decorate(summary());
    expect(shown.verification).toMatchObject({ outcome: 'inconclusive', raised: false });
    expect(shown.risk.verdict).toBe('insufficient');
  });

  it('fails a stand-in swap that drops at 20° of turn, raises the verdict to suspicious without released detector verdicts', () => {
    play(calm(3));
    challenge.start(['head-turn-right-first']);
    play(calm(2));
    challenge.beginStep();
    play(headTurn(70, { loseAboveDeg: 20 }));
    play(calm(30));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ outcome: 'failed', counted: true });
    expect(records[0]?.steps[0]?.failedOn).toContain('tracking');
    expect(challengeRecordProblem(records[0])).toBeNull();
    const shown = challenge.decorate(summary());
    expect(shown.risk.verdict).toBe('suspicious');
    expect(shown.verification).toMatchObject({ outcome: 'failed', raised: true });
    expect(shown.detail).toMatch(/Verification check failed: The face was lost at/);
  });

  it('ends a running check as inconclusive when the participant leaves, and hands the record on', () => {
    play(calm(3));
    challenge.start(['lean-in']);
    play(calm(1));
    challenge.beginStep();
    play(calm(1));
    expect(records).toHaveLength(0);
    controller.abort();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ outcome: 'inconclusive', reasons: ['The check ended early: the participant left the call.'] });
    expect(challengeRecordProblem(records[0])).toBeNull();
  });

  it('ends a check when the video stops (no frame for 3 s) through its own timer, never as passed', () => {
    play(calm(3));
    challenge.start(['head-turn-left-first']);
    play(calm(1));
    challenge.beginStep();
    play(calm(1));
    // Nothing arrives: only the timer can notice.
    vi.advanceTimersByTime(4000);
    expect(records).toHaveLength(1);
    expect(records[0]?.outcome).toBe('inconclusive');
    expect(records[0]?.reasons[0]).toMatch(/no frame was analysed for 3 s/);
  });

  it('refuses a second start while one runs, and a step start when none waits', () => {
    expect(challenge.beginStep()).toEqual({ ok: false, error: 'No step is waiting to start.' });
    challenge.start(null);
    expect(challenge.start(null)).toEqual({ ok: false, error: 'A check of this participant is already running.' });
  });

  it('picks two or three steps at random, the hand pass among them, always a head turn; hands are asked for only with a hand pass', () => {
    const seen = new Set<string>();
    let withHand = 0;
    for (let i = 0; i < 40; i++) {
      const c = new ParticipantChallenge(`p${i}`, () => undefined, () => undefined, () => false, controller.signal);
      c.start(null);
      const live = c.decorate(summary()).challenge;
      expect([2, 3]).toContain(live?.stepCount);
      seen.add(String(live?.stepCount));
      const rec = (c as unknown as { steps: { kind: string }[] }).steps;
      const hand = rec.some((s) => s.kind === 'hand-pass');
      if (hand) withHand++;
      expect(c.wantsHands).toBe(hand);
      c.cancel();
      expect(c.wantsHands).toBe(false); // not once the check has ended
      expect(rec.map((s) => s.kind)).toContain('head-turn');
    }
    expect([...seen].sort()).toEqual(['2', '3']);
    expect(withHand).toBeGreaterThan(0);
    expect(withHand).toBeLessThan(40);
  });
});

describe('challengeSampleOf', () => {
  it('takes the largest face as the caller and counts every face', () => {
    const frame = framesOf(calm(0.2), 1)[0]!;
    const two = resultOf({ ...frame, faceCount: 2 }, 1000);
    const sample = challengeSampleOf(two, 1);
    expect(sample.faceCount).toBe(2);
    expect(sample.face?.box).toEqual(frame.face?.box);
    expect(sample.face?.swapScore).toBe(frame.face?.swapScore);
    expect(sample.hands).toBeNull(); // no hands asked for, or the hand model not loaded yet
    const hands = [{ x: 0.1, y: 0.2, width: 0.3, height: 0.3 }];
    expect(challengeSampleOf({ ...two, hands }, 1).hands).toEqual(hands);
    expect(challengeSampleOf({ ...two, hands: [] }, 1).hands).toEqual([]); // looked, found none
    expect(challengeSampleOf({ ...two, faces: [] }, 1).face).toBeNull();
  });
});
