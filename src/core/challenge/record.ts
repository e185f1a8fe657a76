/**
 * The seams between the challenge logic and the rest of Unmask, kept pure so Node tests cover them:
 * - `challengeSampleOf`: one engine result (`FrameResult`) as the challenge's sample of one participant;
 * - `challengeRecord`: a finished challenge as the report's "Caller verification" entry (times as epoch ms);
 * - `liveView`: the small, JSON-safe state the side panel, popup and overlay show while a challenge runs.
 */
import type { ChallengeResult as ReportChallenge, ChallengeStepRecord } from '../../shared/report-types';
import type { ChallengeLive, FrameResult } from '../../shared/types';
import type { ChallengeSample } from './measures';
import type { ChallengeResult, ChallengeView } from './session';
import type { ChallengeStep } from './steps';

/**
 * The participant's face in one result. A tile normally shows one face; with several, the largest is the caller
 * (`faceCount` still says how many there were, and two faces for long end the check).
 */
export function challengeSampleOf(result: FrameResult, tSeconds: number): ChallengeSample {
  const largest = result.faces.reduce<FrameResult['faces'][number] | null>((best, f) => (best === null || f.box.width * f.box.height > best.box.width * best.box.height ? f : best), null);
  return {
    t: tSeconds,
    frameId: result.frameId,
    faceCount: result.faces.length,
    face: largest
      ? {
          box: largest.box,
          yawDeg: largest.pose.yawDeg,
          pitchDeg: largest.pose.pitchDeg,
          rollDeg: largest.pose.rollDeg,
          faceSizePx: largest.quality.faceSizePx,
          brightness: largest.quality.brightness,
          swapScore: largest.swapScore,
          // Not measured by the engine: tried offline on the development data, the texture measure failed 4 of 49 real
          // clips under the check's rule and the boundary measure no swap (training/stability_probe.py,
          // docs/benchmarks.md, 2026-12-03). The challenge judges without them (ChallengeConfig.deviation).
          boundaryStability: null,
          textureStability: null,
          // Present on frames of a running check, for near-frontal faces (core/face-identity.ts).
          embedding: largest.embedding instanceof Float32Array && largest.embedding.length > 0 ? largest.embedding : null,
        }
      : null,
    // Present on the frames of a check with a hand pass, once the hand model has loaded (engine/hand-finder.ts).
    hands: Array.isArray(result.hands) ? result.hands : null,
    // Present on a check's frames without a face (engine/face-engine.ts).
    frameBrightness: typeof result.frameBrightness === 'number' ? result.frameBrightness : null,
  };
}

const STEP_NAMES: Record<ChallengeStep['kind'], string> = {
  'head-turn': 'Head turn',
  'hand-pass': 'Hand pass',
  'lean-in': 'Lean in',
  'look-up-down': 'Look up and down',
};

/** The steps asked, in words: "Head turn (left first), Lean in". */
export function describeSteps(steps: readonly ChallengeStep[]): string {
  return steps.map((s) => `${STEP_NAMES[s.kind]}${s.firstSide ? ` (${s.firstSide} first)` : ''}`).join(', ');
}

/** Finite measurements only, names kept short: the report's validator refuses anything else. */
function cleanFigures(m: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(m).slice(0, 40)) if (Number.isFinite(v) && k.length > 0 && k.length <= 64) out[k] = v;
  return out;
}

const clip = (s: string, max = 500): string => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/**
 * A finished challenge as the report records it. `toEpochMs` turns the challenge's clock (seconds) into ms since the
 * epoch; `counted` is whether a failure counts toward the verdict (`failureCounts`).
 */
export function challengeRecord(result: ChallengeResult, steps: readonly ChallengeStep[], counted: boolean, toEpochMs: (t: number) => number): ReportChallenge {
  const ms = (t: number | null): number | null => (t === null ? null : Math.round(toEpochMs(t)));
  const records: ChallengeStepRecord[] = result.steps.slice(0, 5).map((s) => ({
    id: s.id,
    kind: s.kind,
    asked: clip(steps.find((p) => p.id === s.id)?.say ?? s.id),
    outcome: s.outcome,
    performed: s.performed,
    heldUp: s.heldUp,
    failedOn: [...s.failedOn],
    measurements: cleanFigures(s.measurements),
    reasons: s.reasons.slice(0, 50).map((r) => clip(r)),
    because: clip(s.because),
    startedAt: ms(s.startedAt),
    endedAt: ms(s.endedAt),
    keyFrames: s.keyFrames.slice(0, 50).map((f) => ({ t: Math.round(toEpochMs(f.t)), why: clip(f.why) })),
  }));
  return {
    participantId: result.participantId,
    t: Math.round(toEpochMs(result.startedAt)),
    endedAt: Math.round(toEpochMs(result.endedAt)),
    challenge: clip(describeSteps(steps), 200),
    outcome: result.outcome,
    counted: result.outcome === 'failed' && counted,
    detail: clip(result.summary),
    reasons: result.reasons.slice(0, 50).map((r) => clip(r)),
    steps: records,
    advice: result.advice.slice(0, 50).map((a) => clip(a)),
  };
}

/** What the panel shows of a running (or just finished) challenge. */
export function liveView(view: ChallengeView): ChallengeLive {
  const result = view.result;
  return {
    phase: view.phase === 'idle' ? 'instructing' : view.phase,
    stepIndex: view.stepIndex,
    stepCount: view.stepCount,
    say: view.step?.say ?? null,
    instruction: view.step?.instruction ?? null,
    feedback: clip(view.feedback),
    secondsLeft: view.secondsLeft,
    preparing: view.preparing === null ? null : clip(view.preparing),
    outcome: result?.outcome ?? null,
    summary: result ? clip(result.summary) : null,
    reasons: result ? [...result.reasons, ...result.steps.map((s) => s.because)].slice(0, 10).map((r) => clip(r)) : [],
    advice: result ? result.advice.slice(0, 5).map((a) => clip(a)) : [],
  };
}
