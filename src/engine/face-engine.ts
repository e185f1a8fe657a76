/**
 * The face engine: MediaPipe FaceLandmarker on every participant's frames, inside a dedicated worker.
 *
 * One FaceLandmarker (IMAGE mode) serves all participants of the tab. Measured with `npm run bench` on the 2-core
 * machine (docs/architecture.md): one VIDEO-mode instance per participant, which tracks the face from the previous
 * frame instead of re-running the detector, was no faster here (each instance carries its own wasm heap and WebGL
 * context for image conversion, which on a GPU-less machine is software GL) and took 115 MB more memory at
 * 4 participants. Per-participant face tracks are kept here, by overlap, instead.
 */
import { FaceLandmarker, FilesetResolver, type FaceLandmarkerResult } from '@mediapipe/tasks-vision';
import * as tf from '@tensorflow/tfjs';
import { alignmentFor } from '../core/face-align';
import { facesToLookFor, landmarksToFrame, matchInRoi, roiAround, roiDrawSize } from '../core/face-roi';
import { FaceTracker, iou } from '../core/face-tracks';
import { landmarkBounds } from '../core/face-summary';
import { headPoseFromMatrix, isRowMajorAffine } from '../core/head-pose';
import { lumaStats } from '../core/quality';
import { findWithin } from '../core/object-search';
import type { FrameRequest } from '../shared/engine-channel';
import type { EngineMemory, FaceObservation, FrameResult } from '../shared/types';
import { describable } from '../core/face-identity';
import { AlignedFaceCropper } from './face-crop';
import { FaceIdentity } from './face-identity';
import { HandFinder } from './hand-finder';
import { LandmarkerOutputTap } from './landmarker-output';
import { SwapDetector } from './swap-detector';

export const ENGINE_ASSETS = 'engine-assets';
export const MAX_FACES_PER_TILE = 4;
/** Quality is measured on the face resampled to this square, so sharpness compares across face sizes. */
const QUALITY_CROP = 64;

export class FaceEngine {
  private readonly trackers = new Map<string, FaceTracker>();
  private readonly crop = new OffscreenCanvas(QUALITY_CROP, QUALITY_CROP);
  private readonly cropContext = this.crop.getContext('2d', { willReadFrequently: true });

  private readonly cropper = new AlignedFaceCropper();
  /** The Emscripten modules of MediaPipe and TF.js's wasm backend, once searched for (see memory()). */
  private mediapipeHeap: EmscriptenHeap | null | undefined = undefined;
  private tfHeap: EmscriptenHeap | null | undefined = undefined;
  /** Where a missing face gets its second look (core/face-roi.ts); made on first use. */
  private roiCanvas: OffscreenCanvas | null = null;
  /**
   * The landmarker's results read from its wasm module without tasks-vision's per-landmark objects
   * (engine/landmarker-output.ts: what that does to the worker's memory); null where it cannot tap them.
   */
  private readonly tap: LandmarkerOutputTap | null;

  private constructor(
    private readonly landmarker: FaceLandmarker,
    /** null when the face-swap model could not load: the engine still tracks faces, and says so. */
    readonly detector: SwapDetector | null,
    readonly detectorError: string | null,
    private readonly assetsBase: string,
    private readonly fileset: Awaited<ReturnType<typeof FilesetResolver.forVisionTasks>>,
  ) {
    this.tap = LandmarkerOutputTap.install(landmarker);
  }

  /** How the landmarker's results are read, for the engine's status. */
  get landmarkOutput(): string {
    return this.tap ? 'read from the wasm module' : "through tasks-vision's objects";
  }

  /**
   * The face-recognition model, loaded on the first frame that asks for it (a caller check), not with the engine:
   * it holds about 50 MB of the engine's memory (measured with the soak's figures) for something most calls never use.
   * Until it is ready, frames get no descriptor; a check's first words give it the second or so it takes.
   */
  private identity: FaceIdentity | null = null;
  private identityLoad: Promise<void> | null = null;
  /** Why the face-recognition model could not load (then caller checks cannot compare identities, and say so). */
  identityError: string | null = null;

  private wantIdentity(): FaceIdentity | null {
    this.identityLoad ??= FaceIdentity.load(this.assetsBase).then(
      (m) => {
        this.identity = m;
      },
      (e: unknown) => {
        this.identityError = `face-recognition model unavailable: ${String(e)}`;
        console.warn(`Unmask: ${this.identityError}`);
      },
    );
    return this.identity;
  }

  /**
   * The hand model (engine/hand-finder.ts), loaded like the identity model: on the first frame of a check that has a
   * hand pass. Until it is ready frames carry no `hands`, and the hand pass says the detector is not loaded.
   */
  private hands: HandFinder | null = null;
  private handsLoad: Promise<void> | null = null;
  /** Why the hand model could not load (a hand pass is then inconclusive, and says so). */
  handsError: string | null = null;

