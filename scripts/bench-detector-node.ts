/**
 * A detector model's cost alone, outside the browser: TF.js wasm SIMD, single-threaded as the engine runs it, the
 * engine's fused forward plan (src/engine/detector-forward.ts), one face per call.
 *
 *   npx tsx scripts/bench-detector-node.ts [--size 128] [--calls 40] MODEL_DIR...
 *
 * For comparing models on one machine in one run (e.g. v0.3 against an exported v1 candidate); the figures that
 * count for the issue are `npm run bench`'s, in the browser during a call, which run about twice as slow.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { percentile, median } from '../src/core/stats';
import { planForward } from '../src/engine/detector-forward';
import { detectorFileHandler } from '../tests/unit/detector-fixtures';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}
const size = Number(arg('size', '128'));
const calls = Number(arg('calls', '40'));
const dirs = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
if (!dirs.length) throw new Error('usage: bench-detector-node.ts [--size N] [--calls N] MODEL_DIR...');

tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
await tf.setBackend('wasm');
await tf.ready();
for (const dir of dirs) {
  const model = await tf.loadLayersModel(detectorFileHandler(dir));
  const plan = planForward(model);
  const x = tf.randomUniform<tf.Rank.R4>([1, size, size, 3], -1, 1);
  for (let i = 0; i < 5; i++) tf.tidy(() => plan.forward(x).dataSync());
  const ms: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t = performance.now();
    tf.tidy(() => plan.forward(x).dataSync());
    ms.push(performance.now() - t);
  }
  x.dispose();
  model.dispose();
  console.log(`${dir}: ${size} px, ${calls} calls: median ${median(ms)!.toFixed(1)} ms, p95 ${percentile(ms, 95)!.toFixed(1)} ms, min ${Math.min(...ms).toFixed(1)} ms`);
}
