/**
 * One "Verify this caller" challenge for one participant: the step state machine, its live feedback and its result.
 *
 *   idle -> instructing (step i: the words to say) -> measuring (step i, live feedback, time limit)
 *        -> evaluating (step i done: the caller looks back at the camera, at rest for `settleSeconds`, at most
 *           `settleLimitSeconds`: the "after" frames)
 *        -> instructing (step i+1) ... -> done (result)
 *
 * A step that runs out of time goes straight to the next one; a step whose face never comes back to rest afterwards is
 * inconclusive. Bad input ends the challenge at once: no face for too long, a face too dark or too small for too
 * long, two faces, no frames, the participant left, their camera went off, the tab was hidden (sampling stops), the
 * engine restarted (frames lost, tracks reset). The user may cancel. None of these can end as "passed": a challenge
 * passes only when every planned step ran to its end, was performed and held up. Nothing already measured is
 * dropped: steps finished before an interruption keep their results (a failure stays a failure), the step in
 * progress is judged on what it has (failed if it already broke, inconclusive otherwise), and steps never reached
 * are listed as such.
 *
 * Clock-injected: every method takes the time (seconds, the same clock as the samples'); nothing here reads a clock.
 */
import type { Box } from '../../shared/types';
import {
  handMeasure,
  identityReferenceCount,
  identityMeasure,
  isValidSample,
  leanMeasure,
  medianOf,
  pitchReach,
  scoreDeviation,
  stabilityDeviation,
  trackingMeasure,
  unusableReason,
  yawReach,
  type ChallengeSample,
  type Deviation,
  type FrameRef,
} from './measures';
import { DEFAULT_CHALLENGE_CONFIG, type ChallengeConfig, type ChallengeStep, type StepId, type StepKind } from './steps';

export type ChallengeOutcome = 'passed' | 'failed' | 'not-performed' | 'inconclusive';
export type ChallengePhase = 'idle' | 'instructing' | 'measuring' | 'evaluating' | 'done';
/** Events outside the frames that end a challenge (the UI and the content script report them). */
export type Interruption = 'participant-left' | 'camera-off' | 'tab-hidden' | 'engine-restarted';
/** Which measure showed the face breaking. 'swap-score' rests on the detector model; the others do not. */
export type FailureKind = 'tracking' | 'identity' | 'swap-score' | 'boundary' | 'texture';

export interface KeyFrame extends FrameRef {
  why: string;
}

export interface StepResult {
  id: StepId;
  kind: StepKind;
  outcome: ChallengeOutcome;
  /** Whether the movement was done; null when it could not be measured (no hand model) or never started. */
  performed: boolean | null;
  /** Whether the face held up; null when there was not enough to tell. */
  heldUp: boolean | null;
  failedOn: FailureKind[];
  /** Named figures, for the report and for setting the thresholds later. Finite numbers only. */
  measurements: Record<string, number>;
  /** In plain words, for the user: what was measured and what decided. */
  reasons: string[];
  /** The one reason that decided the outcome (also among `reasons`). */
  because: string;
  /** The frames that drove the outcome. */
  keyFrames: KeyFrame[];
  /** When the step's measuring began and its evaluation ended; null for a step never reached. */
  startedAt: number | null;
  endedAt: number | null;
}

export interface ChallengeResult {
  participantId: string;
  outcome: ChallengeOutcome;
  /** One sentence on the outcome. */
  summary: string;
  /** Why the challenge as a whole ended as it did, when not every step ran (interruptions, bad input). */
  reasons: string[];
  steps: StepResult[];
  startedAt: number;
  endedAt: number;
  /** Shown with every result, whatever it is. */
  advice: string[];
  /** Samples dropped as invalid (non-finite numbers, time going backwards). */
  framesRejected: number;
}

export interface ChallengeView {
  phase: ChallengePhase;
  /** 0-based index of the current step; equals stepCount when done. */
  stepIndex: number;
  stepCount: number;
  step: { id: StepId; say: string; instruction: string } | null;
  /** Live line for the user: what is missing, quality problems, seconds left. */
  feedback: string;
  secondsLeft: number | null;
  result: ChallengeResult | null;
  /** Before the first step: what the check still waits for before "Start" can begin it (null: ready). */
  preparing: string | null;
}

/** Advice shown with every result: a face check never replaces checking the person. */
export const CHALLENGE_ADVICE: readonly string[] = [
  'Ask something only the real person would know (not something on social media or in an email).',
  'Before paying or sharing anything, hang up and call back on a number you already have.',
];