  private wantHands(): HandFinder | null {
    this.handsLoad ??= HandFinder.load(this.fileset, this.assetsBase).then(
      (m) => {
        this.hands = m;
      },
      (e: unknown) => {
        this.handsError = `hand model unavailable: ${String(e)}`;
        console.warn(`Unmask: ${this.handsError}`);
      },
    );
    return this.hands;
  }

  /** Loads the wasm and models from the extension's own files; nothing is fetched from anywhere else. */
  static async load(assetsBase: string): Promise<FaceEngine> {
    const detector = SwapDetector.load(assetsBase).then(
      (d) => ({ d, error: null }),
      (error: unknown) => ({ d: null, error: `face-swap model unavailable: ${String(error)}` }),
    );
    const fileset = await FilesetResolver.forVisionTasks(assetsBase, true);
    const response = await fetch(`${assetsBase}/face_landmarker.task`);
    if (!response.ok) throw new Error(`face model missing from the extension (${response.status})`);
    const landmarker = await FaceLandmarker.createFromOptions(fileset, {
      baseOptions: { modelAssetBuffer: new Uint8Array(await response.arrayBuffer()), delegate: 'CPU' },
      runningMode: 'IMAGE',
      numFaces: MAX_FACES_PER_TILE,
      outputFacialTransformationMatrixes: true,
      outputFaceBlendshapes: false,
      minFaceDetectionConfidence: 0.5,
      minFacePresenceConfidence: 0.5,
    });
    const { d, error } = await detector;
    // The identity model loads later, on demand, on the TF.js backend the detector picked (wantIdentity()).
    return new FaceEngine(landmarker, d, error, assetsBase, fileset);
  }

  forget(trackKey: string): void {
    this.trackers.delete(trackKey);
  }

  forgetWhere(matches: (trackKey: string) => boolean): void {
    for (const k of [...this.trackers.keys()]) if (matches(k)) this.trackers.delete(k);
  }

  get participantCount(): number {
    return this.trackers.size;
  }

  /**
   * Landmarks, pose and quality for one frame; `trackKey` names the participant's face tracks (tab and id).
   * The caller owns the bitmap and closes it.
   */
  analyse(frame: FrameRequest, trackKey: string): FrameResult {
    let tracker = this.trackers.get(trackKey);
    if (!tracker) {
      tracker = new FaceTracker();
      this.trackers.set(trackKey, tracker);
    }
    const start = performance.now();
    const { bitmap } = frame;
    const found = __UNMASK_E2E__ && frame.e2eLandmarksOff === true ? [] : this.detectFaces(bitmap);
    found.push(...this.lookAgain(bitmap, tracker, found));
    const landmarkMs = performance.now() - start;
    const faces = this.observe(found, bitmap, frame, tracker);
    const detectorStart = performance.now();
    const view = frame.scoreFaces;
    const identity = frame.identify === true ? this.wantIdentity() : null;
    for (const face of faces) {
      const wantsIdentity = identity !== null && describable(face.pose);
      if (!view && !wantsIdentity) continue;
      // One aligned crop per face serves both models.
      const crop = this.cropper.crop(bitmap, alignmentFor(face.landmarks, bitmap.width, bitmap.height)).data;
      if (view && this.detector) face.swapScore = this.detector.score(crop, view);
      if (wantsIdentity) {
        const descriptor = identity?.describe(crop);
        if (descriptor) face.embedding = descriptor;
      }
    }
    // A check's frame without a face: how dark the picture is (the whole frame through the quality crop's canvas).
    const frameBrightness = frame.identify === true && faces.length === 0 ? this.cropStats(bitmap, { x: 0, y: 0, width: 1, height: 1 }).brightness : undefined;
    const handFinder = frame.findHands === true ? this.wantHands() : null;
    const hands = handFinder ? handFinder.find(bitmap) : undefined;
    const now = performance.now();
    return {
      participantId: frame.participantId,
      frameId: frame.frameId,
      sampledAt: frame.sampledAt,
      engineMs: now - start,
      landmarkMs,
      detectorMs: now - detectorStart,
      frameWidth: bitmap.width,
      frameHeight: bitmap.height,
      faces,
      ...(hands ? { hands } : {}),
      ...(frameBrightness !== undefined && Number.isFinite(frameBrightness) ? { frameBrightness } : {}),
    };
  }

