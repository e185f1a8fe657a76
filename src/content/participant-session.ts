/**
 * One participant's analysis: samples its `<video>` with requestVideoFrameCallback at the sampler's adaptive rate,
 * reads and downscales each sample (shared/frame-grab: without the native memory a plain video read leaks), transfers
 * it to the engine, and turns the engine's answers into the
 * participant's status and overlay. Everything it sets up ends with its AbortSignal (tile gone, page gone, analysis
 * turned off).
 */
import { viewForVideoFrame } from '../core/detector-views';
import { KeyFrameKeeper } from '../core/key-frames';
import { AdaptiveSampler, sampleWidthFor } from '../core/sampler';
import { ParticipantStatus } from '../core/participant-status';
import { DEFAULT_FUSION, type FusionConfig } from '../core/risk-fusion';
import type { EngineReply } from '../shared/messages';
import type { KeyFrame } from '../shared/report-types';
import type { Box, EngineStatus, FaceObservation, ParticipantSummary } from '../shared/types';
import { recordBench } from './bench-probe';
import type { EngineClient } from './engine-client';
import { FrameGrabber } from '../shared/frame-grab';
import { ParticipantOverlay } from './overlay';
import { ParticipantChallenge } from './participant-challenge';
import type { ChallengeResult as ReportChallenge } from '../shared/report-types';

/**
 * End-to-end builds only, for the soak (to tell which part of the engine the extension renderer's memory growth comes
 * from): a call page opened with `unmaskDetectorOff` in its query runs without the detector (`--detector-off`); with
 * `unmaskLandmarksOff` the engine answers every frame without running the landmarker (`--landmarks-off`: frames still
 * travel, are received and closed).
 */
const E2E_QUERY = __UNMASK_E2E__ ? new URLSearchParams(location.search) : null;
const E2E_DETECTOR_OFF = E2E_QUERY?.has('unmaskDetectorOff') === true;
const E2E_LANDMARKS_OFF = E2E_QUERY?.has('unmaskLandmarksOff') === true;

/** Stills are kept at this width at most: enough to recognise a face, small in memory (~30 KB as JPEG). */
const STILL_MAX_WIDTH = 480;

export class ParticipantSession {
  readonly sampler = new AdaptiveSampler();
  readonly status: ParticipantStatus;
  private readonly overlay: ParticipantOverlay;
  private hidden = document.visibilityState === 'hidden';
  private videoPaused: boolean;
  /** Width of the largest face in the last result, as a fraction of the frame (null: none known). */
  private faceWidthFraction: number | null = null;
  /** Frames sent to the detector so far: their parity picks the detector's view (`core/detector-views`). */
  private scoredFrames = 0;
  /** A still is being captured (at most one at a time: its grabber reuses one buffer). */
  private stillPending = false;
  /** Stills of this participant for a possible report (core/key-frames): JPEG data URLs, in memory only. */
  private readonly keyFrames = new KeyFrameKeeper<{ image: string; faceBox: Box }>();
  /** "Verify this caller" for this participant. */
  readonly challenge: ParticipantChallenge;