const OUTCOME_ADVICE: Record<ChallengeOutcome, string> = {
  failed: 'The face did not hold up: treat this caller as a possible impersonation.',
  passed: 'A passed check does not prove who this is: a good face swap can pass it.',
  'not-performed': 'The caller did not do what was asked: that proves nothing either way.',
  inconclusive: 'The check could not tell: that proves nothing either way.',
};

type EndedBy = 'done' | 'unsettled' | 'timeout' | 'unmeasurable' | { interrupted: string };

export interface StepInput {
  step: ChallengeStep;
  /** Calm frames before the challenge: the reference for identity, scores and stability. */
  baseline: readonly ChallengeSample[];
  /** Frames while this step's words were being said (the face just before the movement). */
  before: readonly ChallengeSample[];
  /** Frames of the movement. */
  during: readonly ChallengeSample[];
  /** Frames looking back at the camera after it. */
  after: readonly ChallengeSample[];
  startedAt: number;
  endedAt: number;
  endedBy: EndedBy;
}

const round = (x: number, digits = 3): number => Math.round(x * 10 ** digits) / 10 ** digits;
const deg = (x: number): string => `${Math.round(x)}°`;
const lastFace = (samples: readonly ChallengeSample[]): ChallengeSample | null => {
  for (let i = samples.length - 1; i >= 0; i--) {
    const s = samples[i];
    if (s?.face) return s;
  }
  return null;
};

/** The calm face width the lean is measured against: the median over the last frames before the step. */
function referenceWidth(before: readonly ChallengeSample[], baseline: readonly ChallengeSample[]): number | null {
  const widths = (from: readonly ChallengeSample[]): number[] => from.filter((s) => s.face).slice(-10).map((s) => s.face?.box.width ?? 0);
  return medianOf(widths(before)) ?? medianOf(widths(baseline));
}

function lastKnownBox(before: readonly ChallengeSample[], baseline: readonly ChallengeSample[]): Box | null {
  return (lastFace(before) ?? lastFace(baseline))?.face?.box ?? null;
}

interface Performance {
  performed: boolean | null;
  complete: boolean;
  reasons: string[];
  keyFrames: KeyFrame[];
  measurements: Record<string, number>;
}

/** Whether the step's movement was done, from its frames (the movement's own, plus the settle after it). */
export function measurePerformance(step: ChallengeStep, input: Pick<StepInput, 'baseline' | 'before'>, frames: readonly ChallengeSample[], config: ChallengeConfig = DEFAULT_CHALLENGE_CONFIG): Performance {
  const c = config.steps;
  switch (step.kind) {
    case 'head-turn': {
      const { left, right } = yawReach(frames);
      const l = left?.deg ?? 0;
      const r = right?.deg ?? 0;
      const complete = l >= c.headTurnTargetDeg && r >= c.headTurnTargetDeg;
      const keyFrames: KeyFrame[] = [];
      if (left) keyFrames.push({ t: left.t, frameId: left.frameId, why: `turned ${deg(l)} to their left` });
      if (right) keyFrames.push({ t: right.t, frameId: right.frameId, why: `turned ${deg(r)} to their right` });
      return {
        performed: complete,
        complete,
        reasons: [`Turned ${deg(l)} to their left and ${deg(r)} to their right (asked: ${deg(c.headTurnTargetDeg)} each way).`],
        keyFrames,
        measurements: { yawLeftDeg: round(l, 1), yawRightDeg: round(r, 1), yawTargetDeg: c.headTurnTargetDeg },
      };
    }
    case 'look-up-down': {
      const { up, down } = pitchReach(frames);
      const u = up?.deg ?? 0;
      const d = down?.deg ?? 0;
      const complete = u >= c.pitchTargetDeg && d >= c.pitchTargetDeg;
      const keyFrames: KeyFrame[] = [];
      if (up) keyFrames.push({ t: up.t, frameId: up.frameId, why: `looked ${deg(u)} up` });
      if (down) keyFrames.push({ t: down.t, frameId: down.frameId, why: `looked ${deg(d)} down` });
      return {
        performed: complete,
        complete,
        reasons: [`Looked ${deg(u)} up and ${deg(d)} down (asked: ${deg(c.pitchTargetDeg)} each way).`],
        keyFrames,
        measurements: { pitchUpDeg: round(u, 1), pitchDownDeg: round(d, 1), pitchTargetDeg: c.pitchTargetDeg },
      };
    }
    case 'lean-in': {
      const lean = leanMeasure(frames, referenceWidth(input.before, input.baseline), config);
      if (!lean) return { performed: false, complete: false, reasons: ['The face was not seen, so leaning in could not be measured.'], keyFrames: [], measurements: {} };
      const complete = lean.peakRatio >= c.leanInRatio;
      const reasons = [`The face grew to ${lean.peakRatio.toFixed(2)}× its size (asked: ${c.leanInRatio}×)${complete ? (lean.returned ? ' and came back.' : ' but did not come back.') : '.'}`];
      return {
        performed: complete,
        complete,
        reasons,
        keyFrames: lean.peak ? [{ ...lean.peak, why: `closest to the camera (${lean.peakRatio.toFixed(2)}×)` }] : [],
        measurements: { leanPeakRatio: round(lean.peakRatio), leanReferenceWidth: round(lean.referenceWidth, 4), leanReturned: lean.returned ? 1 : 0, leanTargetRatio: c.leanInRatio },
      };
    }
    case 'hand-pass': {
      const hand = handMeasure(frames, lastKnownBox(input.before, input.baseline), config);
      if (!hand.modelLoaded) return { performed: null, complete: false, reasons: ['The hand detector is not loaded, so a hand over the face cannot be seen.'], keyFrames: [], measurements: {} };
      const complete = hand.heldFrames >= c.handFrames;
      const pct = Math.round(hand.peakCoverage * 100);
      const share = Math.round(c.handCoverage * 100);
      return {
        performed: complete,
        complete,
        reasons: [
          complete
            ? `A hand covered up to ${pct}% of the face.`
            : hand.coveredFrames > 0
              ? `A hand covered ${share}% of the face or more only in flashes: on ${hand.coveredFrames} analysed frame${hand.coveredFrames === 1 ? '' : 's'}, never ${c.handFrames} in a row (a hand held over a real face stays in view; a swap can paint the face over it).`
              : hand.peakCoverage > 0
                ? `A hand covered at most ${pct}% of the face (asked: ${share}%).`
                : 'No hand was seen over the face.',
        ],
        keyFrames: hand.peak ? [{ ...hand.peak, why: `hand over ${pct}% of the face` }] : [],
        measurements: { handPeakCoverage: round(hand.peakCoverage), handCoveredFrames: hand.coveredFrames, handHeldFrames: hand.heldFrames, handTargetCoverage: c.handCoverage },
      };
    }
  }
}

