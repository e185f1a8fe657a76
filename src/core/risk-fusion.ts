/**
 * Fuses the face-swap detector's per-frame scores of one face into the participant's risk over time: a smoothed
 * score and a verdict that does not flicker.
 *
 * - Only usable frames count as evidence: a face, large enough, lit enough, sharp enough. Until there is enough
 *   evidence (`minUsableFrames` usable frames spread over at least `minEvidenceSeconds`), the verdict is
 *   "insufficient", with the reason. After `staleAfterSeconds` without a usable frame, it falls back to
 *   "insufficient" (the face left, or the light went) rather than keep an old verdict.
 * - The score is an exponentially weighted mean in time (half-life `halfLifeSeconds`) of per-frame probabilities,
 *   each first replaced by the median of it and the two usable frames before it. Weighting by time means the frame
 *   rate does not change how fast it moves; the median means one odd frame can neither raise an alarm nor end one.
 *   The detector is confident (v0.3 puts most frames near 0 or 1), so without the median a single frame at the other
 *   extreme moves the mean by most of a threshold band. (Averaging log-odds instead was tried: it bounds one
 *   frame's pull too, but lets runs of confident frames push the score higher, and it raised a false "likely
 *   deepfake" on one real talking head of the development data; the median and the mean of probabilities did not.)
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
 * Defaults. Thresholds chosen on the development data for the shipped model v0.3 (models/README.md), never per clip:
 * the probabilities of the DFDC dev real faces (964 crops, each scored as the engine scores a still image: both views,
 * `core/detector-views`; `training.evaluate` prints them) have their 90th, 95th, 98th and 99th percentiles at 0.782,
 * 0.902, 0.959 and 0.983, so "suspicious" is entered at 0.902 (5% of real faces score that high) and left below 0.782
 * (10%), and "likely deepfake" is entered at 0.983 (1%) and left below 0.959 (2%). The fused score is a mean over
 * frames (of 3-frame medians), so a real face reaches these less often than a single frame does. v0.3 is more
 * confident than v0.2 in both directions, so the same percentiles sit higher and closer to 1 (hence three decimals;
 * v0.2's thresholds were 0.80 / 0.70 and 0.93 / 0.89; v0.3's from the plain crop alone, before the two views, were
 * 0.893 / 0.789 and 0.986 / 0.969).
 */
export const DEFAULT_FUSION: FusionConfig = {
  minFaceSizePx: 64,
  minBrightness: 30,
  minSharpness: 4,
  minUsableFrames: 8,
  minEvidenceSeconds: 2,
  staleAfterSeconds: 4,
  halfLifeSeconds: 1.5,
  suspicious: { enter: 0.902, exit: 0.782 },
  deepfake: { enter: 0.983, exit: 0.959 },
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

/** How many recent usable frames the median that feeds the mean looks at (this one and the two before it). */
export const MEDIAN_FRAMES = 3;

/** The median of a few numbers (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export class RiskFusion {
  private score: number | null = null;
  /** The last MEDIAN_FRAMES usable probabilities, oldest first. */
  private recent: number[] = [];
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
      this.recent.push(Math.min(1, Math.max(0, probability)));
      if (this.recent.length > MEDIAN_FRAMES) this.recent.shift();
      const p = median(this.recent);
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
    this.recent = [];
    this.lastUsableAt = null;
    this.firstUsableAt = null;
    this.usableFrames = 0;
  }
}
