import type { EngineStatus, FaceSummary, FrameResult, ParticipantState, ParticipantSummary, RiskSummary } from '../shared/types';
import { summariseFace } from './face-summary';
import { RiskFusion, type FusionConfig, DEFAULT_FUSION, type FusionState } from './risk-fusion';
import { median, TimeWindow } from './stats';

const VERDICT_RANK = { insufficient: 0, genuine: 1, suspicious: 2, deepfake: 3 } as const;

/** Consecutive faceless frames before we say "no face": one missed detection must not flip the badge. */
export const NO_FACE_AFTER_FRAMES = 3;

/**
 * What the user is told about one participant, from the engine's per-frame results: whether a face is tracked and
 * how usable it is (`state`), and the face-swap risk over time (`risk`): one RiskFusion per face track, the
 * participant's risk being that of its riskiest face. Without the detector's scores (model unavailable) the risk
 * stays "insufficient" and says why: nothing is invented.
 */
export class ParticipantStatus {
  private faces: FaceSummary[] = [];
  private facelessStreak = 0;
  private framesAnalysed = 0;
  private paused = false;
  private lastError: string | null = null;
  private state: ParticipantState = 'starting';
  private since: number;
  private readonly analysed = new TimeWindow(3000);
  private readonly engineMs = new TimeWindow(3000);
  private readonly latencyMs = new TimeWindow(3000);
  private readonly fusions = new Map<number, { fusion: RiskFusion; state: FusionState }>();
  private detectorRan = false;

  constructor(
    readonly id: string,
    public label: string,
    now: number,
    /** Thresholds for face tracks that start from now on (a sensitivity change does not rewrite a running track). */
    public fusionConfig: FusionConfig = DEFAULT_FUSION,
  ) {
    this.since = now;
  }

  onResult(result: FrameResult, latencyMs: number | null, now: number): void {
    this.framesAnalysed++;
    this.lastError = null;
    this.analysed.push(now, 1);
    this.engineMs.push(now, result.engineMs);
    if (latencyMs !== null) this.latencyMs.push(now, latencyMs);
    if (result.faces.length > 0) {
      this.faces = result.faces.map(summariseFace);
      this.facelessStreak = 0;
    } else {
      this.facelessStreak++;
      if (this.facelessStreak >= NO_FACE_AFTER_FRAMES) this.faces = [];
    }
    this.fuse(result, now / 1000);
  }

  /** Feeds each face's score to its track's fusion; tracks not in this frame see a frame without their face. */
  private fuse(result: FrameResult, t: number): void {
    const seen = new Set<number>();
    for (const face of result.faces) {
      if (face.swapScore !== null) this.detectorRan = true;
      let entry = this.fusions.get(face.trackId);
      if (!entry) {
        const fusion = new RiskFusion(t, this.fusionConfig);
        entry = { fusion, state: fusion.update(t) };
        this.fusions.set(face.trackId, entry);
      }
      entry.state = entry.fusion.push(t, face.swapScore, face.quality);
      seen.add(face.trackId);
    }
    for (const [trackId, entry] of this.fusions) {
      if (seen.has(trackId)) continue;
      entry.state = entry.fusion.push(t, null, null);
      // A face gone for long enough that its evidence went stale is forgotten.
      if (entry.state.verdict === 'insufficient' && entry.state.usableFrames === 0) this.fusions.delete(trackId);
    }
  }

  /**
   * The participant's risk: its riskiest face's, or "insufficient" with the reason. With `verdicts` false (the
   * shipped model is not released for live calls) the fusion still runs, but no verdict or score leaves here.
   */
  risk(verdicts = true): RiskSummary {
    if (!verdicts) return { verdict: 'insufficient', score: null, since: this.since, reason: 'the face-swap check is not released yet' };
    let worst: FusionState | null = null;
    for (const { state } of this.fusions.values()) {
      if (!worst || VERDICT_RANK[state.verdict] > VERDICT_RANK[worst.verdict] || (state.verdict === worst.verdict && (state.score ?? 0) > (worst.score ?? 0)))
        worst = state;
    }
    const noModel = this.framesAnalysed > 0 && this.faces.length > 0 && !this.detectorRan;
    if (!worst || worst.verdict === 'insufficient') {
      const reason = noModel
        ? 'the face-swap model is not available'
        : this.faces.length === 0
          ? 'no face in view'
          : (worst?.reason ?? 'not enough time yet');
      return { verdict: 'insufficient', score: worst?.score ?? null, since: (worst?.since ?? this.since / 1000) * 1000, reason };
    }
    return { verdict: worst.verdict, score: worst.score, since: worst.since * 1000, reason: null };
  }