function deviationFigures(prefix: string, d: Deviation | null, out: Record<string, number>): void {
  if (!d) return;
  out[`${prefix}Baseline`] = round(d.baselineMedian);
  out[`${prefix}During`] = round(d.during);
  out[`${prefix}Z`] = round(d.z, 2);
}

/** Judges one step from its frames. Pure: the session calls it when a step ends, tests call it directly. */
export function evaluateStep(input: StepInput, config: ChallengeConfig = DEFAULT_CHALLENGE_CONFIG): StepResult {
  const { step } = input;
  const frames = [...input.during, ...input.after];
  const perf = measurePerformance(step, input, frames, config);
  const measurements: Record<string, number> = { ...perf.measurements };
  const reasons = [...perf.reasons];
  const keyFrames = [...perf.keyFrames];
  const failedOn: FailureKind[] = [];
  let firstFailure: string | null = null;
  /** A measure showed the face breaking: the first such reason is what the step failed on. */
  const fail = (kind: FailureKind, reason: string): void => {
    if (!failedOn.includes(kind)) failedOn.push(kind);
    reasons.push(reason);
    firstFailure ??= reason;
  };

  // Image quality of the movement itself: seen mostly in the dark or from afar, it can neither show a swap breaking
  // nor rule one out (well-lit frames after it do not make up for that).
  const faceFrames = input.during.filter((s) => s.face);
  const problems = faceFrames.map((s) => unusableReason(s.face, config));
  const usable = problems.filter((p) => p === null).length;
  const usableFraction = faceFrames.length ? usable / faceFrames.length : 0;
  measurements.frames = frames.length;
  measurements.faceFrames = frames.filter((s) => s.face).length;
  measurements.usableFraction = round(usableFraction);
  measurements.seconds = round(input.endedAt - input.startedAt, 2);
  let qualityProblem: string | null = null;
  if (faceFrames.length === 0) qualityProblem = 'No face was seen during the movement.';
  else if (usableFraction < config.quality.minUsableFraction) {
    const dark = problems.filter((p) => p === 'too dark').length;
    const small = problems.filter((p) => p === 'too small').length;
    qualityProblem = dark >= small ? 'The face was too dark to judge: ask the caller to turn on a light.' : 'The face was too small to judge: ask the caller to come closer.';
  }

  // Tracking continuity, from the last sighting before the step.
  const lead = lastFace(input.before);
  const tracking = trackingMeasure(lead ? [lead, ...frames] : frames, config);
  measurements.gaps = tracking.gaps.length;
  measurements.unexplainedGaps = tracking.unexplained.length;
  if (tracking.gaps.length) measurements.longestGapSeconds = round(Math.max(...tracking.gaps.map((g) => g.seconds)), 2);
  for (const g of tracking.unexplained) {
    fail('tracking', `The face was lost at ${deg(Math.abs(g.yawDeg))} of turn for ${g.seconds.toFixed(1)} s while the head was still in view (${g.lastSeen.t.toFixed(1)}-${g.regained.t.toFixed(1)} s; found again at ${deg(Math.abs(g.regainedYawDeg))}).`);
    keyFrames.push({ ...g.lastSeen, why: 'last frame before the face was lost' }, { ...g.regained, why: 'face found again' });
  }
  for (const g of tracking.gaps) if (g.explained) reasons.push(`The face was lost for ${g.seconds.toFixed(1)} s (${g.explained}): not counted.`);

  // Identity continuity against the calm reference.
  const identity = identityMeasure(input.baseline, frames, config);
  if (identity) {
    measurements.identityMinSimilarity = round(identity.minSimilarity);
    measurements.identityMedianSimilarity = round(identity.medianSimilarity);
    measurements.identityCompared = identity.compared;
    measurements.identityLowFrames = identity.low.length;
    if (identity.broken) {
      const first = identity.low[0];
      fail('identity', `Another face appeared: ${identity.low.length} frames looked like someone else (similarity down to ${identity.minSimilarity.toFixed(2)}, from ${first ? first.t.toFixed(1) : '?'} s).`);
      for (const f of identity.low.slice(0, 3)) keyFrames.push({ t: f.t, frameId: f.frameId, why: `looked like someone else (${f.similarity.toFixed(2)})` });
    } else reasons.push(`The face matched the one before the check (similarity at least ${identity.minSimilarity.toFixed(2)}).`);
  }

  // The detector's score and the stability numbers against the calm baseline.
  const score = scoreDeviation(input.baseline, frames, config);
  deviationFigures('score', score, measurements);
  if (score?.broken && config.scoreDecides) {
    fail('swap-score', `The face-swap score rose from ${score.baselineMedian.toFixed(2)} to ${score.during.toFixed(2)} during the step.`);
    if (score.worst) keyFrames.push({ ...score.worst, why: 'highest face-swap score' });
  } else if (score?.broken) {
    reasons.push(`The face-swap score rose from ${score.baselineMedian.toFixed(2)} to ${score.during.toFixed(2)} during the step; that model is still in development, so this decided nothing.`);
  }
  for (const [field, kind, words] of [
    ['boundaryStability', 'boundary', 'edge of the face'],
    ['textureStability', 'texture', 'skin texture'],
  ] as const) {
    const d = stabilityDeviation(field, input.baseline, frames, config);
    deviationFigures(kind, d, measurements);
    if (d?.broken) {
      fail(kind, `The ${words} became unsteady during the step (${d.baselineMedian.toFixed(2)} before, ${d.during.toFixed(2)} during).`);
      if (d.worst) keyFrames.push({ ...d.worst, why: `least steady ${words}` });
    }
  }

  // What a pass rests on besides tracking: identity, or a score that may decide.
  const compared = identity !== null || (score !== null && config.scoreDecides);
  const heldUp = failedOn.length > 0 ? false : qualityProblem === null && (compared || !config.requireIdentityOrScore) ? true : null;

  // The first that applies decides; `add` says whether the reason is new (not already among `reasons`).
  const [outcome, because, add]: [ChallengeOutcome, string, boolean] =
    heldUp === false
      ? ['failed', firstFailure ?? 'The face did not hold up.', false]
      : typeof input.endedBy === 'object'
        ? ['inconclusive', `The step was cut short: ${input.endedBy.interrupted}.`, true]
        : qualityProblem
          ? ['inconclusive', qualityProblem, true]
          : input.endedBy === 'unsettled'
            ? ['inconclusive', 'The face was not seen at rest after the step (alone, lit, facing the camera), so it could not be checked afterwards.', true]
            : perf.performed === null
              ? ['inconclusive', perf.reasons[0] ?? 'The step could not be measured.', false]
              : !perf.performed
                ? ['not-performed', input.endedBy === 'timeout' ? `The step was not done within ${step.timeLimitSeconds} s.` : 'The step was not done.', true]
                : heldUp === null
                  ? ['inconclusive', 'The face could not be compared before and after the step (no face-recognition data, and the face-swap score may not decide yet).', true]
                  : ['passed', 'The step was done and the face held up.', false];
  if (add) reasons.push(because);

  keyFrames.sort((a, b) => a.t - b.t);
  return {
    id: step.id,
    kind: step.kind,
    outcome,
    performed: perf.performed,
    heldUp,
    failedOn,
    measurements,
    reasons,
    because,
    keyFrames: keyFrames.slice(0, 12),
    startedAt: input.startedAt,
    endedAt: input.endedAt,
  };
}