  constructor(
    readonly id: string,
    label: string,
    private readonly video: HTMLVideoElement,
    private readonly engine: EngineClient,
    private readonly onChange: () => void,
    showOverlay: boolean,
    private readonly signal: AbortSignal,
    fusion: FusionConfig = DEFAULT_FUSION,
    onChallengeFinished: (record: ReportChallenge) => void = () => undefined,
  ) {
    this.status = new ParticipantStatus(id, label, Date.now(), fusion);
    this.challenge = new ParticipantChallenge(id, () => this.refresh(), onChallengeFinished, () => {
      const status = this.engine.engineStatus;
      return status.kind === 'ready' && status.verdicts;
    }, signal);
    this.sampleGrabber = new FrameGrabber(video);
    this.stillGrabber = new FrameGrabber(video);
    this.overlay = new ParticipantOverlay(video, signal);
    this.overlay.setShown(showOverlay);
    this.videoPaused = video.paused;
    this.applyPause();
    const stopListening = engine.onReply((reply) => this.onReply(reply));
    document.addEventListener('visibilitychange', () => {
      this.hidden = document.visibilityState === 'hidden';
      // Sampling stops while the tab is hidden: a check cannot see the caller then.
      if (this.hidden) this.challenge.interrupt('tab-hidden');
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
    // A call's video pauses when the participant's camera goes off (the track ends or is muted).
    if (paused) this.challenge.interrupt('camera-off');
    this.applyPause();
  }

  setOverlayShown(shown: boolean): void {
    this.overlay.setShown(shown);
  }

  setLabel(label: string): void {
    this.status.label = label;
  }

  summary(engine: EngineStatus = this.engine.engineStatus): ParticipantSummary {
    return this.challenge.decorate(this.status.summary(engine, Date.now()));
  }

  /** The kept stills, for a report the user is preparing (they leave this script only then). */
  keyFrameStills(): Omit<KeyFrame, 'othersBlurred'>[] {
    return this.keyFrames.frames().map((f) => ({ participantId: this.id, t: f.t, score: f.score, faceBox: f.data.faceBox, image: f.data.image }));
  }

  /**
   * Captures the tile's current picture when the keeper wants it: the frame the engine just judged is gone (it was
   * transferred), but the one on screen ~30 ms later shows the same face in the same place.
   */
  private maybeKeepStill(faces: FaceObservation[]): void {
    const face = faces.reduce<FaceObservation | null>((best, f) => (best === null || (f.swapScore ?? -1) > (best.swapScore ?? -1) ? f : best), null);
    if (!face || this.stillPending) return;
    const candidate = { t: Date.now(), score: face.swapScore };
    if (!this.keyFrames.wants(candidate)) return;
    const { videoWidth, videoHeight } = this.video;
    if (!videoWidth || !videoHeight) return;
    const width = Math.min(STILL_MAX_WIDTH, videoWidth);
    const height = Math.max(1, Math.round((videoHeight * width) / videoWidth));
    this.stillPending = true;
    this.stillGrabber
      .grab(width, height)
      .then((bitmap) => {
        try {
          if (this.signal.aborted) return;
          const canvas = (this.stillCanvas ??= document.createElement('canvas'));
          canvas.width = width;
          canvas.height = height;
          const ctx = canvas.getContext('2d');
          if (!ctx) return;
          ctx.drawImage(bitmap, 0, 0);
          this.keyFrames.keep({ ...candidate, data: { image: canvas.toDataURL('image/jpeg', 0.85), faceBox: face.box } });
        } finally {
          bitmap.close();
        }
      })
      .catch(() => {
        // A cross-origin video cannot be read back, or the video went away: no still, the report says so.
      })
      .finally(() => {
        this.stillPending = false;
      });
  }

  private applyPause(): void {
    const paused = this.hidden || this.videoPaused;
    this.sampler.setPaused(paused);
    this.status.setPaused(paused);
    this.refresh();
    if (!paused) this.requestFrame();
  }

  private frameRequested = false;
  /** Reads samples (and, separately, stills) out of the video without leaking native memory (shared/frame-grab). */
  private readonly sampleGrabber: FrameGrabber;
  private readonly stillGrabber: FrameGrabber;
  /** One canvas for every still of this participant (a canvas per still is native memory until the next GC). */
  private stillCanvas: HTMLCanvasElement | null = null;

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
    const width = sampleWidthFor(videoWidth, this.faceWidthFraction);
    const height = Math.max(1, Math.round((videoHeight * width) / videoWidth));
    this.sampleGrabber
      .grab(width, height)
      .then((bitmap) => {
        if (this.signal.aborted) {
          bitmap.close();
          return;
        }
        const status = this.engine.engineStatus;
        // The detector runs in calls only for a model released for live verdicts: an unreleased one would cost the
        // user's CPU for nothing shown. Test builds always run it, so the benchmark measures the whole engine.
        // A running check compares the detector's score with the caller's calm frames, so it runs then too.
        const detect = (__UNMASK_E2E__ && !E2E_DETECTOR_OFF) || (status.kind === 'ready' && status.verdicts) || this.challenge.running;
        const scoreFaces = detect ? viewForVideoFrame(this.scoredFrames) : null;
        // A running check compares who the face is across its steps (identity continuity): only then is it described.
        const identify = this.challenge.running;
        const findHands = this.challenge.wantsHands;
        const sent = this.engine.send({ type: 'frame', participantId: this.id, frameId, sampledAt: now, bitmap, sourceWidth: videoWidth, sourceHeight: videoHeight, scoreFaces, identify, findHands, ...(E2E_LANDMARKS_OFF ? { e2eLandmarksOff: true } : {}) });
        if (sent && detect) this.scoredFrames++; // a frame that never left does not use up its view
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
      // A restarted engine lost this participant's tracks and frames in flight: a running check cannot go on.
      if (reply.status.kind === 'crashed' || reply.status.kind === 'failed') this.challenge.interrupt('engine-restarted');
      this.refresh();
      return;
    }
    const participantId = reply.type === 'result' ? reply.result.participantId : reply.participantId;
    if (participantId !== this.id) return;
    const frameId = reply.type === 'result' ? reply.result.frameId : reply.frameId;
    const latency = this.sampler.complete(frameId, performance.now());
    if (reply.type === 'result') {
      this.status.onResult(reply.result, latency, Date.now());
      this.challenge.onResult(reply.result);
      const widest = Math.max(0, ...reply.result.faces.map((f) => f.box.width));
      this.faceWidthFraction = widest > 0 ? widest : null;
      this.maybeKeepStill(reply.result.faces);
      if (__UNMASK_E2E__ && latency !== null)
        recordBench({ participantId: this.id, at: performance.now(), engineMs: reply.result.engineMs, landmarkMs: reply.result.landmarkMs, detectorMs: reply.result.detectorMs, latencyMs: latency, faces: reply.result.faces.length, ...(reply.result.engineMemory ? { engineMemory: reply.result.engineMemory } : {}) });
    }
    else this.status.onFrameError(reply.message);
    this.refresh();
  }

  private refresh(): void {
    if (this.signal.aborted) return;
    this.overlay.update(this.summary());
    this.onChange();
  }
}
