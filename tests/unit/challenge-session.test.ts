import { describe, expect, it } from 'vitest';
import type { ChallengeSample } from '../../src/core/challenge/measures';
import {
  CHALLENGE_ADVICE,
  ChallengeSession,
  evaluateStep,
  overallOutcome,
  stepFeedback,
  type ChallengePhase,
  type ChallengeResult,
  type ChallengeView,
  type Interruption,
  type StepResult,
} from '../../src/core/challenge/session';
import { DEFAULT_CHALLENGE_CONFIG as CONFIG, pickSteps, stepById, type ChallengeConfig, type StepId } from '../../src/core/challenge/steps';
import { DT, FACE_BOX, MALLORY, calm, framesOf, handPass, headTurn, leanIn, lookUpDown, paintedOverHands, type Motion } from './challenge-fixtures';
import { mulberry32 } from './fixtures/prng';

const BASELINE_SECONDS = 5;

interface Run {
  session: ChallengeSession;
  result: ChallengeResult;
  views: ChallengeView[];
  /** The clock when the run stopped. */
  t: number;
}

/**
 * Drives a challenge the way the UI would: start, 1 s of calm frames while the user reads the words, "Start", the
 * caller's motion, then calm frames until the step ends (done, or its time limit). `hook` may act on the session
 * before each frame (an interruption, a cancel).
 */
function drive(
  steps: StepId[],
  motions: Motion[],
  options: { baseline?: Motion; config?: ChallengeConfig; between?: Motion; hook?: (session: ChallengeSession, sample: ChallengeSample) => void } = {},
): Run {
  const config = options.config ?? CONFIG;
  const baseline = framesOf(options.baseline ?? calm(BASELINE_SECONDS), -BASELINE_SECONDS);
  const session = new ChallengeSession(
    'p1',
    steps.map((id) => stepById(id, config)),
    config,
    baseline,
  );
  const views: ChallengeView[] = [];
  let t = 0;
  views.push(session.start(t));
  const feed = (samples: ChallengeSample[]): void => {
    for (const s of samples) {
      if (session.currentPhase === 'done') return;
      options.hook?.(session, s);
      views.push(session.push(s));
      t = s.t;
    }
  };
  const between = options.between ?? calm(0.2);
  for (const motion of motions) {
    if (session.currentPhase === 'done') break;
    feed(framesOf(calm(1), t + DT));
    views.push(session.beginStep(t));
    feed(framesOf(motion, t + DT));
    for (let i = 0; i < 300 && (session.currentPhase === 'measuring' || session.currentPhase === 'evaluating'); i++) feed(framesOf(between, t + DT));
  }
  const result = session.result;
  if (!result) throw new Error(`challenge did not end (phase ${session.currentPhase})`);
  return { session, result, views, t };
}

const step = (run: Run, i: number): StepResult => {
  const s = run.result.steps[i];
  if (!s) throw new Error(`no step ${i}`);
  return s;
};

/** The phases in the order they were seen, repeats removed. */
const phases = (views: readonly ChallengeView[]): ChallengePhase[] => views.map((v) => v.phase).filter((p, i, a) => p !== a[i - 1]);