/** The outcome of a whole challenge from its steps and whether (and how) it was cut short. */
export function overallOutcome(steps: readonly StepResult[], abort: ChallengeOutcome | null): ChallengeOutcome {
  if (steps.some((s) => s.outcome === 'failed')) return 'failed';
  if (abort !== null) return abort === 'passed' ? 'inconclusive' : abort;
  if (steps.length === 0) return 'inconclusive';
  if (steps.some((s) => s.outcome === 'inconclusive')) return 'inconclusive';
  if (steps.some((s) => s.outcome === 'not-performed')) return 'not-performed';
  return steps.every((s) => s.outcome === 'passed') ? 'passed' : 'inconclusive';
}

const SUMMARY: Record<ChallengeOutcome, string> = {
  passed: 'Passed: the face held up through every step.',
  failed: 'Failed: the face did not hold up (see the reasons).',
  'not-performed': 'Not performed: the caller did not do every step.',
  inconclusive: 'Inconclusive: the check could not tell (see the reasons).',
};

const INTERRUPTION_WORDS: Record<Interruption, string> = {
  'participant-left': 'the participant left the call',
  'camera-off': "the participant's camera went off",
  'tab-hidden': 'the call tab was hidden, so analysis paused',
  'engine-restarted': 'the analysis engine restarted',
};