  /** The landmarker on one image: landmarks (normalised to the image) and head pose of each face it found. */
  private detectFaces(image: ImageBitmap | OffscreenCanvas): MeasuredFace[] {
    if (this.tap) return this.tap.detect(() => this.landmarker.detect(image)).map((f) => measuredFace(f.landmarks, f.pose?.data));
    const result: FaceLandmarkerResult = this.landmarker.detect(image);
    return result.faceLandmarks.map((points, i) => {
      const landmarks = new Float32Array(points.length * 3);
      points.forEach((pt, j) => {
        landmarks[j * 3] = pt.x;
        landmarks[j * 3 + 1] = pt.y;
        landmarks[j * 3 + 2] = pt.z;
      });
      return measuredFace(landmarks, result.facialTransformationMatrixes[i]?.data);
    });
  }

  /**
   * The second look (core/face-roi.ts): for each face tracked a moment ago that the whole-frame pass missed, the
   * landmarker again on a crop around where it was, drawn large. Found faces come back in the frame's coordinates.
   */
  private lookAgain(bitmap: ImageBitmap, tracker: FaceTracker, found: readonly MeasuredFace[]): MeasuredFace[] {
    const again: MeasuredFace[] = [];
    for (const missing of facesToLookFor(tracker.recent(), found.map((f) => f.box))) {
      const roi = roiAround(missing.box, bitmap.width, bitmap.height);
      if (!roi) continue;
      const size = roiDrawSize(roi);
      this.roiCanvas ??= new OffscreenCanvas(size.width, size.height);
      const canvas = this.roiCanvas;
      if (canvas.width !== size.width || canvas.height !== size.height) {
        canvas.width = size.width;
        canvas.height = size.height;
      }
      const ctx = canvas.getContext('2d');
      if (!ctx) return again;
      ctx.drawImage(bitmap, roi.x, roi.y, roi.width, roi.height, 0, 0, size.width, size.height);
      const inCrop = this.detectFaces(canvas).map((f) => {
        const landmarks = landmarksToFrame(f.landmarks, roi, bitmap.width, bitmap.height);
        return { ...f, landmarks, box: clampBox(landmarkBounds(landmarks)) };
      });
      const match = matchInRoi(missing.box, inCrop.map((f) => f.box));
      const face = inCrop[match];
      // Not a face the whole-frame pass already has (the crop can take in a neighbour).
      if (face && !found.some((f) => iou(f.box, face.box) > 0.5)) again.push(face);
    }
    return again;
  }

  /**
   * The worker's memory, for the soak (end-to-end builds only): the wasm heaps of MediaPipe and of TF.js's wasm
   * backend (found by shape, as neither library exposes them: an Emscripten module's HEAPU8), and TF.js's tensors.
   */
  memory(): EngineMemory {
    const mb = (bytes: number | null): number | null => (bytes === null ? null : Math.round((bytes / 2 ** 20) * 10) / 10);
    // Searched once each (the search walks object graphs); null stays null.
    if (this.mediapipeHeap === undefined) this.mediapipeHeap = findHeap(this.landmarker, 4);
    if (this.tfHeap === undefined) this.tfHeap = findHeap(tf.backend(), 2);
    const { mediapipeHeap, tfHeap } = this;
    const tensors = tf.memory();
    return {
      mediapipeWasmMb: mb(mediapipeHeap?.HEAPU8.buffer.byteLength ?? null),
      tfWasmMb: mb(tfHeap?.HEAPU8.buffer.byteLength ?? null),
      tfTensorMb: mb(tensors.numBytes) ?? 0,
      tfTensors: tensors.numTensors,
    };
  }

  private observe(faces: MeasuredFace[], bitmap: ImageBitmap, frame: FrameRequest, tracker: FaceTracker): FaceObservation[] {
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
      swapScore: null,
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

interface EmscriptenHeap {
  HEAPU8: Uint8Array;
}

/** The first object within `depth` property hops of `root` that holds an Emscripten heap (HEAPU8), or null. */
function findHeap(root: unknown, depth: number): EmscriptenHeap | null {
  return findWithin<EmscriptenHeap>(root, depth, (o) => (o as { HEAPU8?: unknown }).HEAPU8 instanceof Uint8Array);
}

interface MeasuredFace {
  landmarks: Float32Array;
  box: FaceObservation['box'];
  pose: FaceObservation['pose'];
  count: number;
}

function measuredFace(landmarks: Float32Array, matrix: ArrayLike<number> | undefined): MeasuredFace {
  const pose = matrix ? headPoseFromMatrix(matrix, isRowMajorAffine(matrix)) : { yawDeg: NaN, pitchDeg: NaN, rollDeg: NaN };
  return { landmarks, box: clampBox(landmarkBounds(landmarks)), pose, count: landmarks.length / 3 };
}

function clampBox(b: FaceObservation['box']): FaceObservation['box'] {
  const x = Math.max(0, Math.min(1, b.x));
  const y = Math.max(0, Math.min(1, b.y));
  return { x, y, width: Math.max(0, Math.min(1, b.x + b.width) - x), height: Math.max(0, Math.min(1, b.y + b.height) - y) };
}
