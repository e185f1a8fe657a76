/**
 * The face-recognition model in the engine worker (TensorFlow.js, on the backend the face-swap detector chose): a
 * unit-length descriptor of one aligned face crop, for the caller check's identity continuity. Runs only on frames
 * the content script asks it for (a check is running) and only on near-frontal faces (core/face-identity.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { ALIGNED_SIZE } from '../core/face-align';
import { IDENTITY_MODEL, identityInput, unitDescriptor } from '../core/face-identity';

export const IDENTITY_MODEL_DIR = 'faceres';

export class FaceIdentity {
  private readonly input = new Float32Array(ALIGNED_SIZE * ALIGNED_SIZE * 3);

  private constructor(private readonly model: tf.GraphModel) {}

  static async load(assetsBase: string): Promise<FaceIdentity> {
    const model = await tf.loadGraphModel(`${assetsBase}/${IDENTITY_MODEL_DIR}/faceres.json`);
    const identity = new FaceIdentity(model);
    // The first call compiles the kernels: pay it now, not during a check.
    identity.describe(new Uint8ClampedArray(ALIGNED_SIZE * ALIGNED_SIZE * 4));
    return identity;
  }

  /** Unit descriptor of an aligned RGBA crop (core/face-align.ts); null if the model gave nothing usable. */
  describe(rgba: Uint8ClampedArray): Float32Array | null {
    identityInput(rgba, ALIGNED_SIZE, this.input);
    const values = tf.tidy(() => {
      const crop = tf.tensor4d(this.input, [1, ALIGNED_SIZE, ALIGNED_SIZE, 3]);
      // Half-pixel centres: the resampling the figures in core/face-identity.ts were measured with.
      const sized = tf.image.resizeBilinear(crop, [IDENTITY_MODEL.inputPx, IDENTITY_MODEL.inputPx], false, true);
      return (this.model.execute(sized, IDENTITY_MODEL.output) as tf.Tensor).dataSync();
    });
    return values.length === IDENTITY_MODEL.dims ? unitDescriptor(values) : null;
  }
}