const MAX_STEP_FRAMES = 600; // 2 minutes at 5 fps: more than any step's time limit allows
const MAX_BEFORE_FRAMES = 25; // 5 s at 5 fps before a step

export class ChallengeSession {
  private phase: ChallengePhase = 'idle';
  private index = 0;
  private baseline: ChallengeSample[];
  private before: ChallengeSample[] = [];
  private during: ChallengeSample[] = [];
  private after: ChallengeSample[] = [];
  private phaseSince = 0;
  /** In 'evaluating': since when the face has been at rest (frontal, back from a lean); null while it is not. */
  private restingSince: number | null = null;
  private stepStartedAt = 0;
  private startedAt: number | null = null;
  private lastT: number | null = null;
  private lastFrameAt = 0;
  private lastFaceAt = 0;
  private multiFaceSince: number | null = null;
  private unusableSince: number | null = null;
  private rejected = 0;
  private readonly stepResults: StepResult[] = [];
  private outcome: ChallengeResult | null = null;

  constructor(
    readonly participantId: string,
    private readonly steps: readonly ChallengeStep[],
    private readonly config: ChallengeConfig = DEFAULT_CHALLENGE_CONFIG,
    /** Calm frames of this participant from before the challenge (the passive analysis keeps a few seconds). */
    baseline: readonly ChallengeSample[] = [],
  ) {
    this.baseline = baseline.filter(isValidSample).slice(-config.session.maxBaselineFrames);
  }

  get result(): ChallengeResult | null {
    return this.outcome;
  }

  get currentPhase(): ChallengePhase {
    return this.phase;
  }

  /** The user pressed "Verify this caller": the first step's words are shown. */
  start(now: number): ChallengeView {
    if (this.phase !== 'idle') return this.view(now);
    this.startedAt = now;
    this.lastFrameAt = now;
    this.lastFaceAt = now;
    if (this.steps.length === 0) {
      this.finish(now, 'inconclusive', 'no steps were chosen');
      return this.view(now);
    }
    this.enter('instructing', now);
    return this.view(now);
  }

  /** The user said the words and pressed "Start": measuring begins. */
  beginStep(now: number): ChallengeView {
    if (this.phase !== 'instructing' || this.preparing(now) !== null) return this.view(now);
    this.during = [];
    this.after = [];
    this.stepStartedAt = now;
    this.enter('measuring', now);
    return this.view(now);
  }

