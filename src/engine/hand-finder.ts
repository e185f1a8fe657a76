/**
 * The hand model in the engine worker: MediaPipe's HandLandmarker (palm detector + 21-point hand landmarks, the
 * networks of the npm package @mediapipe/hands, bundled at build time by scripts/build-hand-model.mjs), for the caller
 * check's hand pass. It loads on the first frame of a check that has a hand pass and runs only on that check's frames:
 * outside a check it costs nothing.
 */
import { HandLandmarker } from '@mediapipe/tasks-vision';
import { handBox } from '../core/hand-box';
import type { Box } from '../shared/types';

export const HAND_MODEL_FILE = 'hand_landmarker.task';
/** Two hands: a caller may use both, and a second hand found elsewhere in the frame does no harm (coverage is per face). */
export const MAX_HANDS = 2;

type Fileset = Parameters<typeof HandLandmarker.createFromOptions>[0];

export class HandFinder {
  private constructor(private readonly landmarker: HandLandmarker) {}

  static async load(fileset: Fileset, assetsBase: string): Promise<HandFinder> {
    const response = await fetch(`${assetsBase}/${HAND_MODEL_FILE}`);
    if (!response.ok) throw new Error(`hand model missing from the extension (${response.status})`);
    // In a module worker, tasks-vision loads its wasm loader with import(), which runs a module once per URL: the face
    // landmarker's load already ran it (and tasks-vision then clears the global it set), so a second task given the
    // same URL fails with "ModuleFactory not set". A URL of its own (the query is ignored when the file is served)
    // makes the loader run again, for this task's own wasm instance.
    const ownLoader = { ...fileset, wasmLoaderPath: `${fileset.wasmLoaderPath}?task=hands` };
    const landmarker = await HandLandmarker.createFromOptions(ownLoader, {
      baseOptions: { modelAssetBuffer: new Uint8Array(await response.arrayBuffer()), delegate: 'CPU' },
      runningMode: 'IMAGE',
      numHands: MAX_HANDS,
      minHandDetectionConfidence: 0.5,
      minHandPresenceConfidence: 0.5,
    });
    return new HandFinder(landmarker);
  }

  /** The boxes of the hands in the frame (normalised to it). */
  find(image: ImageBitmap): Box[] {
    return this.landmarker
      .detect(image)
      .landmarks.map((points) => handBox(points))
      .filter((b): b is Box => b !== null);
  }
}
