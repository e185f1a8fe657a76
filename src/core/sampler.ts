/**
 * When to sample the next frame of one participant.
 *
 * Frames arrive from `requestVideoFrameCallback` at the video's rate (24-30 fps). We analyse far fewer:
 * - start at `startFps` (5 fps: enough to follow a face and to gather evidence within seconds);
 * - at most one frame in flight per participant: while the engine holds one, new frames are dropped, never queued,
 *   so a slow engine costs frames, not latency;
 * - adapt: if the engine's recent latency would eat more than `maxBusyShare` of the interval, lower the rate (down to
 *   `minFps`); when it is quick again, climb back towards `targetFps`;
 * - a frame whose answer never comes (crashed worker) is given up after `inFlightTimeoutMs` so sampling resumes.
 *
 * Pure and clock-injected so the schedule can be unit-tested frame by frame.
 */
export interface SamplerOptions {
  startFps: number;
  targetFps: number;
  minFps: number;
  maxFps: number;
  /** Share of the sampling interval that engine latency may take before we slow down. */
  maxBusyShare: number;
  inFlightTimeoutMs: number;
}

export const DEFAULT_SAMPLER_OPTIONS: SamplerOptions = {
  startFps: 5,
  targetFps: 5,
  minFps: 1,
  maxFps: 10,
  maxBusyShare: 0.5,
  inFlightTimeoutMs: 2000,
};

const DUE_SLACK_MS = 18;

export type SampleDecision = 'sample' | 'busy' | 'too-soon' | 'paused';

export class AdaptiveSampler {
  private fps: number;
  private inFlight: { frameId: number; sentAt: number } | null = null;
  /** When the next sample is due. Kept on a fixed grid (not "last sample + interval") so that a 24 fps video sampled
   *  at 5 fps alternates 4- and 5-frame gaps and really yields 5 samples a second, instead of always 5 frames (4.8). */
  private nextDueAt = -Infinity;
  private latencyEma: number | null = null;
  private nextFrameId = 0;
  private paused = false;
  /** Counts, for the benchmark and the popup. */
  readonly counts = { sampled: 0, droppedBusy: 0, timedOut: 0, completed: 0 };

  constructor(private readonly options: SamplerOptions = DEFAULT_SAMPLER_OPTIONS) {
    this.fps = options.startFps;
  }

  get currentFps(): number {
    return this.fps;
  }

  get intervalMs(): number {
    return 1000 / this.fps;
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
  }

  /** Called for every decoded video frame; says whether to sample this one. */
  decide(now: number): SampleDecision {
    if (this.paused) return 'paused';
    if (this.inFlight) {
      if (now - this.inFlight.sentAt < this.options.inFlightTimeoutMs) {
        this.counts.droppedBusy++;
        return 'busy';
      }
      // The answer is lost (engine restarted): give up on it and slow down, as a lost frame means trouble.
      this.counts.timedOut++;
      this.inFlight = null;
      this.fps = Math.max(this.options.minFps, this.fps / 2);
    }
    // Half a frame of slack (frames arrive every 33-42 ms): the frame nearest the due time is taken.
    if (now < this.nextDueAt - DUE_SLACK_MS) return 'too-soon';
    return 'sample';
  }

  /** Records that a frame was sent; returns its id. */
  markSent(now: number): number {
    const frameId = this.nextFrameId++;
    this.inFlight = { frameId, sentAt: now };
    // Stay on the grid, unless we fell more than an interval behind (paused, busy): then restart it from now.
    this.nextDueAt = now - this.nextDueAt > this.intervalMs ? now + this.intervalMs : this.nextDueAt + this.intervalMs;
    this.counts.sampled++;
    return frameId;
  }

  /** A sent frame was not delivered after all (e.g. createImageBitmap failed). */
  cancel(frameId: number): void {
    if (this.inFlight?.frameId === frameId) this.inFlight = null;
  }

  /** The engine answered (result or error) for `frameId`; returns the sample-to-answer latency, or null if stale. */
  complete(frameId: number, now: number): number | null {
    if (!this.inFlight || this.inFlight.frameId !== frameId) return null;
    const latency = now - this.inFlight.sentAt;
    this.inFlight = null;
    this.counts.completed++;
    this.latencyEma = this.latencyEma === null ? latency : 0.7 * this.latencyEma + 0.3 * latency;
    this.adapt();
    return latency;
  }

  private adapt(): void {
    if (this.latencyEma === null) return;
    const { minFps, maxFps, targetFps, maxBusyShare } = this.options;
    // Highest rate at which latency stays within its share of the interval.
    const affordable = (1000 * maxBusyShare) / Math.max(1, this.latencyEma);
    if (affordable < this.fps) this.fps = Math.max(minFps, affordable);
    else if (this.fps < targetFps) this.fps = Math.min(targetFps, maxFps, affordable, this.fps * 1.25);
  }
}

/**
 * How wide a sample the engine gets. Cost grows with pixels (on a machine without GPU the landmarker's image
 * conversion is software GL), while MediaPipe only needs the face at about 100 px: its detector looks at 128 px,
 * its mesh at a 256 px crop of the face. So once a face is known, the sample is just wide enough for the face to
 * span `faceTargetPx` (at least `minWidth`); with no face known, it gets up to `maxWidth` so that a small face in a
 * large tile can still be found. Never wider than the video itself.
 */
export const SAMPLE_WIDTH = { minWidth: 320, maxWidth: 640, faceTargetPx: 112 } as const;

export function sampleWidthFor(videoWidth: number, faceWidthFraction: number | null): number {
  const cap = Math.min(videoWidth, SAMPLE_WIDTH.maxWidth);
  if (faceWidthFraction === null || !(faceWidthFraction > 0)) return cap;
  const wanted = Math.ceil(SAMPLE_WIDTH.faceTargetPx / faceWidthFraction);
  return Math.min(cap, Math.max(SAMPLE_WIDTH.minWidth, wanted));
}