  /** One analysed frame. Returns the view after it. */
  push(sample: ChallengeSample): ChallengeView {
    const t = sample.t;
    if (this.phase === 'done') return this.view(this.lastT ?? t);
    if (!isValidSample(sample) || (this.lastT !== null && t <= this.lastT)) {
      this.rejected++;
      return this.view(this.lastT ?? (Number.isFinite(t) ? t : 0));
    }
    this.lastT = t;
    if (this.phase === 'idle') {
      this.baseline.push(sample);
      if (this.baseline.length > this.config.session.maxBaselineFrames) this.baseline.shift();
      return this.view(t);
    }
    this.lastFrameAt = t;
    if (sample.face) this.lastFaceAt = t;
    if (sample.faceCount >= 2) this.multiFaceSince ??= t;
    else this.multiFaceSince = null;
    // Frames without a face neither start nor end a run of unusable ones (a dark face is found on and off).
    const problem = unusableReason(sample.face, this.config);
    if (problem === 'too dark' || problem === 'too small') this.unusableSince ??= t;
    else if (problem === null) this.unusableSince = null;

    if (this.phase === 'instructing') {
      this.before.push(sample);
      if (this.before.length > MAX_BEFORE_FRAMES) this.before.shift();
      // Until the first movement, the caller's calm face still is the reference.
      if (this.index === 0 && sample.faceCount === 1) {
        this.baseline.push(sample);
        if (this.baseline.length > this.config.session.maxBaselineFrames) this.baseline.shift();
      }
    } else if (this.phase === 'measuring') {
      if (this.during.length < MAX_STEP_FRAMES) this.during.push(sample);
    } else {
      if (this.after.length < MAX_STEP_FRAMES) this.after.push(sample);
      if (!this.atRest(sample)) this.restingSince = null;
      else this.restingSince ??= t;
    }

    this.advance(t);
    return this.view(t);
  }

  /** Time passes without a frame (the UI's timer): time limits and stalled video. */
  tick(now: number): ChallengeView {
    if (this.phase === 'idle' || this.phase === 'done') return this.view(now);
    const s = this.config.session;
    if (now - this.lastFrameAt >= s.frameStallSeconds) {
      this.abort(now, 'inconclusive', `no frame was analysed for ${s.frameStallSeconds} s (the video stopped)`);
      return this.view(now);
    }
    this.advance(now);
    return this.view(now);
  }

  interrupt(kind: Interruption, now: number): ChallengeView {
    if (this.phase !== 'done' && this.phase !== 'idle') this.abort(now, 'inconclusive', INTERRUPTION_WORDS[kind]);
    else if (this.phase === 'idle') this.finishIdle(now, 'inconclusive', INTERRUPTION_WORDS[kind]);
    return this.view(now);
  }

  cancel(now: number): ChallengeView {
    if (this.phase !== 'done' && this.phase !== 'idle') this.abort(now, 'not-performed', 'you cancelled the check');
    else if (this.phase === 'idle') this.finishIdle(now, 'not-performed', 'you cancelled the check');
    return this.view(now);
  }

  view(now: number): ChallengeView {
    const step = this.phase === 'done' || this.phase === 'idle' ? null : this.steps[this.index];
    const secondsLeft = this.secondsLeft(now);
    return {
      phase: this.phase,
      stepIndex: this.phase === 'done' ? this.steps.length : this.index,
      stepCount: this.steps.length,
      step: step ? { id: step.id, say: step.say, instruction: step.instruction } : null,
      feedback: this.feedback(now, secondsLeft),
      secondsLeft,
      result: this.outcome,
      preparing: this.preparing(now),
    };
  }

  /**
   * What the first step still waits for (ChallengeConfig.session.prepareLimitSeconds): the caller's reference face
   * (the face-recognition model answers only once loaded, and only for calm frontal frames), and the hand model for a
   * check with a hand pass (frames carry `hands` once it is loaded). Null when ready, after the first step, or once the
   * wait is over (the check then goes on and its result says what was missing).
   */
  private preparing(now: number): string | null {
    if (this.phase !== 'instructing' || this.index !== 0) return null;
    if (now - this.phaseSince >= this.config.session.prepareLimitSeconds) return null;
    const waits: string[] = [];
    if (identityReferenceCount(this.baseline, this.config) < this.config.identity.minReferenceFrames) waits.push("learning the caller's face (they should look at the camera)");
    if (this.steps.some((s) => s.kind === 'hand-pass') && !this.before.some((s) => s.hands !== null)) waits.push('loading the hand detector');
    return waits.length ? waits.join('; ') : null;
  }

  private enter(phase: ChallengePhase, now: number): void {
    this.phase = phase;
    this.phaseSince = now;
    this.restingSince = null;
  }

  private lastProblem(): string {
    const last = this.phase === 'instructing' ? this.before.at(-1) : this.phase === 'measuring' ? this.during.at(-1) : this.after.at(-1);
    return unusableReason(last?.face ?? null, this.config) === 'too small' ? 'too small' : 'too dark';
  }

  /** Whether a frame shows the face back at rest after a step: alone, usable, frontal, no longer leaning in. */
  private atRest(sample: ChallengeSample): boolean {
    const f = sample.face;
    if (!f || sample.faceCount !== 1 || unusableReason(f, this.config) !== null) return false;
    const id = this.config.identity;
    if (Math.abs(f.yawDeg) > id.frontalYawDeg || Math.abs(f.pitchDeg) > id.frontalPitchDeg) return false;
    const reference = referenceWidth(this.before, this.baseline);
    return reference === null || f.box.width <= reference * this.config.steps.leanBackRatio;
  }