describe('a challenge that passes', () => {
  it('goes idle -> instructing -> measuring -> evaluating for each step, then done, and passes a real caller', () => {
    const run = drive(['head-turn-left-first', 'lean-in'], [headTurn(70), leanIn(1.6)]);
    expect(phases(run.views)).toEqual(['instructing', 'measuring', 'evaluating', 'instructing', 'measuring', 'evaluating', 'done']);
    expect(run.result.outcome).toBe('passed');
    for (const s of run.result.steps) {
      expect(s).toMatchObject({ outcome: 'passed', performed: true, heldUp: true, failedOn: [] });
      expect(s.startedAt).not.toBeNull();
      expect(s.keyFrames.length).toBeGreaterThan(0);
    }
    const turn = step(run, 0);
    expect(turn.measurements.yawLeftDeg).toBeGreaterThan(CONFIG.steps.headTurnTargetDeg);
    expect(turn.measurements.yawRightDeg).toBeGreaterThan(CONFIG.steps.headTurnTargetDeg);
    expect(turn.measurements.unexplainedGaps).toBe(0);
    expect(turn.measurements.identityMinSimilarity).toBeGreaterThan(CONFIG.identity.minSimilarity);
    expect(turn.measurements.scoreZ).toBeLessThan(CONFIG.deviation.minZ);
    expect(step(run, 1).measurements.leanPeakRatio).toBeGreaterThan(CONFIG.steps.leanInRatio);
    expect(step(run, 1).measurements.leanReturned).toBe(1);
    expect(run.result.advice).toEqual(expect.arrayContaining([...CHALLENGE_ADVICE]));
    expect(run.result.advice[0]).toMatch(/does not prove/);
    expect(run.result.endedAt).toBeGreaterThan(run.result.startedAt);
  });

  it('passes a hand pass (also when the hand hides the face from the tracker) and looking up and down', () => {
    expect(drive(['hand-pass'], [handPass()]).result.outcome).toBe('passed');
    const hidden = drive(['hand-pass'], [handPass({ hidesFace: true })]);
    expect(hidden.result.outcome).toBe('passed');
    expect(step(hidden, 0).measurements.gaps).toBe(1);
    expect(step(hidden, 0).reasons.join(' ')).toMatch(/a hand covered the face.*not counted/);
    expect(drive(['look-up-down'], [lookUpDown(30)]).result.outcome).toBe('passed');
  });

  it('never passes a hand pass whose hand is seen over the face only in flashes (a swap painting over it)', () => {
    const run = drive(['hand-pass'], [paintedOverHands(2)]);
    expect(run.result.outcome).not.toBe('passed');
    expect(step(run, 0).measurements.handCoveredFrames).toBeGreaterThanOrEqual(CONFIG.steps.handFrames);
    expect(step(run, 0).measurements.handHeldFrames).toBe(1);
    expect(step(run, 0).reasons.join(' ')).toMatch(/covered 30% of the face or more only in flashes: on \d+ analysed frames, never 2 in a row/);
    // the same motion with the hand seen on every frame is a pass: the flashes, not the motion, fail it
    expect(drive(['hand-pass'], [paintedOverHands(1)]).result.outcome).toBe('passed');
  });

  it('ends a step as soon as it is done, then settles for the "after" frames', () => {
    const run = drive(['lean-in'], [leanIn(1.6)]);
    const s = step(run, 0);
    // the face passes 1.4x about 2.3 s in, is back at rest at 5.3 s; then 1.5 s of rest, not the 15 s limit
    expect((s.endedAt ?? 0) - (s.startedAt ?? 0)).toBeGreaterThan(6.5);
    expect((s.endedAt ?? 0) - (s.startedAt ?? 0)).toBeLessThan(8);
    expect(run.views.filter((v) => v.phase === 'evaluating').at(0)?.feedback).toMatch(/^Done\. Now they should sit back and look straight at the camera · \d s left$/);
  });
});

describe('a challenge that fails', () => {
  it('fails a swap whose face is lost at 20° while the head is still in view, naming the frames', () => {
    const run = drive(['head-turn-right-first', 'lean-in'], [headTurn(70, { loseAboveDeg: 20 }), leanIn(1.6)]);
    expect(run.result.outcome).toBe('failed');
    const s = step(run, 0);
    expect(s.outcome).toBe('failed');
    expect(s.heldUp).toBe(false);
    expect(s.performed).toBe(false); // it never got past 40°
    expect(s.failedOn).toContain('tracking');
    expect(s.because).toMatch(/^The face was lost at 1\d° of turn for \d\.\d s while the head was still in view .* found again at \d+°\)\.$/);
    expect(s.keyFrames.map((k) => k.why)).toContain('last frame before the face was lost');
    const lost = s.keyFrames.find((k) => k.why === 'last frame before the face was lost');
    expect(lost?.t).toBeGreaterThan(1); // in the step, not in the baseline
    // the other step still ran and passed; it does not soften the failure
    expect(step(run, 1).outcome).toBe('passed');
  });

  it('fails a swap that shows another face for a moment (identity jump)', () => {
    const run = drive(['head-turn-left-first'], [headTurn(70, { other: MALLORY })]);
    expect(run.result.outcome).toBe('failed');
    const s = step(run, 0);
    expect(s.performed).toBe(true);
    expect(s.failedOn).toEqual(['identity']);
    expect(s.reasons.join(' ')).toMatch(/Another face appeared/);
    expect(s.keyFrames.some((k) => k.why.startsWith('looked like someone else'))).toBe(true);
  });

  it('fails when the face-swap score jumps during the step, or the face edge smears', () => {
    const lean = leanIn(1.6);
    const scored: Motion = { seconds: lean.seconds, at: (dt, f) => ({ face: { ...lean.at(dt, f).face, swapScore: dt > 1.5 ? 0.9 : 0.1 } }) };
    const score = drive(['lean-in'], [scored]);
    expect(step(score, 0).failedOn).toEqual(['swap-score']);
    expect(step(score, 0).keyFrames.some((k) => k.why === 'highest face-swap score')).toBe(true);
    const smear: Motion = { seconds: 6, at: (dt) => ({ face: { yawDeg: dt * -8, boundaryStability: dt > 2 ? 0.3 : 0.9 } }) };
    const run = drive(['head-turn-left-first'], [smear]);
    expect(step(run, 0).failedOn).toContain('boundary');
    expect(run.result.outcome).toBe('failed');
  });
});

