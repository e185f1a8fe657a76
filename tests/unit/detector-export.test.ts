// The shipped face-swap detector (models/face-swap, exported by training/export_tfjs.py) loads in TF.js, has the
// engine's input/output shapes, matches the PyTorch outputs it was exported from, is deterministic and leaks no
// tensors. Inputs are the synthetic crops in reference.json (no dataset pixels), preprocessed by the engine's own
// toModelInput.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALIGNED_SIZE, toModelInput } from '../../src/core/face-align';
import { detectorFileHandler, readReference, rgbaFromReference } from './detector-fixtures';

const CALLS = 100;
const MODEL_DIR = join(__dirname, '..', '..', 'models', 'face-swap');

describe('face-swap detector export', () => {
  let model: tf.LayersModel;
  const ref = readReference(MODEL_DIR);
  const inputs = ref.inputs.map((r) => toModelInput(rgbaFromReference(r.rgb_deflate_base64)));

  beforeAll(async () => {
    await tf.setBackend('cpu');
    model = await tf.loadLayersModel(detectorFileHandler(MODEL_DIR));
  }, 30_000);
  afterAll(() => model?.dispose());

  it('has the engine input [null,128,128,3] and one logit out', () => {
    expect(model.inputs).toHaveLength(1);
    expect(model.inputs[0]!.shape).toEqual([null, ALIGNED_SIZE, ALIGNED_SIZE, 3]);
    expect(model.outputs).toHaveLength(1);
    expect(model.outputs[0]!.shape).toEqual([null, 1]);
    expect(model.inputNames).toEqual([ref.input_name]);
    expect(model.outputNames).toEqual([ref.output_name]);
  });

  it('matches the PyTorch logits on the reference crops within 1e-3', () => {
    expect(ref.inputs.length).toBeGreaterThanOrEqual(4);
    const batch = tf.tensor4d(Float32Array.from(inputs.flatMap((a) => Array.from(a))), [inputs.length, ALIGNED_SIZE, ALIGNED_SIZE, 3]);
    const out = model.predict(batch) as tf.Tensor;
    const logits = Array.from(out.dataSync());
    tf.dispose([batch, out]);
    ref.inputs.forEach((r, i) => {
      expect(Math.abs(logits[i]! - r.logit), r.name).toBeLessThan(1e-3);
      expect(Math.abs(1 / (1 + Math.exp(-logits[i]!)) - r.probability), r.name).toBeLessThan(1e-3);
    });
  }, 30_000);

  // TF.js's pure-JS cpu backend (the only one in Node here) takes ~0.1 s per call of this model: 100 calls take ~10 s
  // on an idle 2-core CPU, hence the generous timeout.
  it('is deterministic and leaks no tensors over repeated calls', () => {
    const one = (x: Float32Array): number =>
      tf.tidy(() => (model.predict(tf.tensor4d(x, [1, ALIGNED_SIZE, ALIGNED_SIZE, 3])) as tf.Tensor).dataSync()[0]!);
    const first = one(inputs[0]!);
    expect(one(inputs[0]!)).toBe(first);
    expect(Math.abs(first - ref.inputs[0]!.logit)).toBeLessThan(1e-3);
    const before = tf.memory().numTensors;
    const bytesBefore = tf.memory().numBytes;
    for (let i = 0; i < CALLS; i++) {
      const x = tf.tensor4d(inputs[i % inputs.length]!, [1, ALIGNED_SIZE, ALIGNED_SIZE, 3]);
      const y = model.predict(x) as tf.Tensor;
      y.dataSync();
      x.dispose();
      y.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.memory().numBytes).toBe(bytesBefore);
  }, 60_000);
});