  private secondsLeft(now: number): number | null {
    const step = this.steps[this.index];
    if (!step) return null;
    const limit =
      this.phase === 'measuring' ? step.timeLimitSeconds : this.phase === 'evaluating' ? this.config.steps.settleLimitSeconds : this.phase === 'instructing' ? this.config.session.instructLimitSeconds : null;
    return limit === null ? null : Math.max(0, Math.ceil(limit - (now - this.phaseSince)));
  }

  /** Bad input first (it ends everything), then the phase's own clock and completion. */
  private advance(now: number): void {
    const s = this.config.session;
    if (this.multiFaceSince !== null && now - this.multiFaceSince >= s.multiFaceAbortSeconds) {
      this.abort(now, 'inconclusive', 'two faces were in view: the check needs the caller alone in the picture');
      return;
    }
    if (this.unusableSince !== null && now - this.unusableSince >= s.unusableAbortSeconds) {
      const problem = this.lastProblem();
      this.abort(now, 'inconclusive', `the face was ${problem} to judge for ${s.unusableAbortSeconds} s`);
      return;
    }
    if (now - this.lastFaceAt >= s.noFaceAbortSeconds) {
      this.abort(now, 'inconclusive', `no face was in view for ${s.noFaceAbortSeconds} s`);
      return;
    }
    const step = this.steps[this.index];
    if (!step) return;
    if (this.phase === 'instructing' && now - this.phaseSince >= s.instructLimitSeconds) {
      this.abort(now, 'not-performed', `the step was not started within ${s.instructLimitSeconds} s`);
    } else if (this.phase === 'measuring') {
      const perf = measurePerformance(step, { baseline: this.baseline, before: this.before }, this.during, this.config);
      if (perf.complete) this.enter('evaluating', now);
      else if (step.kind === 'hand-pass' && perf.performed === null && now - this.phaseSince >= 2) this.endStep(now, 'unmeasurable');
      else if (now - this.phaseSince >= step.timeLimitSeconds) this.endStep(now, 'timeout');
    } else if (this.phase === 'evaluating') {
      const rested = this.restingSince !== null && now - this.restingSince >= this.config.steps.settleSeconds;
      if (rested) this.endStep(now, 'done');
      else if (now - this.phaseSince >= this.config.steps.settleLimitSeconds) this.endStep(now, 'unsettled');
    }
  }

  private judgeCurrent(now: number, endedBy: EndedBy): StepResult | null {
    const step = this.steps[this.index];
    if (!step) return null;
    return evaluateStep(
      { step, baseline: this.baseline, before: this.before, during: this.during, after: this.after, startedAt: this.stepStartedAt, endedAt: now, endedBy },
      this.config,
    );
  }

  private endStep(now: number, endedBy: EndedBy): void {
    const result = this.judgeCurrent(now, endedBy);
    if (result) this.stepResults.push(result);
    this.index++;
    // The frames after this step are the start of the "before" of the next.
    this.before = this.after.slice(-MAX_BEFORE_FRAMES);
    this.during = [];
    this.after = [];
    if (this.index >= this.steps.length) this.finish(now, null, null);
    else this.enter('instructing', now);
  }

  private abort(now: number, outcome: 'inconclusive' | 'not-performed', reason: string): void {
    if (this.phase === 'measuring' || this.phase === 'evaluating') {
      const result = this.judgeCurrent(now, { interrupted: reason });
      if (result) this.stepResults.push(result);
      this.index++;
    }
    this.finish(now, outcome, reason);
  }

  private finishIdle(now: number, outcome: 'inconclusive' | 'not-performed', reason: string): void {
    this.startedAt = now;
    this.finish(now, outcome, reason);
  }

  private finish(now: number, abort: 'inconclusive' | 'not-performed' | null, reason: string | null): void {
    const steps = [...this.stepResults];
    for (let i = steps.length; i < this.steps.length; i++) {
      const step = this.steps[i];
      if (!step) continue;
      steps.push({
        id: step.id,
        kind: step.kind,
        outcome: abort ?? 'not-performed',
        performed: null,
        heldUp: null,
        failedOn: [],
        measurements: {},
        reasons: [reason ? `Not reached: ${reason}.` : 'Not reached.'],
        because: reason ? `Not reached: ${reason}.` : 'Not reached.',
        keyFrames: [],
        startedAt: null,
        endedAt: null,
      });
    }
    const outcome = overallOutcome(steps, abort);
    this.outcome = {
      participantId: this.participantId,
      outcome,
      summary: SUMMARY[outcome],
      reasons: reason ? [`The check ended early: ${reason}.`] : [],
      steps,
      startedAt: this.startedAt ?? now,
      endedAt: now,
      advice: [OUTCOME_ADVICE[outcome], ...CHALLENGE_ADVICE],
      framesRejected: this.rejected,
    };
    this.phase = 'done';
    this.index = this.steps.length;
  }

