/**
 * The face engine: MediaPipe FaceLandmarker on each participant's frames, inside a dedicated worker.
 *
 * One FaceLandmarker per participant, in VIDEO mode: VIDEO mode tracks the face from the previous frame's landmarks
 * and only re-runs the detector when tracking is lost, which is what makes it faster than IMAGE mode; sharing one
 * instance between participants would feed participant B's frame with participant A's face region. All instances are
 * created from the same model bytes, fetched once.
 */
import { FaceLandmarker, FilesetResolver, type FaceLandmarkerResult } from '@mediapipe/tasks-vision';
import { FaceTracker } from '../core/face-tracks';
import { landmarkBounds } from '../core/face-summary';
import { headPoseFromMatrix, isRowMajorAffine } from '../core/head-pose';
import { lumaStats } from '../core/quality';
import type { FrameRequest } from '../shared/messages';
import type { FaceObservation, FrameResult } from '../shared/types';

export const ENGINE_ASSETS = 'engine-assets';
export const MAX_FACES_PER_TILE = 4;
/** Quality is measured on the face resampled to this square, so sharpness compares across face sizes. */
const QUALITY_CROP = 64;

interface ParticipantEngine {
  landmarker: FaceLandmarker;
  tracker: FaceTracker;
  lastTimestamp: number;
}

export class FaceEngine {
  private readonly participants = new Map<string, Promise<ParticipantEngine>>();
  private readonly crop = new OffscreenCanvas(QUALITY_CROP, QUALITY_CROP);
  private readonly cropContext = this.crop.getContext('2d', { willReadFrequently: true });

  /** An instance made ahead of need, so the first participant does not wait for the wasm to start. */
  private spare: Promise<FaceLandmarker> | null = null;

  private constructor(
    private readonly fileset: Awaited<ReturnType<typeof FilesetResolver.forVisionTasks>>,
    private readonly moduleFactory: unknown,
    private readonly model: Uint8Array,
  ) {}

  /** Loads the wasm and model from the extension's own files; nothing is fetched from anywhere else. */
  static async load(assetsBase: string): Promise<FaceEngine> {
    const fileset = await FilesetResolver.forVisionTasks(assetsBase, true);
    // The wasm loader is an ES module that sets `globalThis.ModuleFactory` when first evaluated, and tasks-vision
    // clears that global after creating a task; a second import is served from the module cache without re-running
    // it ("ModuleFactory not set"). So we keep the factory and put it back before each new instance.
    const loader = (await import(/* @vite-ignore */ fileset.wasmLoaderPath)) as { default: unknown };
    const response = await fetch(`${assetsBase}/face_landmarker.task`);
    if (!response.ok) throw new Error(`face model missing from the extension (${response.status})`);
    const engine = new FaceEngine(fileset, loader.default, new Uint8Array(await response.arrayBuffer()));
    engine.spare = engine.createLandmarker();
    await engine.spare;
    return engine;
  }

  private createLandmarker(): Promise<FaceLandmarker> {
    (self as unknown as { ModuleFactory: unknown }).ModuleFactory = this.moduleFactory;
    return FaceLandmarker.createFromOptions(this.fileset, {
        baseOptions: { modelAssetBuffer: this.model, delegate: 'CPU' },
        runningMode: 'VIDEO',
        numFaces: MAX_FACES_PER_TILE,
        outputFacialTransformationMatrixes: true,
        outputFaceBlendshapes: false,
        minFaceDetectionConfidence: 0.5,
        minFacePresenceConfidence: 0.5,
        minTrackingConfidence: 0.5,
    });
  }

  private participant(id: string): Promise<ParticipantEngine> {
    let entry = this.participants.get(id);
    if (!entry) {
      const landmarker = this.spare ?? this.createLandmarker();
      this.spare = null;
      entry = landmarker.then((instance) => ({ landmarker: instance, tracker: new FaceTracker(), lastTimestamp: 0 }));
      this.participants.set(id, entry);
    }
    return entry;
  }

  async forget(id: string): Promise<void> {
    const entry = this.participants.get(id);
    this.participants.delete(id);
    if (entry) (await entry).landmarker.close();
  }

  get participantCount(): number {
    return this.participants.size;
  }

  async analyse(frame: FrameRequest): Promise<FrameResult> {
    const p = await this.participant(frame.participantId);
    const start = performance.now();
    const { bitmap } = frame;
    try {
      // VIDEO mode needs strictly increasing timestamps per instance.
      const timestamp = Math.max(p.lastTimestamp + 1, Math.round(performance.now()));
      p.lastTimestamp = timestamp;
      const result = p.landmarker.detectForVideo(bitmap, timestamp);
      const faces = this.observe(result, bitmap, frame, p.tracker);
      return {
        participantId: frame.participantId,
        frameId: frame.frameId,
        sampledAt: frame.sampledAt,
        engineMs: performance.now() - start,
        frameWidth: bitmap.width,
        frameHeight: bitmap.height,
        faces,
      };
    } finally {
      bitmap.close();
    }
  }

  private observe(result: FaceLandmarkerResult, bitmap: ImageBitmap, frame: FrameRequest, tracker: FaceTracker): FaceObservation[] {
    const faces = result.faceLandmarks.map((points, i) => {
      const landmarks = new Float32Array(points.length * 3);
      points.forEach((pt, j) => {
        landmarks[j * 3] = pt.x;
        landmarks[j * 3 + 1] = pt.y;
        landmarks[j * 3 + 2] = pt.z;
      });
      const matrix = result.facialTransformationMatrixes[i]?.data;
      const pose = matrix ? headPoseFromMatrix(matrix, isRowMajorAffine(matrix)) : { yawDeg: NaN, pitchDeg: NaN, rollDeg: NaN };
      return { landmarks, box: clampBox(landmarkBounds(landmarks)), pose, count: points.length };
    });
    const ids = tracker.assign(faces.map((f) => f.box));
    // Face size in the participant's real pixels: the engine sees a downscaled copy.
    const scale = frame.sourceWidth > 0 ? frame.sourceWidth / bitmap.width : 1;
    return faces.map((f, i) => ({
      trackId: ids[i] ?? 0,
      box: f.box,
      landmarkCount: f.count,
      landmarks: f.landmarks,
      pose: f.pose,
      quality: {
        faceSizePx: Math.max(f.box.width * bitmap.width, f.box.height * bitmap.height) * scale,
        ...this.cropStats(bitmap, f.box),
      },
    }));
  }

  private cropStats(bitmap: ImageBitmap, box: FaceObservation['box']): { sharpness: number; brightness: number } {
    const ctx = this.cropContext;
    if (!ctx) return { sharpness: NaN, brightness: NaN };
    const sx = box.x * bitmap.width;
    const sy = box.y * bitmap.height;
    const sw = Math.max(1, box.width * bitmap.width);
    const sh = Math.max(1, box.height * bitmap.height);
    ctx.drawImage(bitmap, sx, sy, sw, sh, 0, 0, QUALITY_CROP, QUALITY_CROP);
    const pixels = ctx.getImageData(0, 0, QUALITY_CROP, QUALITY_CROP).data;
    return lumaStats(pixels, QUALITY_CROP, QUALITY_CROP);
  }
}

function clampBox(b: FaceObservation['box']): FaceObservation['box'] {
  const x = Math.max(0, Math.min(1, b.x));
  const y = Math.max(0, Math.min(1, b.y));
  return { x, y, width: Math.max(0, Math.min(1, b.x + b.width) - x), height: Math.max(0, Math.min(1, b.y + b.height) - y) };
}
