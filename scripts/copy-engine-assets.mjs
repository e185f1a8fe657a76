#!/usr/bin/env node
// Puts the face-swap detector into the extension's engine assets (public/engine-assets, not committed): our trained
// TF.js model from models/face-swap, and the TF.js wasm backend binaries from the npm package (so nothing is ever
// fetched from a CDN). Run by `npm run models`, after build-face-model.mjs.
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'public/engine-assets');
const WASM = join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
const MODEL = join(ROOT, 'models/face-swap');

mkdirSync(OUT, { recursive: true });
for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) copyFileSync(join(WASM, f), join(OUT, f));

const modelOut = join(OUT, 'face-swap');
rmSync(modelOut, { recursive: true, force: true });
if (!existsSync(join(MODEL, 'model.json'))) {
  console.error(`copy-engine-assets: ${MODEL}/model.json is missing: the extension will track faces but cannot judge them`);
  process.exit(process.env.UNMASK_REQUIRE_MODEL ? 1 : 0);
}
mkdirSync(modelOut, { recursive: true });
// Only what the engine reads: the model, its weights, and whether it is released for live verdicts.
for (const f of readdirSync(MODEL)) if (f === 'model.json' || f === 'release.json' || f.endsWith('.bin')) copyFileSync(join(MODEL, f), join(modelOut, f));
console.error(`copy-engine-assets: face-swap model and TF.js wasm copied to ${OUT}`);