  private feedback(now: number, secondsLeft: number | null): string {
    if (this.phase === 'idle') return 'Not started.';
    if (this.phase === 'done') return this.outcome?.summary ?? '';
    const left = secondsLeft === null ? '' : ` · ${secondsLeft} s left`;
    const warning = this.warning();
    const prefix = warning ? `${warning} · ` : '';
    const step = this.steps[this.index];
    if (!step) return '';
    if (this.phase === 'instructing') {
      const waiting = this.preparing(now);
      if (waiting) return `${prefix}Getting ready: ${waiting}. Say the words meanwhile; Start will be ready in a moment.`;
      return `${prefix}Say the words to the caller, then press Start.`;
    }
    if (this.phase === 'evaluating') return `${prefix}Done. Now they should sit back and look straight at the camera${left}`;
    return `${prefix}${stepFeedback(step, this.during, { baseline: this.baseline, before: this.before }, this.config)}${left}`;
  }

  /** A problem with the latest frame that the user can ask the caller to fix. */
  private warning(): string | null {
    const last = this.phase === 'instructing' ? this.before.at(-1) : this.phase === 'measuring' ? this.during.at(-1) : this.after.at(-1);
    if (!last) return null;
    if (last.faceCount >= 2) return 'Two faces in view: only the caller should be in the picture';
    const problem = unusableReason(last.face, this.config);
    if (problem === 'no face') return 'Face not seen';
    if (problem === 'too dark') return 'Too dark: ask them to turn on a light';
    if (problem === 'too small') return 'Face too small: ask them to come closer';
    return null;
  }
}

/** The live line while a step is measured: what is still missing, with the figure reached and the goal. */
export function stepFeedback(step: ChallengeStep, during: readonly ChallengeSample[], context: Pick<StepInput, 'baseline' | 'before'>, config: ChallengeConfig = DEFAULT_CHALLENGE_CONFIG): string {
  const c = config.steps;
  const current = lastFace(during)?.face ?? null;
  switch (step.kind) {
    case 'head-turn': {
      const { left, right } = yawReach(during);
      const leftDone = (left?.deg ?? 0) >= c.headTurnTargetDeg;
      const rightDone = (right?.deg ?? 0) >= c.headTurnTargetDeg;
      const first = step.firstSide ?? 'left';
      const side = leftDone ? 'right' : rightDone ? 'left' : first;
      const now = current ? Math.max(0, side === 'left' ? -current.yawDeg : current.yawDeg) : 0;
      const done = leftDone || rightDone ? 'one side done; ' : '';
      return `${done}turn further to their ${side}: ${deg(now)} of ${deg(c.headTurnTargetDeg)}`;
    }
    case 'look-up-down': {
      const { up, down } = pitchReach(during);
      const upDone = (up?.deg ?? 0) >= c.pitchTargetDeg;
      const downDone = (down?.deg ?? 0) >= c.pitchTargetDeg;
      const way = upDone ? 'down' : 'up';
      const now = current ? Math.max(0, way === 'up' ? current.pitchDeg : -current.pitchDeg) : 0;
      return `${upDone || downDone ? 'one way done; ' : ''}look further ${way}: ${deg(now)} of ${deg(c.pitchTargetDeg)}`;
    }
    case 'lean-in': {
      const reference = referenceWidth(context.before, context.baseline);
      const ratio = current && reference ? current.box.width / reference : 0;
      return `come closer: ${ratio.toFixed(1)}× of ${c.leanInRatio}×`;
    }
    case 'hand-pass': {
      const hand = handMeasure(during, lastKnownBox(context.before, context.baseline), config);
      if (!hand.modelLoaded) return 'hand detector not loaded yet';
      if (hand.heldFrames >= config.steps.handFrames) return `hand over the face (${Math.round(hand.peakCoverage * 100)}%): now lower it`;
      if (hand.coveredFrames > 0) return `hand over the face (${Math.round(hand.peakCoverage * 100)}%): slowly, keep it there a moment`;
      return hand.peakCoverage > 0 ? 'hand seen beside the face: pass it across the face' : 'hand not seen yet';
    }
  }
}