describe('steps not done', () => {
  it('times out a hand that never comes, with live feedback and a countdown', () => {
    const run = drive(['hand-pass'], [calm(3)]);
    expect(run.result.outcome).toBe('not-performed');
    const s = step(run, 0);
    expect(s).toMatchObject({ outcome: 'not-performed', performed: false, heldUp: true });
    expect(s.reasons.join(' ')).toMatch(/No hand was seen/);
    expect(s.because).toBe('The step was not done within 15 s.');
    expect((s.endedAt ?? 0) - (s.startedAt ?? 0)).toBeCloseTo(CONFIG.steps.timeLimitSeconds['hand-pass'], 0);
    const measuring = run.views.filter((v) => v.phase === 'measuring');
    expect(measuring.some((v) => v.feedback.includes('hand not seen yet'))).toBe(true);
    const left = measuring.map((v) => v.secondsLeft ?? -1);
    expect(left[0]).toBe(15);
    expect(left.at(-1)).toBeLessThanOrEqual(1);
    expect(left.every((x, i) => i === 0 || x <= (left[i - 1] ?? 99))).toBe(true);
  });

  it('says how far the head has turned and how far it should go', () => {
    const session = new ChallengeSession('p1', [stepById('head-turn-left-first')], CONFIG, framesOf(calm(5), -5));
    session.start(0);
    session.beginStep(0.1);
    const [a, b] = framesOf({ seconds: 0.4, at: () => ({ face: { yawDeg: -35 } }) }, 0.2);
    if (!a || !b) throw new Error('fixture');
    session.push(a);
    const view = session.push(b);
    expect(view.feedback).toBe(`turn further to their left: 35° of 40° · ${CONFIG.steps.timeLimitSeconds['head-turn']} s left`);
    expect(view.step?.say).toMatch(/your left/);
  });

  it('gives live feedback for every kind of step, and warns about the picture', () => {
    const ctx = { baseline: framesOf(calm(5), -5), before: framesOf(calm(1), 0) };
    const at = (m: Motion): ChallengeSample[] => framesOf(m, 1);
    expect(stepFeedback(stepById('head-turn-right-first'), at(calm(0.4, { yawDeg: 20 })), ctx)).toBe('turn further to their right: 20° of 40°');
    expect(stepFeedback(stepById('head-turn-right-first'), at({ seconds: 1, at: (dt) => ({ face: { yawDeg: dt < 0.5 ? 65 : -10 } }) }), ctx)).toBe(
      'one side done; turn further to their left: 10° of 40°',
    );
    expect(stepFeedback(stepById('look-up-down'), at(calm(0.4, { pitchDeg: 12 })), ctx)).toBe('look further up: 12° of 25°');
    expect(stepFeedback(stepById('look-up-down'), at({ seconds: 1, at: (dt) => ({ face: { pitchDeg: dt < 0.5 ? 30 : -5 } }) }), ctx)).toBe('one way done; look further down: 5° of 25°');
    expect(stepFeedback(stepById('lean-in'), at(calm(0.4, { box: { x: 0.39, y: 0.3, width: 0.22, height: 0.3 } })), ctx)).toBe('come closer: 1.1× of 1.4×');
    expect(stepFeedback(stepById('hand-pass'), at({ seconds: 0.4, at: () => ({ face: {}, hands: null }) }), ctx)).toBe('hand detector not loaded yet');
    expect(stepFeedback(stepById('hand-pass'), at({ seconds: 0.4, at: () => ({ face: {}, hands: [{ x: 0.35, y: 0.3, width: 0.1, height: 0.3 }] }) }), ctx)).toBe(
      'hand seen beside the face: pass it across the face',
    );
    expect(stepFeedback(stepById('hand-pass'), at({ seconds: 0.2, at: () => ({ face: {}, hands: [{ ...FACE_BOX }] }) }), ctx)).toBe('hand over the face (100%): slowly, keep it there a moment');
    expect(stepFeedback(stepById('hand-pass'), at({ seconds: 0.4, at: () => ({ face: {}, hands: [{ ...FACE_BOX }] }) }), ctx)).toBe('hand over the face (100%): now lower it');

    const session = new ChallengeSession('p1', [stepById('lean-in')], CONFIG, ctx.baseline);
    const words = session.start(0);
    expect(words.phase).toBe('instructing');
    expect(words.step?.say).toBe(stepById('lean-in').say);
    expect(words.feedback).toBe('Say the words to the caller, then press Start.');
    const [two] = framesOf({ seconds: 0.2, at: () => ({ face: {}, faceCount: 2 }) }, 0.2);
    if (!two) throw new Error('fixture');
    expect(session.push(two).feedback).toMatch(/^Two faces in view: only the caller should be in the picture · /);
    const [small] = framesOf(calm(0.2, { faceSizePx: 30 }), 0.4);
    if (!small) throw new Error('fixture');
    expect(session.push(small).feedback).toMatch(/^Face too small: ask them to come closer · /);
  });

  it('times out a head turn that stops short, as not performed', () => {
    const run = drive(['head-turn-left-first'], [headTurn(40)]);
    expect(step(run, 0)).toMatchObject({ outcome: 'not-performed', performed: false, heldUp: true });
  });

  it('is inconclusive, not passed, without identity or detector data to compare the face (unless configured)', () => {
    const bare = calm(BASELINE_SECONDS, { embedding: null, swapScore: null });
    const motion: Motion = { seconds: 6, at: (dt) => ({ face: { embedding: null, swapScore: null, box: leanIn(1.6).at(dt, 0).face?.box } }) };
    const run = drive(['lean-in'], [motion], { baseline: bare, between: calm(0.2, { embedding: null, swapScore: null }) });
    expect(run.result.outcome).toBe('inconclusive');
    expect(step(run, 0)).toMatchObject({ performed: true, heldUp: null });
    expect(step(run, 0).reasons.join(' ')).toMatch(/could not be compared/);
    const lax = { ...CONFIG, requireIdentityOrScore: false };
    expect(drive(['lean-in'], [motion], { baseline: bare, between: calm(0.2, { embedding: null, swapScore: null }), config: lax }).result.outcome).toBe('passed');
  });

  it('is inconclusive when the hand model is not loaded, and says so', () => {
    const noHands: Motion = { seconds: 4, at: () => ({ face: {}, hands: null }) };
    const run = drive(['hand-pass'], [noHands], { between: { seconds: 0.2, at: () => ({ face: {}, hands: null }) } });
    expect(run.result.outcome).toBe('inconclusive');
    expect(step(run, 0).performed).toBeNull();
    expect(step(run, 0).reasons.join(' ')).toMatch(/hand detector is not loaded/);
    expect((step(run, 0).endedAt ?? 99) - (step(run, 0).startedAt ?? 0)).toBeLessThan(3); // not the whole 15 s
  });
});