  onFrameError(message: string): void {
    this.lastError = message;
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
  }

  private nextState(engine: EngineStatus): ParticipantState {
    // A crash is followed by an automatic restart: only a failure (restarts exhausted, model missing) is an error.
    if (engine.kind === 'failed') return 'engine-error';
    if (this.paused) return 'paused';
    if (this.framesAnalysed === 0) return engine.kind === 'ready' ? 'analysing' : 'starting';
    if (this.faces.length > 0) return 'face-tracked';
    return this.facelessStreak >= NO_FACE_AFTER_FRAMES ? 'no-face' : 'analysing';
  }

  private detail(state: ParticipantState, engine: EngineStatus): string {
    switch (state) {
      case 'starting':
        return engine.kind === 'crashed' ? 'Analysis engine restarting…' : 'Loading the face models…';
      case 'analysing':
        return this.lastError ? `Looking for a face… (last frame failed: ${this.lastError})` : 'Looking for a face…';
      case 'no-face':
        return 'No face in view: nothing to check.';
      case 'paused':
        return 'Paused (video paused or tab in the background).';
      case 'engine-error':
        return engine.kind === 'failed' || engine.kind === 'crashed' ? `Analysis engine failed: ${engine.message}` : `Analysis failed: ${this.lastError ?? 'unknown error'}`;
      case 'face-tracked': {
        const parts = this.faces.map((f) => {
          const quality = f.grade === 'good' ? 'good quality' : `${f.grade} quality: ${f.gradeReasons.join(', ')}`;
          return `${Math.round(f.quality.faceSizePx)} px, ${quality}`;
        });
        const who = this.faces.length > 1 ? `${this.faces.length} faces tracked` : 'Face tracked';
        if (!verdictsOf(engine)) return `${who} (${parts.join('; ')}). The face-swap check is still in development: no verdict is given.`;
        return `${riskSentence(this.risk())} ${who} (${parts.join('; ')}).`;
      }
    }
  }

  summary(engine: EngineStatus, now: number): ParticipantSummary {
    const state = this.nextState(engine);
    if (state !== this.state) {
      this.state = state;
      this.since = now;
    }
    return {
      id: this.id,
      label: this.label,
      state,
      detail: this.detail(state, engine),
      faces: this.faces,
      risk: this.risk(verdictsOf(engine)),
      verdictsAvailable: verdictsOf(engine),
      analysedFps: Math.round(this.analysed.rate(now) * 10) / 10,
      engineMsMedian: median(this.engineMs.values(now)),
      latencyMsMedian: median(this.latencyMs.values(now)),
      framesAnalysed: this.framesAnalysed,
      since: this.since,
      challenge: null,
      verification: null,
    };
  }
}

/** One sentence on the risk, for the detail line. */
export function riskSentence(risk: RiskSummary): string {
  const pct = risk.score === null ? '' : ` (${Math.round(risk.score * 100)}%)`;
  switch (risk.verdict) {
    case 'deepfake':
      return `Likely deepfake${pct}: do not act on requests for money or secrets; hang up and call back on a number you know.`;
    case 'suspicious':
      return `Suspicious${pct}: signs of a face swap; ask the caller to turn their head fully sideways or pass a hand over their face.`;
    case 'genuine':
      return `Looks genuine${pct}.`;
    case 'insufficient':
      return `Not enough evidence yet: ${risk.reason ?? 'not enough time yet'}.`;
  }
}

/** Verdicts are given only by a ready engine whose model is released for live calls. */
function verdictsOf(engine: EngineStatus): boolean {
  return engine.kind === 'ready' && engine.verdicts;
}
