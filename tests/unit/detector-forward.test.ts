// The fused forward plan (src/engine/detector-forward.ts) gives the shipped model's own outputs: same logits as
// LayersModel.predict on the reference crops and their mirror images, batched or not, no leaked tensors; and it
// refuses a model with layers it does not know instead of running it wrong.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALIGNED_SIZE, toModelInput } from '../../src/core/face-align';
import { planForward } from '../../src/engine/detector-forward';
import { detectorFileHandler, referenceCrops } from './detector-fixtures';

const MODEL_DIR = join(__dirname, '..', '..', 'models', 'face-swap');

describe('fused detector forward plan', () => {
  let model: tf.LayersModel;
  const crops = referenceCrops(MODEL_DIR);

  beforeAll(async () => {
    await tf.setBackend('cpu');
    model = await tf.loadLayersModel(detectorFileHandler(MODEL_DIR));
  }, 30_000);
  afterAll(() => model?.dispose());

  it('fuses every Conv2D + ReLU6 pair of the shipped net', () => {
    const plan = planForward(model);
    const convs = model.layers.filter((l) => l.getClassName() === 'Conv2D' || l.getClassName() === 'DepthwiseConv2D').length;
    expect(convs).toBeGreaterThan(0);
    // every conv but the second of each residual block (it feeds the Add) is followed by its own ReLU6
    const residualAdds = model.layers.filter((l) => l.getClassName() === 'Add').length;
    expect(plan.fusedPairs).toBe(convs - residualAdds);
  });

  it('matches LayersModel.predict within 1e-4 on the reference crops, plain and mirrored, in one batch', () => {
    const plan = planForward(model);
    const inputs = crops.flatMap((rgba) => [toModelInput(rgba), toModelInput(rgba, ALIGNED_SIZE, true)]);
    const batch = tf.tensor4d(Float32Array.from(inputs.flatMap((a) => Array.from(a))), [inputs.length, ALIGNED_SIZE, ALIGNED_SIZE, 3]);
    const before = tf.memory().numTensors;
    const planned = tf.tidy(() => Array.from(plan.forward(batch).dataSync()));
    expect(tf.memory().numTensors).toBe(before);
    const layers = model.predict(batch) as tf.Tensor;
    const expected = Array.from(layers.dataSync());
    tf.dispose([batch, layers]);
    expect(planned).toHaveLength(inputs.length);
    planned.forEach((v, i) => expect(Math.abs(v - expected[i]!), `input ${i}`).toBeLessThan(1e-4));
    // the two views of a real crop are different inputs, not the same number twice
    expect(planned[0]).not.toBe(planned[1]);
  }, 60_000);

  // The engine's path (SwapDetector.score): one tidy per face, batch of 1 for a video frame, 2 for a still image.
  // TF.js's pure-JS cpu backend takes ~0.1 s per face here, hence the count and the timeout.
  it('is deterministic and leaks no tensors over repeated calls of both batch shapes', () => {
    const plan = planForward(model);
    const one = toModelInput(crops[0]!);
    const two = Float32Array.from([...one, ...toModelInput(crops[0]!, ALIGNED_SIZE, true)]);
    const run = (x: Float32Array, n: number): number[] =>
      tf.tidy(() => Array.from(plan.forward(tf.tensor4d(x, [n, ALIGNED_SIZE, ALIGNED_SIZE, 3])).dataSync()));
    const first = run(one, 1);
    const pair = run(two, 2);
    expect(pair[0]).toBeCloseTo(first[0]!, 5);
    const tensors = tf.memory().numTensors;
    const bytes = tf.memory().numBytes;
    for (let i = 0; i < 40; i++) {
      if (i % 2 === 0) expect(run(one, 1)).toEqual(first);
      else expect(run(two, 2)).toEqual(pair);
    }
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.memory().numBytes).toBe(bytes);
  }, 60_000);

  // Detector v1's layers (a pretrained MobileNetV1 trunk): Rescaling, then depthwise + pointwise convs with ReLU6.
  // Built here with random weights, so the test does not depend on which model ships.
  it('plans Rescaling and DepthwiseConv2D + ReLU6 exactly as LayersModel.predict runs them', () => {
    const input = tf.input({ shape: [16, 16, 3] });
    let x = tf.layers.rescaling({ scale: 127.5, offset: 127.5 }).apply(input) as tf.SymbolicTensor;
    x = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', biasInitializer: 'randomNormal' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.reLU({ maxValue: 6 }).apply(x) as tf.SymbolicTensor;
    for (const strides of [1, 2]) {
      x = tf.layers.depthwiseConv2d({ kernelSize: 3, strides, padding: 'same', biasInitializer: 'randomNormal' }).apply(x) as tf.SymbolicTensor;
      x = tf.layers.reLU({ maxValue: 6 }).apply(x) as tf.SymbolicTensor;
      x = tf.layers.conv2d({ filters: 8, kernelSize: 1, padding: 'same', biasInitializer: 'randomNormal' }).apply(x) as tf.SymbolicTensor;
      x = tf.layers.reLU({ maxValue: 6 }).apply(x) as tf.SymbolicTensor;
    }
    x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 1 }).apply(x) as tf.SymbolicTensor;
    const net = tf.model({ inputs: input, outputs: out });
    const plan = planForward(net);
    expect(plan.fusedPairs).toBe(5);
    const batch = tf.randomUniform<tf.Rank.R4>([3, 16, 16, 3], -1, 1, 'float32', 7);
    const planned = tf.tidy(() => Array.from(plan.forward(batch).dataSync()));
    const expectedT = net.predict(batch) as tf.Tensor;
    const expected = Array.from(expectedT.dataSync());
    tf.dispose([batch, expectedT]);
    // the inputs reach 0..255 after the rescaling, so the conv outputs are large: compare relative to them
    expect(new Set(planned).size).toBe(3);
    planned.forEach((v, i) => expect(Math.abs(v - expected[i]!), `input ${i}`).toBeLessThan(1e-3 * Math.max(1, Math.abs(expected[i]!))));
    net.dispose();
  });

  it('refuses a layer type it does not plan', () => {
    const input = tf.input({ shape: [8, 8, 3] });
    const pooled = tf.layers.maxPooling2d({ poolSize: 2 }).apply(input) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 1 }).apply(tf.layers.flatten().apply(pooled)) as tf.SymbolicTensor;
    const odd = tf.model({ inputs: input, outputs: out });
    expect(() => planForward(odd)).toThrow(/unsupported layer MaxPooling2D/);
    odd.dispose();
  });
});
