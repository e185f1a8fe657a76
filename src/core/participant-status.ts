import type { EngineStatus, FaceSummary, FrameResult, ParticipantState, ParticipantSummary } from '../shared/types';
import { summariseFace } from './face-summary';
import { median, TimeWindow } from './stats';

/** Consecutive faceless frames before we say "no face": one missed detection must not flip the badge. */
export const NO_FACE_AFTER_FRAMES = 3;

/**
 * What the user is told about one participant, from the engine's per-frame results. There is no face-swap model yet,
 * so the state says only what is known: whether a face is tracked and how usable it is. No risk score is invented.
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

  constructor(
    readonly id: string,
    public label: string,
    now: number,
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
        return `${who} (${parts.join('; ')}). Face-swap check not available in this version.`;
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
      analysedFps: Math.round(this.analysed.rate(now) * 10) / 10,
      engineMsMedian: median(this.engineMs.values(now)),
      latencyMsMedian: median(this.latencyMs.values(now)),
      framesAnalysed: this.framesAnalysed,
      since: this.since,
    };
  }
}
