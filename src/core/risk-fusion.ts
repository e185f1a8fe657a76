/**
 * Fuses the face-swap detector's per-frame scores of one face into the participant's risk over time: a smoothed
 * score and a verdict that does not flicker.
 *
 * - Only usable frames count as evidence: a face, large enough, lit enough, sharp enough. Until there is enough
 *   evidence (`minUsableFrames` usable frames spread over at least `minEvidenceSeconds`), the verdict is
 *   "insufficient", with the reason. After `staleAfterSeconds` without a usable frame, it falls back to
 *   "insufficient" (the face left, or the light went) rather than keep an old verdict.
 * - The score is an exponentially weighted mean of per-frame probabilities in time (half-life
 *   `halfLifeSeconds`), so the frame rate does not change how fast it moves, and one odd frame cannot raise an alarm.
 * - Hysteresis: a verdict is entered when the score passes its `enter` threshold and left only when it falls below
 *   the lower `exit` threshold, and every change of verdict must hold for `dwellSeconds` first.
 *
 * Pure and clock-injected (times in seconds): the live engine and the `scan` command run the same fusion, the
 * latter on clip time, so two runs over the same clip give the same answer.
 */
import type { FaceQuality } from '../shared/types';

export type Verdict = 'insufficient' | 'genuine' | 'suspicious' | 'deepfake';

export interface FusionConfig {
  minFaceSizePx: number;
  minBrightness: number;
  minSharpness: number;
  minUsableFrames: number;
  minEvidenceSeconds: number;
  staleAfterSeconds: number;
  halfLifeSeconds: number;
  /** Score at or above which a face becomes suspicious, and below which it stops being. */
  suspicious: { enter: number; exit: number };
  deepfake: { enter: number; exit: number };
  dwellSeconds: number;
}

/**
 * Defaults. Thresholds chosen on the development data for the shipped model v0.2 (models/README.md), never per clip:
 * per-frame probabilities of the DFDC dev real faces (964 crops; `training.evaluate` prints them) have their 90th,
 * 95th, 98th and 99th percentiles at 0.705, 0.797, 0.895 and 0.934, so "suspicious" is entered at 0.80 (5% of real
 * frames score that high) and left below 0.70 (10%), and "likely deepfake" is entered at 0.93 (1%) and left below
 * 0.89 (2%). The fused score is a mean over frames, so a real face reaches these less often than a single frame does.
 */
export const DEFAULT_FUSION: FusionConfig = {
  minFaceSizePx: 64,
  minBrightness: 30,
  minSharpness: 4,
  minUsableFrames: 8,
  minEvidenceSeconds: 2,
  staleAfterSeconds: 4,
  halfLifeSeconds: 1.5,
  suspicious: { enter: 0.8, exit: 0.7 },
  deepfake: { enter: 0.93, exit: 0.89 },
  dwellSeconds: 1,
};

export interface FusionState {
  verdict: Verdict;
  /** Smoothed probability that the face is swapped; null while there is no usable evidence at all. */
  score: number | null;
  /** When (seconds) the current verdict began. */
  since: number;
  /** Why the verdict is "insufficient", in words for the user; null otherwise. */
  reason: string | null;
  usableFrames: number;
}

const RANK: Record<Verdict, number> = { insufficient: 0, genuine: 1, suspicious: 2, deepfake: 3 };

export class RiskFusion {
  private score: number | null = null;
  private lastUsableAt: number | null = null;
  private firstUsableAt: number | null = null;
  private usableFrames = 0;
  private verdict: Verdict = 'insufficient';
  private since: number;
  private reason: string | null = 'not enough time yet';
  /** A verdict the score points to, and since when it has (for the dwell). */
  private pending: { verdict: Verdict; since: number } | null = null;

  constructor(
    start: number,
    private readonly config: FusionConfig = DEFAULT_FUSION,
  ) {
    this.since = start;
  }

  /** Why a frame cannot serve as evidence, or null if it can. */
  unusableReason(quality: FaceQuality | null): string | null {
    if (!quality) return 'no face in view';
    if (quality.faceSizePx < this.config.minFaceSizePx) return `face too small (${Math.round(quality.faceSizePx)} px)`;
    if (quality.brightness < this.config.minBrightness) return 'face too dark';
    if (quality.sharpness < this.config.minSharpness) return 'face too blurred';
    return null;
  }

  /**
   * One analysed frame at time `t` (seconds): the detector's probability for the face (null when the detector did
   * not run on this frame) and the face's quality (null when there is no face).
   */
  push(t: number, probability: number | null, quality: FaceQuality | null): FusionState {
    const unusable = this.unusableReason(quality);
    if (unusable === null && probability !== null && Number.isFinite(probability)) {
      const p = Math.min(1, Math.max(0, probability));
      if (this.score === null || this.lastUsableAt === null) this.score = p;
      else {
        const w = Math.pow(0.5, Math.max(0, t - this.lastUsableAt) / this.config.halfLifeSeconds);
        this.score = w * this.score + (1 - w) * p;
      }
      this.lastUsableAt = t;
      this.firstUsableAt ??= t;
      this.usableFrames++;
      this.reason = null;
    } else if (unusable !== null) {
      this.reason = unusable;
    }
    return this.update(t);
  }

  /** The state at time `t` without a new frame (e.g. when frames stop coming). */
  update(t: number): FusionState {
    const target = this.target(t);
    if (target === this.verdict) this.pending = null;
    else if (target === 'insufficient' || this.verdict === 'insufficient') {
      // Entering or leaving "insufficient" needs no dwell: the evidence itself is what changed.
      this.setVerdict(target, t);
    } else {
      if (this.pending?.verdict !== target) this.pending = { verdict: target, since: t };
      if (t - this.pending.since >= this.config.dwellSeconds) this.setVerdict(target, t);
    }
    return {
      verdict: this.verdict,
      score: this.score,
      since: this.since,
      reason: this.verdict === 'insufficient' ? (this.reason ?? 'not enough time yet') : null,
      usableFrames: this.usableFrames,
    };
  }

  private setVerdict(verdict: Verdict, t: number): void {
    this.verdict = verdict;
    this.since = t;
    this.pending = null;
  }

  /** The verdict the evidence points to now, with hysteresis around the current verdict. */
  private target(t: number): Verdict {
    const c = this.config;
    if (this.score === null || this.lastUsableAt === null || this.firstUsableAt === null) return 'insufficient';
    if (t - this.lastUsableAt > c.staleAfterSeconds) {
      this.reason ??= 'no usable view of the face for a while';
      this.resetEvidence();
      return 'insufficient';
    }
    if (this.usableFrames < c.minUsableFrames || t - this.firstUsableAt < c.minEvidenceSeconds) {
      this.reason ??= 'not enough time yet';
      return 'insufficient';
    }
    const s = this.score;
    const current = RANK[this.verdict];
    // Thresholds to enter a higher verdict, to stay in the current one (lower, the hysteresis band).
    if (s >= c.deepfake.enter || (current >= RANK.deepfake && s >= c.deepfake.exit)) return 'deepfake';
    if (s >= c.suspicious.enter || (current >= RANK.suspicious && s >= c.suspicious.exit)) return 'suspicious';
    return 'genuine';
  }

  /** Evidence that went stale starts over: a face that comes back is judged afresh. */
  private resetEvidence(): void {
    this.score = null;
    this.lastUsableAt = null;
    this.firstUsableAt = null;
    this.usableFrames = 0;
  }
}
