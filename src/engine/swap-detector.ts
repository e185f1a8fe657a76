/**
 * The face-swap detector: Unmask's own model (models/face-swap, trained by `training/`), run with TensorFlow.js on
 * the aligned face crop. Picks the fastest real backend (WebGPU -> hardware WebGL -> wasm SIMD), loads the weights
 * from the extension's own files, runs them through the fused plan of `detector-forward`, and disposes every tensor
 * it makes (a leak check in the tests guards this).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { ALIGNED_SIZE, toModelInput } from '../core/face-align';
import { probabilityFromViews, type DetectorView } from '../core/detector-views';
import { planForward } from './detector-forward';
import { backendOrder, type BackendCapabilities, type DetectorBackend } from '../core/detector-backend';

export const SWAP_MODEL_DIR = 'face-swap';

function capabilities(): BackendCapabilities {
  let webglRenderer: string | null = null;
  try {
    const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
    const info = gl?.getExtension('WEBGL_debug_renderer_info');
    if (gl) webglRenderer = String(info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
  } catch {
    webglRenderer = null;
  }
  return { webgpu: typeof navigator !== 'undefined' && 'gpu' in navigator, webglRenderer };
}

/** Whether the shipped model may give verdicts in live calls (models/face-swap/release.json), and why (not). */
export interface ModelRelease {
  liveVerdicts: boolean;
  note: string;
}

async function readRelease(url: string): Promise<ModelRelease> {
  try {
    const r = (await (await fetch(url)).json()) as Partial<ModelRelease>;
    return { liveVerdicts: r.liveVerdicts === true, note: typeof r.note === 'string' ? r.note.slice(0, 300) : '' };
  } catch {
    return { liveVerdicts: false, note: 'no release statement shipped with the model' };
  }
}

const INPUT_VALUES = ALIGNED_SIZE * ALIGNED_SIZE * 3;

export class SwapDetector {
  private readonly plan: ReturnType<typeof planForward>;
  /** Room for both views of one face, reused for every frame. */
  private readonly input = new Float32Array(2 * INPUT_VALUES);

  private constructor(
    private readonly model: tf.LayersModel,
    readonly backend: DetectorBackend,
    readonly release: ModelRelease,
  ) {
    this.plan = planForward(model);
  }

  /** Loads the model from `assetsBase` (the extension's engine-assets folder URL). */
  static async load(assetsBase: string): Promise<SwapDetector> {
    setWasmPaths({
      'tfjs-backend-wasm.wasm': `${assetsBase}/tfjs-backend-wasm.wasm`,
      'tfjs-backend-wasm-simd.wasm': `${assetsBase}/tfjs-backend-wasm-simd.wasm`,
      'tfjs-backend-wasm-threaded-simd.wasm': `${assetsBase}/tfjs-backend-wasm-threaded-simd.wasm`,
    });
    // Single-threaded wasm: the threaded build spawns its workers from blob: URLs, which extension pages may not
    // load (and a worker cannot share memory without cross-origin isolation anyway).
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    let chosen: DetectorBackend | null = null;
    for (const backend of backendOrder(capabilities())) {
      try {
        if (backend === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
        if (await tf.setBackend(backend)) {
          await tf.ready();
          chosen = backend;
          break;
        }
      } catch {
        /* try the next one */
      }
    }
    if (!chosen) throw new Error('no TensorFlow.js backend could start');
    const model = await tf.loadLayersModel(`${assetsBase}/${SWAP_MODEL_DIR}/model.json`);
    const detector = new SwapDetector(model, chosen, await readRelease(`${assetsBase}/${SWAP_MODEL_DIR}/release.json`));
    // warm up both batch shapes: the first call of each compiles kernels
    for (const view of ['plain', 'both'] as const) detector.score(new Uint8ClampedArray(ALIGNED_SIZE * ALIGNED_SIZE * 4), view);
    return detector;
  }

  /**
   * Probability that the face in this aligned RGBA crop is swapped or synthesised, from one view of it or from both
   * (one batch of two; the mean of their logits).
   */
  score(rgba: Uint8ClampedArray, view: DetectorView): number {
    const views = view === 'both' ? 2 : 1;
    const input = this.input.subarray(0, views * INPUT_VALUES);
    toModelInput(rgba, ALIGNED_SIZE, view === 'mirrored', input.subarray(0, INPUT_VALUES));
    if (view === 'both') toModelInput(rgba, ALIGNED_SIZE, true, input.subarray(INPUT_VALUES));
    const logits = tf.tidy(() => this.plan.forward(tf.tensor4d(input, [views, ALIGNED_SIZE, ALIGNED_SIZE, 3])).dataSync());
    return probabilityFromViews(logits);
  }

  dispose(): void {
    this.model.dispose();
  }
}
