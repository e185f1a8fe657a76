/**
 * "Verify this caller" for one participant, in the call page: runs a `ChallengeSession` (core/challenge) on the
 * engine's results for this participant, ticks its clock, turns page events into interruptions, and hands the
 * finished result on (to the background, for the call's report) while keeping it for the verdict shown here.
 *
 * The challenge's clock is the page's `performance.now()` in seconds: the samples' times (`FrameResult.sampledAt`)
 * are on it too. Nothing here decides anything: the measures and the state machine are the core's, unit-tested.
 */
import { challengeRecord, challengeSampleOf, liveView } from '../core/challenge/record';
import { ChallengeSession, type ChallengeResult, type Interruption } from '../core/challenge/session';
import type { ChallengeSample } from '../core/challenge/measures';
import { combineWithChallenges, failureCounts } from '../core/challenge/verdict';
import { DEFAULT_CHALLENGE_CONFIG, pickSteps, stepById, type ChallengeStep, type StepId } from '../core/challenge/steps';
import type { ChallengeResult as ReportChallenge } from '../shared/report-types';
import type { ChallengeLive, FrameResult, ParticipantSummary } from '../shared/types';

/** Calm frames kept before a check (its reference), and how old they may be. */
const RECENT_FRAMES = 50;
const RECENT_SECONDS = 15;
/** How often the session's clock is ticked while a check runs (time limits, stalled video). */
const TICK_MS = 500;

/** A random source the call page cannot predict or replay: the steps must not be known in advance. */
function secureRandom(): number {
  const word = new Uint32Array(1);
  crypto.getRandomValues(word);
  return (word[0] ?? 0) / 2 ** 32;
}

const nowSeconds = (): number => performance.now() / 1000;

export class ParticipantChallenge {
  private session: ChallengeSession | null = null;
  private steps: ChallengeStep[] = [];
  private recent: ChallengeSample[] = [];
  private readonly results: ChallengeResult[] = [];
  private live: ChallengeLive | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly participantId: string,
    /** Something shown changed (the live view, or a result). */
    private readonly onChange: () => void,
    /** A check ended: its record for the call's report. */
    private readonly onFinished: (record: ReportChallenge) => void,
    /** Whether the detector is released for verdicts (a failure on its score alone counts only then). */
    private readonly detectorReleased: () => boolean,
    signal: AbortSignal,
  ) {
    // The participant's tile went away (left the call, or analysis stopped): a running check ends, with its reason.
    signal.addEventListener('abort', () => this.interrupt('participant-left'), { once: true });
  }

  /** A check is running (words shown, movement measured, or settling): the detector runs on every frame meanwhile. */
  get running(): boolean {
    const phase = this.session?.currentPhase;
    return phase !== undefined && phase !== 'done' && phase !== 'idle';
  }

  /**
   * Whether this check's frames should carry hands: it is running and one of its steps is a hand pass. The whole check,
   * not only that step: the hand model then loads while the first words are read, and a hand over the face explains
   * a lost face or keeps a frame out of the identity comparison in the other steps too.
   */
  get wantsHands(): boolean {
    return this.running && this.steps.some((s) => s.kind === 'hand-pass');
  }

  /** Starts a check. `only` (test builds only) fixes the steps; otherwise two or three are picked at random. */
  start(only: readonly StepId[] | null): { ok: true } | { ok: false; error: string } {
    if (this.running) return { ok: false, error: 'A check of this participant is already running.' };
    const count = secureRandom() < 0.5 ? 2 : 3;
    this.steps = only && only.length > 0 ? only.map((id) => stepById(id)) : pickSteps(secureRandom, count, { handModel: true });
    const now = nowSeconds();
    const calm = this.recent.filter((s) => now - s.t <= RECENT_SECONDS);
    this.session = new ChallengeSession(this.participantId, this.steps, { ...DEFAULT_CHALLENGE_CONFIG, scoreDecides: this.detectorReleased() }, calm);
    this.show(this.session.start(now));
    this.timer ??= setInterval(() => this.tick(), TICK_MS);
    return { ok: true };
  }

  /** The user said the words and pressed "Start": the current step is measured. */
  beginStep(): { ok: true } | { ok: false; error: string } {
    if (this.session?.currentPhase !== 'instructing') return { ok: false, error: 'No step is waiting to start.' };
    const view = this.session.beginStep(nowSeconds());
    this.show(view);
    if (view.phase === 'instructing' && view.preparing) return { ok: false, error: `Not ready yet: ${view.preparing}.` };
    return { ok: true };
  }

  cancel(): void {
    if (this.session && this.running) this.show(this.session.cancel(nowSeconds()));
  }

  interrupt(kind: Interruption): void {
    if (this.session && this.running) this.show(this.session.interrupt(kind, nowSeconds()));
  }

  /** One engine result for this participant. */
  onResult(result: FrameResult): void {
    const sample = challengeSampleOf(result, result.sampledAt / 1000);
    if (this.session && this.running) {
      // No change notice: the participant's session refreshes after every engine reply anyway (once per frame).
      this.show(this.session.push(sample), false);
      return;
    }
    // Between checks: keep the last calm frames, the reference of the next check.
    this.recent.push(sample);
    if (this.recent.length > RECENT_FRAMES) this.recent.shift();
  }

  /** The summary with the check's live state and its effect on the verdict. */
  decorate(summary: ParticipantSummary): ParticipantSummary {
    const combined = combineWithChallenges(this.participantId, summary.risk, this.results, this.detectorReleased());
    const verification = combined.challenge ? { outcome: combined.challenge.outcome, line: combined.challenge.line, raised: combined.failureCounted } : null;
    const risk = combined.verdict === summary.risk.verdict ? summary.risk : { ...summary.risk, verdict: combined.verdict, reason: null };
    const detail = verification ? `${summary.detail} ${verification.line}` : summary.detail;
    return { ...summary, risk, detail: detail.slice(0, 500), challenge: this.live, verification };
  }

  private tick(): void {
    if (!this.session || !this.running) {
      if (this.timer !== null) clearInterval(this.timer);
      this.timer = null;
      return;
    }
    this.show(this.session.tick(nowSeconds()));
  }

  private show(view: ReturnType<ChallengeSession['view']>, notify = true): void {
    this.live = liveView(view);
    const result = view.result;
    if (result && !this.results.includes(result)) {
      this.results.push(result);
      const origin = performance.timeOrigin;
      this.onFinished(challengeRecord(result, this.steps, failureCounts(result, this.detectorReleased()), (t) => origin + t * 1000));
      // Frames of the check are not calm frames for the next one.
      this.recent = [];
    }
    if (notify) this.onChange();
  }
}