describe('getting ready before the first step', () => {
  const noHandsYet: Motion = { seconds: 1, at: () => ({ face: {}, hands: null }) };

  it('holds "Start" until the hand model answers, for a check with a hand pass', () => {
    const session = new ChallengeSession('p1', [stepById('hand-pass')], CONFIG, framesOf(calm(BASELINE_SECONDS), -BASELINE_SECONDS));
    session.start(0);
    let view = session.view(0);
    for (const s of framesOf(noHandsYet, DT)) view = session.push(s);
    expect(view.preparing).toBe('loading the hand detector');
    expect(view.feedback).toMatch(/^Getting ready: loading the hand detector\. Say the words meanwhile/);
    expect(session.beginStep(1).phase).toBe('instructing');
    // The first frame that carries a hand result (even none found) means the model is there.
    view = session.push(framesOf(calm(0.2), 1.1)[0]!);
    expect(view.preparing).toBeNull();
    expect(view.feedback).toMatch(/^Say the words to the caller, then press Start\./);
    expect(session.beginStep(1.2).phase).toBe('measuring');
  });

  it('holds "Start" until the caller\'s face is learnt, but no longer than the limit, and not for later steps', () => {
    const undescribed = framesOf(calm(BASELINE_SECONDS, { embedding: null }), -BASELINE_SECONDS);
    const session = new ChallengeSession('p1', [stepById('lean-in'), stepById('head-turn-left-first')], CONFIG, undescribed);
    session.start(0);
    let t = 0;
    let view = session.view(0);
    for (const s of framesOf(calm(2, { embedding: null }), DT)) view = session.push(s);
    expect(view.preparing).toMatch(/learning the caller's face/);
    // Two described frames are not a reference yet (minReferenceFrames), three are.
    for (const s of framesOf(calm(0.4), 2.2)) {
      view = session.push(s);
      t = s.t;
    }
    expect(CONFIG.identity.minReferenceFrames).toBe(3);
    expect(view.preparing).not.toBeNull();
    view = session.push(framesOf(calm(0.2), t + DT)[0]!);
    expect(view.preparing).toBeNull();

    const never = new ChallengeSession('p2', [stepById('lean-in')], CONFIG, undescribed);
    never.start(0);
    for (const s of framesOf(calm(CONFIG.session.prepareLimitSeconds - 1, { embedding: null }), DT)) view = never.push(s);
    expect(view.preparing).not.toBeNull();
    for (const s of framesOf(calm(1.2, { embedding: null }), CONFIG.session.prepareLimitSeconds - 1 + DT)) view = never.push(s);
    expect(view.preparing).toBeNull(); // it waited long enough: the check goes on, and will say what it lacked
    expect(never.beginStep(CONFIG.session.prepareLimitSeconds + 0.5).phase).toBe('measuring');
  });
});

describe('bad input never passes', () => {
  it('calls a dark video inconclusive, and warns while it runs', () => {
    const dark = { brightness: 15 };
    const run = drive(['head-turn-left-first'], [headTurn(70, { over: dark })], { baseline: calm(BASELINE_SECONDS, dark), between: calm(0.2, dark) });
    expect(run.result.outcome).toBe('inconclusive');
    expect(run.result.reasons.join(' ')).toMatch(/too dark to judge for 2 s/);
    expect(step(run, 0).heldUp).toBeNull();
    expect(run.views.some((v) => v.feedback.startsWith('Too dark'))).toBe(true);
  });

  it('judges a step seen mostly too dark (in short runs) inconclusive, never passed', () => {
    const lean = leanIn(1.6);
    const flicker: Motion = { seconds: 6, at: (dt, f) => ({ face: { ...lean.at(dt, f).face, brightness: f % 3 === 0 ? 120 : 15 } }) };
    const result = evaluateStep({
      step: stepById('lean-in'),
      baseline: framesOf(calm(5), -5),
      before: framesOf(calm(1), 0),
      during: framesOf(flicker, 1),
      after: framesOf(calm(2), 7),
      startedAt: 1,
      endedAt: 9,
      endedBy: 'done',
    });
    expect(result.performed).toBe(true);
    expect(result.heldUp).toBeNull();
    expect(result.outcome).toBe('inconclusive');
    expect(result.reasons.join(' ')).toMatch(/too dark to judge/);
    expect(result.measurements.usableFraction).toBeLessThan(CONFIG.quality.minUsableFraction);
  });

  it('judges a step after which the face never comes back to rest inconclusive', () => {
    const stays: Motion = { seconds: 4, at: (dt) => ({ face: { box: leanIn(1.6).at(Math.min(dt, 3), 0).face?.box } }) };
    const run = drive(['lean-in'], [stays], { between: { seconds: 0.2, at: () => ({ face: { box: leanIn(1.6).at(3, 0).face?.box } }) } });
    expect(step(run, 0)).toMatchObject({ outcome: 'inconclusive', performed: true, heldUp: true });
    expect(step(run, 0).reasons.join(' ')).toMatch(/not seen at rest after the step/);
    expect(run.result.outcome).toBe('inconclusive');
  });

  it('calls a face too small to judge inconclusive', () => {
    const small = { faceSizePx: 40 };
    const run = drive(['lean-in'], [calm(3, small)], { baseline: calm(BASELINE_SECONDS, small), between: calm(0.2, small) });
    expect(run.result.outcome).toBe('inconclusive');
    expect(step(run, 0).reasons.join(' ')).toMatch(/too small/);
  });

  it('ends on two faces in view', () => {
    const two: Motion = { seconds: 3, at: (dt) => ({ face: {}, faceCount: dt > 1 ? 2 : 1 }) };
    const run = drive(['head-turn-left-first', 'lean-in'], [two, leanIn()]);
    expect(run.result.outcome).toBe('inconclusive');
    expect(run.result.reasons.join(' ')).toMatch(/two faces/);
    expect(step(run, 0).outcome).toBe('inconclusive');
    expect(step(run, 1)).toMatchObject({ outcome: 'inconclusive', startedAt: null });
    expect(step(run, 1).reasons[0]).toMatch(/^Not reached/);
  });

  it('ends on no face for too long', () => {
    const gone: Motion = { seconds: 8, at: (dt) => ({ face: dt > 1 ? null : {} }) };
    const run = drive(['lean-in'], [gone]);
    expect(run.result.outcome).toBe('inconclusive');
    expect(run.result.reasons.join(' ')).toMatch(/no face was in view for 5 s/);
    expect(run.result.endedAt).toBeCloseTo(1.2 + 1 + CONFIG.session.noFaceAbortSeconds, 0);
  });

  const interruptions: Interruption[] = ['participant-left', 'camera-off', 'tab-hidden', 'engine-restarted'];
  for (const kind of interruptions) {
    it(`ends on "${kind}", keeping the steps already done`, () => {
      let interrupted = false;
      const run = drive(['lean-in', 'head-turn-left-first', 'look-up-down'], [leanIn(), headTurn(70), lookUpDown()], {
        hook: (session, sample) => {
          // halfway through the head turn (the second step)
          if (!interrupted && session.view(sample.t).stepIndex === 1 && session.currentPhase === 'measuring' && sample.t > 10) {
            interrupted = true;
            session.interrupt(kind, sample.t);
          }
        },
      });
      expect(interrupted).toBe(true);
      expect(run.result.outcome).toBe('inconclusive');
      expect(run.result.reasons[0]).toMatch(/^The check ended early: /);
      expect(run.result.steps.map((s) => s.outcome)).toEqual(['passed', 'inconclusive', 'inconclusive']);
      expect(step(run, 1).reasons.join(' ')).toMatch(/cut short/);
      expect(step(run, 0).measurements.leanPeakRatio).toBeGreaterThan(1.4); // nothing recorded is lost
    });
  }

  it('keeps a failure recorded before an interruption', () => {
    let done = false;
    const run = drive(['head-turn-left-first', 'lean-in'], [headTurn(70, { loseAboveDeg: 20 }), leanIn()], {
      hook: (session, sample) => {
        if (!done && session.view(sample.t).stepIndex === 1 && session.currentPhase === 'measuring') {
          done = true;
          session.interrupt('camera-off', sample.t);
        }
      },
    });
    expect(run.result.outcome).toBe('failed');
    expect(run.result.reasons.join(' ')).toMatch(/camera went off/);
  });

  it('is not performed when the user cancels, or never starts a step', () => {
    let cancelled = false;
    const run = drive(['head-turn-left-first'], [headTurn(70)], {
      hook: (session, sample) => {
        if (!cancelled && sample.t > 4) {
          cancelled = true;
          session.cancel(sample.t);
        }
      },
    });
    expect(run.result.outcome).toBe('not-performed');
    expect(run.result.reasons.join(' ')).toMatch(/cancelled/);

    const idle = new ChallengeSession('p1', [stepById('lean-in')], CONFIG);
    idle.start(0);
    const frames = framesOf(calm(CONFIG.session.instructLimitSeconds + 1), 0.2);
    for (const f of frames) idle.push(f);
    expect(idle.result?.outcome).toBe('not-performed');
    expect(idle.result?.reasons.join(' ')).toMatch(/not started within 120 s/);
  });

  it('ends when frames stop coming (tick)', () => {
    const session = new ChallengeSession('p1', [stepById('lean-in')], CONFIG, framesOf(calm(5), -5));
    session.start(0);
    session.beginStep(0);
    for (const f of framesOf(calm(1), 0.2)) session.push(f);
    expect(session.tick(2.5).phase).toBe('measuring');
    const view = session.tick(1.2 + CONFIG.session.frameStallSeconds + 0.1);
    expect(view.phase).toBe('done');
    expect(view.result?.outcome).toBe('inconclusive');
    expect(view.result?.reasons.join(' ')).toMatch(/no frame was analysed/);
  });

  it('drops invalid and out-of-order frames, and counts them', () => {
    const rejected: Motion = { seconds: 6, at: (dt) => ({ face: { box: leanIn(1.6).at(dt, 0).face?.box, yawDeg: dt > 2 && dt < 2.5 ? Number.NaN : 0 } }) };
    const run = drive(['lean-in'], [rejected]);
    expect(run.result.framesRejected).toBeGreaterThan(0);
    expect(run.result.outcome).toBe('passed'); // the other frames still make the step
    const session = new ChallengeSession('p1', [stepById('lean-in')], CONFIG);
    session.start(0);
    const [a, b] = framesOf(calm(0.4), 1);
    if (!a || !b) throw new Error('fixture');
    session.push(b);
    session.push(a); // earlier than the last one
    session.cancel(2);
    expect(session.result?.framesRejected).toBe(1);
  });

  it('never passes when any bad input happens, whatever the steps and whenever it comes', () => {
    const bad = ['participant-left', 'camera-off', 'tab-hidden', 'engine-restarted', 'cancel', 'two-faces', 'no-face', 'dark'] as const;
    const motions: Record<string, Motion> = {
      'head-turn-left-first': headTurn(70),
      'head-turn-right-first': headTurn(70),
      'hand-pass': handPass(),
      'lean-in': leanIn(),
      'look-up-down': lookUpDown(),
    };
    for (let seed = 1; seed <= 40; seed++) {
      const random = mulberry32(seed);
      const steps = pickSteps(random, 2 + Math.floor(random() * 2)).map((s) => s.id);
      const kind = bad[Math.floor(random() * bad.length)] ?? 'cancel';
      const at = 1 + random() * 25;
      let fired = false;
      const spoil = (sample: ChallengeSample): void => {
        if (sample.t < at) return;
        if (kind === 'two-faces') sample.faceCount = 2;
        if (kind === 'no-face') {
          sample.face = null;
          sample.faceCount = 0;
        }
        if (kind === 'dark' && sample.face) sample.face.brightness = 10;
      };
      const run = drive(
        steps,
        steps.map((id) => motions[id] ?? calm(1)),
        {
          hook: (session, sample) => {
            spoil(sample);
            if (fired || sample.t < at) return;
            fired = true;
            if (kind === 'cancel') session.cancel(sample.t);
            else if (kind !== 'two-faces' && kind !== 'no-face' && kind !== 'dark') session.interrupt(kind, sample.t);
          },
        },
      );
      if (fired) expect(run.result.outcome, `seed ${seed}: ${kind} at ${at.toFixed(1)} s`).not.toBe('passed');
    }
  });
});

describe('overall outcome', () => {
  const s = (outcome: StepResult['outcome']): StepResult => ({
    id: 'lean-in',
    kind: 'lean-in',
    outcome,
    performed: true,
    heldUp: true,
    failedOn: [],
    measurements: {},
    reasons: [],
    because: '',
    keyFrames: [],
    startedAt: 0,
    endedAt: 1,
  });

  it('lets a failure win, never passes a cut-short or empty challenge, and passes only when every step passed', () => {
    expect(overallOutcome([s('passed'), s('failed')], 'inconclusive')).toBe('failed');
    expect(overallOutcome([s('passed'), s('passed')], 'inconclusive')).toBe('inconclusive');
    expect(overallOutcome([s('passed')], 'not-performed')).toBe('not-performed');
    expect(overallOutcome([s('passed')], 'passed')).toBe('inconclusive');
    expect(overallOutcome([], null)).toBe('inconclusive');
    expect(overallOutcome([s('passed'), s('not-performed')], null)).toBe('not-performed');
    expect(overallOutcome([s('not-performed'), s('inconclusive')], null)).toBe('inconclusive');
    expect(overallOutcome([s('passed'), s('passed')], null)).toBe('passed');
  });

  it('ignores frames after the end and a second start', () => {
    const run = drive(['lean-in'], [leanIn()]);
    const before = JSON.stringify(run.result);
    for (const f of framesOf(calm(2), run.t + 1)) run.session.push(f);
    run.session.start(run.t + 5);
    run.session.interrupt('camera-off', run.t + 6);
    expect(JSON.stringify(run.session.result)).toBe(before);
  });
});
