/**
 * One participant's analysis: samples its `<video>` with requestVideoFrameCallback at the sampler's adaptive rate,
 * downscales each sample in createImageBitmap, transfers it to the engine, and turns the engine's answers into the
 * participant's status and overlay. Everything it sets up ends with its AbortSignal (tile gone, page gone, analysis
 * turned off).
 */
import { AdaptiveSampler } from '../core/sampler';
import { ParticipantStatus } from '../core/participant-status';
import type { EngineReply } from '../shared/messages';
import type { EngineStatus, ParticipantSummary } from '../shared/types';
import type { EngineClient } from './engine-client';
import { ParticipantOverlay } from './overlay';

/** Samples are downscaled to at most this width: the landmarker works on a 256 px face crop, more only costs time. */
export const SAMPLE_MAX_WIDTH = 640;

export class ParticipantSession {
  readonly sampler = new AdaptiveSampler();
  readonly status: ParticipantStatus;
  private readonly overlay: ParticipantOverlay;
  private hidden = document.visibilityState === 'hidden';
  private videoPaused: boolean;

  constructor(
    readonly id: string,
    label: string,
    private readonly video: HTMLVideoElement,
    private readonly engine: EngineClient,
    private readonly onChange: () => void,
    showOverlay: boolean,
    private readonly signal: AbortSignal,
  ) {
    this.status = new ParticipantStatus(id, label, Date.now());
    this.overlay = new ParticipantOverlay(video, signal);
    this.overlay.setShown(showOverlay);
    this.videoPaused = video.paused;
    this.applyPause();
    const stopListening = engine.onReply((reply) => this.onReply(reply));
    document.addEventListener('visibilitychange', () => {
      this.hidden = document.visibilityState === 'hidden';
      this.applyPause();
    }, { signal });
    signal.addEventListener('abort', () => {
      stopListening();
      engine.send({ type: 'forget', participantId: id });
    }, { once: true });
    engine.ensureStarted();
    this.requestFrame();
    this.refresh();
  }

  setVideoPaused(paused: boolean): void {
    this.videoPaused = paused;
    this.applyPause();
  }

  setOverlayShown(shown: boolean): void {
    this.overlay.setShown(shown);
  }

  setLabel(label: string): void {
    this.status.label = label;
  }

  summary(engine: EngineStatus = this.engine.engineStatus): ParticipantSummary {
    return this.status.summary(engine, Date.now());
  }

  private applyPause(): void {
    const paused = this.hidden || this.videoPaused;
    this.sampler.setPaused(paused);
    this.status.setPaused(paused);
    this.refresh();
    if (!paused) this.requestFrame();
  }

  private frameRequested = false;

  private requestFrame(): void {
    if (this.frameRequested || this.signal.aborted) return;
    this.frameRequested = true;
    this.video.requestVideoFrameCallback(() => {
      this.frameRequested = false;
      if (this.signal.aborted) return;
      this.onVideoFrame();
      // While the video is paused no frame is presented, so this waits without cost until it plays again.
      this.requestFrame();
    });
  }

  private onVideoFrame(): void {
    const now = performance.now();
    if (this.sampler.decide(now) !== 'sample') return;
    const { videoWidth, videoHeight } = this.video;
    if (!videoWidth || !videoHeight) return;
    const frameId = this.sampler.markSent(now);
    const width = Math.min(videoWidth, SAMPLE_MAX_WIDTH);
    const height = Math.max(1, Math.round((videoHeight * width) / videoWidth));
    createImageBitmap(this.video, { resizeWidth: width, resizeHeight: height, resizeQuality: 'low' })
      .then((bitmap) => {
        if (this.signal.aborted) {
          bitmap.close();
          return;
        }
        const sent = this.engine.send({ type: 'frame', participantId: this.id, frameId, sampledAt: now, bitmap, sourceWidth: videoWidth, sourceHeight: videoHeight });
        if (!sent) {
          bitmap.close();
          this.sampler.cancel(frameId);
        }
      })
      .catch((error: unknown) => {
        // The video vanished or has no frame yet: skip this sample.
        this.sampler.cancel(frameId);
        this.status.onFrameError(`could not read the video frame: ${String(error)}`);
      });
  }

  private onReply(reply: EngineReply): void {
    if (reply.type === 'status') {
      this.refresh();
      return;
    }
    const participantId = reply.type === 'result' ? reply.result.participantId : reply.participantId;
    if (participantId !== this.id) return;
    const frameId = reply.type === 'result' ? reply.result.frameId : reply.frameId;
    const latency = this.sampler.complete(frameId, performance.now());
    if (reply.type === 'result') this.status.onResult(reply.result, latency, Date.now());
    else this.status.onFrameError(reply.message);
    this.refresh();
  }

  private refresh(): void {
    if (this.signal.aborted) return;
    this.overlay.update(this.summary());
    this.onChange();
  }
}
