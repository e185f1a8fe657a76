/**
 * The face landmarker's results read straight from MediaPipe's wasm module, as the protobuf bytes it hands to
 * JavaScript, into one Float32Array per face (core/landmark-proto.ts), instead of through tasks-vision's wrapper.
 *
 * Why: the wrapper decodes every face into 478 landmark objects through a generic protobuf runtime and decodes each
 * face's whole geometry mesh for a 16-number pose matrix. At four participants that was about 4 of the engine worker's
 * 5.8 MB/s of allocations (V8's sampling heap profiler, docs/benchmarks.md), and that allocation rate made V8 grow the
 * worker's young generation to its maximum over the first minutes of a call: most of the extension renderer's growth
 * (issue 12).
 *
 * How: the module calls `simpleListeners[stream](bytes, done, timestamp)` for each face of an output stream, then once
 * with `done` (Module._wrapSimpleListenerOutput in tasks-vision's wasm glue). The tap replaces the listeners of the two
 * streams the engine reads (`face_landmarks`, `face_geometry`), reads each face's bytes while they are valid (they
 * are a view of the wasm heap), and on `done` calls the wrapper's own listener with no faces, so that its bookkeeping
 * (the latest timestamp) goes on as before. Where the module or those listeners cannot be found (another MediaPipe
 * version), `install` returns null and the engine reads the wrapper's results as before.
 */
import { findWithin } from '../core/object-search';
import { readFaceGeometryPose, readNormalizedLandmarks, type PoseMatrix } from '../core/landmark-proto';

type SimpleListener = (data: unknown, done: boolean, timestamp: number) => void;
interface ListenerModule {
  simpleListeners: Record<string, SimpleListener | undefined>;
}

const LANDMARKS_STREAM = 'face_landmarks';
const GEOMETRY_STREAM = 'face_geometry';

export interface TappedFace {
  /** x, y, z per landmark, normalised to the image. */
  landmarks: Float32Array;
  /** The facial transformation matrix, or null when the landmarker gave none for this face. */
  pose: PoseMatrix | null;
}

export class LandmarkerOutputTap {
  private landmarks: Float32Array[] = [];
  private poses: (PoseMatrix | null)[] = [];
  private readError: string | null = null;
  /** Our listener per stream, to see whether the wrapper has put its own back (it does when its options change). */
  private readonly installed = new Map<string, SimpleListener>();

  private constructor(private readonly module: ListenerModule) {}

  /** Taps the landmarker's module, or returns null where it cannot (the engine then reads the wrapper's results). */
  static install(landmarker: object): LandmarkerOutputTap | null {
    const module = findListenerModule(landmarker, 4);
    if (!module) return null;
    const tap = new LandmarkerOutputTap(module);
    return tap.hook() ? tap : null;
  }

  /**
   * Runs one detect (`run` calls the landmarker) and returns the faces it found, in the landmarker's order. Throws
   * when the module's bytes could not be read: that frame fails, with the reason.
   */
  detect(run: () => unknown): TappedFace[] {
    if (!this.hook()) throw new Error('the face landmarker no longer offers its output streams');
    this.landmarks = [];
    this.poses = [];
    this.readError = null;
    run();
    // Set, if at all, by our listeners during run() (which the type checker cannot see).
    const readError = this.readError as string | null;
    if (readError !== null) throw new Error(`could not read the face landmarker's output: ${readError}`);
    return this.landmarks.map((landmarks, i) => ({ landmarks, pose: this.poses[i] ?? null }));
  }

  /** (Re)places our listeners where the wrapper's are; false when a stream has no listener to take over. */
  private hook(): boolean {
    return this.hookStream(LANDMARKS_STREAM, (bytes) => this.landmarks.push(readNormalizedLandmarks(bytes))) &&
      this.hookStream(GEOMETRY_STREAM, (bytes) => this.poses.push(readFaceGeometryPose(bytes)));
  }

  private hookStream(stream: string, read: (bytes: Uint8Array) => void): boolean {
    const current = this.module.simpleListeners[stream];
    if (typeof current !== 'function') return false;
    if (current === this.installed.get(stream)) return true;
    const wrapperListener = current;
    const ours: SimpleListener = (data, done, timestamp) => {
      if (done) {
        wrapperListener(undefined, true, timestamp);
        return;
      }
      // Never throw into the wasm module that called us: the error is reported by detect() after the call returns.
      try {
        if (!(data instanceof Uint8Array)) throw new Error(`expected protobuf bytes on ${stream}, got ${typeof data}`);
        read(data);
      } catch (error) {
        this.readError ??= error instanceof Error ? error.message : String(error);
      }
    };
    this.module.simpleListeners[stream] = ours;
    this.installed.set(stream, ours);
    return true;
  }
}

/** The Emscripten module under the landmarker (tasks-vision keeps it under minified names): the object that holds
 * the landmarker's output listeners, within `depth` property hops. */
function findListenerModule(root: unknown, depth: number): ListenerModule | null {
  return findWithin<ListenerModule>(root, depth, (o) => {
    const listeners = (o as { simpleListeners?: unknown }).simpleListeners;
    return typeof listeners === 'object' && listeners !== null && LANDMARKS_STREAM in listeners;
  });
}
