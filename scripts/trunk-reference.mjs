#!/usr/bin/env node
// TF.js reference outputs for the pretrained trunks (issue 10), which training/test_trunks.py compares the PyTorch
// conversion (training/trunks.py) against.
//
//   /usr/bin/python3 -m training.fetch_trunks     # first: model files into .cache/trunks/
//   node scripts/trunk-reference.mjs              # writes .cache/trunks/reference-*.{json,bin}
//
// Loads each model with @tensorflow/tfjs (Node, CPU backend) from disk through an in-memory IO handler, runs fixed
// inputs and writes the input tensor and named intermediate tensors (float32, NHWC, little-endian) to
// reference-<case>.bin, indexed by reference-<case>.json. Inputs: a seeded uniform-noise image and a seeded smooth
// image (sinusoids + blobs), built here (no dataset pixels); plus, when .cache/trunks/lfw-faces.u8 exists (written
// by fetch_trunks.py from /work/shared/data/real-faces/lfw), those 128 px face crops.
// Cases:
//   faceres-224    the graph model exactly as shipped (input 224), via model.execute(x, [node names])
//   faceres-128    same, with the Placeholder's fixed 224x224 relaxed to -1 (shape check only; weights untouched)
//   faceres-lfw    the LFW crops at 128 (gender head + trunk output)
//   mobilenet_v2-224  the nsfwjs layers model as shipped; intermediate outputs via tf.model (as nsfwjs does)
//   mobilenet_v2-128  the topology cut after block_10_project_BN, input shape relaxed to [null, null, null, 3]
//   mobilefacenet-112  the graph model as shipped (input fixed at 112), embeddings only, fed x / 255 ARBITRARILY
//                      (the scaling it expects is not verified; parity does not depend on it)

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIR = join(ROOT, '.cache/trunks');

// mulberry32: a tiny seeded PRNG, so the inputs are reproducible without storing them
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// uint8 RGB images (NHWC, values 0..255 as floats)
function noiseImage(size, seed) {
  const r = rng(seed);
  const v = new Float32Array(size * size * 3);
  for (let i = 0; i < v.length; i++) v[i] = Math.floor(r() * 256);
  return v;
}

function smoothImage(size, seed) {
  const r = rng(seed);
  const waves = Array.from({ length: 3 }, () =>
    Array.from({ length: 4 }, () => [r() * 0.2, r() * 0.2, r() * 6.28, 40 + r() * 60]));
  const blobs = Array.from({ length: 6 }, () => [r() * size, r() * size, 6 + r() * size / 4, r() * 255, r() * 255, r() * 255]);
  const v = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 128;
        for (const [fx, fy, ph, amp] of waves[c]) s += amp * Math.sin(fx * x + fy * y + ph) / 2;
        for (const [bx, by, br, ...col] of blobs) {
          const d2 = ((x - bx) ** 2 + (y - by) ** 2) / (br * br);
          if (d2 < 1) s = s * d2 + col[c] * (1 - d2);
        }
        v[(y * size + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(s)));
      }
    }
  }
  return v;
}

function syntheticBatch(size) {
  const a = noiseImage(size, 1234);
  const b = smoothImage(size, 99);
  const v = new Float32Array(a.length * 2);
  v.set(a, 0);
  v.set(b, a.length);
  return tf.tensor4d(v, [2, size, size, 3]);
}

function lfwFaces() {
  const u8 = join(DIR, 'lfw-faces.u8');
  if (!existsSync(u8)) return null;
  const meta = JSON.parse(readFileSync(join(DIR, 'lfw-faces.json'), 'utf8'));
  const bytes = readFileSync(u8);
  const n = meta.items.length;
  const s = meta.size;
  if (bytes.length !== n * s * s * 3) throw new Error('lfw-faces.u8 size does not match lfw-faces.json');
  return tf.tensor4d(Float32Array.from(bytes), [n, s, s, 3]);
}

// ---------------------------------------------------------------------------------------------- loading from disk
function bytesPerValue(spec) {
  const q = spec.quantization;
  if (q) return { uint8: 1, uint16: 2, float16: 2 }[q.dtype];
  return { float32: 4, int32: 4, bool: 1 }[spec.dtype];
}

function readArtifacts(modelJson) {
  const spec = JSON.parse(readFileSync(modelJson, 'utf8'));
  const base = dirname(modelJson);
  const weightSpecs = [];
  const chunks = [];
  for (const group of spec.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const p of group.paths) chunks.push(readFileSync(join(base, p)));
  }
  const data = Buffer.concat(chunks);
  return { spec, weightSpecs, weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) };
}

const handler = (artifacts) => ({ load: async () => artifacts });

// keep only the weights (and their bytes) whose layer is kept: lets a cut layers model load in strict mode
function filterWeights(weightSpecs, weightData, keepLayer) {
  const specs = [];
  const parts = [];
  let off = 0;
  for (const w of weightSpecs) {
    const n = w.shape.reduce((a, b) => a * b, 1) * bytesPerValue(w);
    if (keepLayer(w.name.split('/')[0])) {
      specs.push(w);
      parts.push(Buffer.from(weightData, off, n));
    }
    off += n;
  }
  if (off !== weightData.byteLength) throw new Error(`weights cover ${off} of ${weightData.byteLength} bytes`);
  const data = Buffer.concat(parts);
  return { specs, data: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) };
}

// ---------------------------------------------------------------------------------------------- writing
function writeCase(name, meta, tensors) {
  const index = [];
  const parts = [];
  let off = 0;
  for (const [tname, t] of Object.entries(tensors)) {
    const v = t.dataSync();
    const f32 = v instanceof Float32Array ? v : Float32Array.from(v);
    const buf = Buffer.from(f32.buffer, f32.byteOffset, f32.byteLength);
    index.push({ name: tname, shape: t.shape, offset: off, bytes: buf.length });
    parts.push(buf);
    off += buf.length;
  }
  writeFileSync(join(DIR, `reference-${name}.bin`), Buffer.concat(parts));
  const json = { case: name, ...meta, layout: 'NHWC float32 little-endian', tfjs: tf.version.tfjs, backend: tf.getBackend(), tensors: index };
  writeFileSync(join(DIR, `reference-${name}.json`), JSON.stringify(json, null, 1));
  const summary = index.map((e) => `${e.name}[${e.shape}]`).join(', ');
  console.log(`reference-${name}: ${summary}`);
}

// ---------------------------------------------------------------------------------------------- faceres
const FACERES_NODES = ['conv1_relu/clip_by_value', 'conv_pw_1_relu/clip_by_value', 'conv_dw_2_relu/clip_by_value',
  'conv_pw_5_relu/clip_by_value', 'conv_pw_11_relu/clip_by_value', 'conv_pw_13_relu/clip_by_value',
  'global_pooling/Mean', 'gender_pred/Sigmoid', 'age_pred/Softmax'];

async function faceres() {
  const { spec, weightSpecs, weightData } = readArtifacts(join(DIR, 'faceres.json'));
  const load = (relax) => {
    const topo = structuredClone(spec.modelTopology);
    if (relax) {
      for (const n of topo.node) {
        if (n.op === 'Placeholder') n.attr.shape.shape.dim.forEach((d, i) => { if (i === 1 || i === 2) d.size = '-1'; });
      }
    }
    return tf.loadGraphModel(handler({ modelTopology: topo, weightSpecs, weightData, format: spec.format,
      generatedBy: spec.generatedBy, convertedBy: spec.convertedBy, signature: spec.signature }));
  };
  const run = (model, x, nodes) => {
    const outs = model.execute({ input_1: x }, nodes);
    return Object.fromEntries([['input', x], ...nodes.map((n, i) => [n, outs[i]])]);
  };
  const m224 = await load(false);
  writeCase('faceres-224', { model: 'faceres.json', input: 'RGB 0..255', note: 'as shipped' },
    run(m224, syntheticBatch(224), FACERES_NODES));
  const m128 = await load(true);
  writeCase('faceres-128', { model: 'faceres.json', input: 'RGB 0..255', note: 'Placeholder H,W relaxed to -1' },
    run(m128, syntheticBatch(128), FACERES_NODES));
  const faces = lfwFaces();
  if (faces) {
    writeCase('faceres-lfw', { model: 'faceres.json', input: 'RGB 0..255, LFW crops (lfw-faces.json)' },
      run(m128, faces, ['conv_pw_13_relu/clip_by_value', 'gender_pred/Sigmoid']));
  }
}

// ---------------------------------------------------------------------------------------------- MobileNetV2
const MNV2_LAYERS = ['Conv1_relu', 'expanded_conv_project_BN', 'block_1_depthwise_relu', 'block_2_add',
  'block_6_project_BN', 'block_9_add', 'block_10_project_BN'];

async function mobilenetV2() {
  const { spec, weightSpecs, weightData } = readArtifacts(join(DIR, 'mobilenet_v2/model.json'));
  const artifacts = (topology, specs, data) => handler({ modelTopology: topology, weightSpecs: specs, weightData: data,
    format: 'layers-model' });
  // nsfwjs feeds img / 255 (dist/cjs/core.js: img.toFloat().div(normalizationOffset = 255))
  const scaled = (x) => tf.div(x, tf.scalar(255));

  const full = await tf.loadLayersModel(artifacts(spec.modelTopology, weightSpecs, weightData));
  const names224 = [...MNV2_LAYERS, 'block_13_project_BN', 'block_16_project_BN', 'out_relu'];
  const sub = tf.model({ inputs: full.inputs, outputs: names224.map((n) => full.getLayer(n).output) });
  const x224 = scaled(syntheticBatch(224));
  const o224 = sub.predict(x224);
  writeCase('mobilenet_v2-224', { model: 'mobilenet_v2/model.json', input: 'RGB / 255', note: 'as shipped' },
    Object.fromEntries([['input', x224], ...names224.map((n, i) => [n, o224[i]])]));

  // cut after block_10_project_BN (Keras functional layer lists are in topological order), input size relaxed
  const topo = structuredClone(spec.modelTopology);
  const cfg = topo.model_config.config;
  const last = 'block_10_project_BN';
  cfg.layers = cfg.layers.slice(0, cfg.layers.findIndex((l) => l.name === last) + 1);
  cfg.output_layers = [[last, 0, 0]];
  cfg.layers[0].config.batch_input_shape = [null, null, null, 3];
  delete topo.training_config;
  const kept = new Set(cfg.layers.map((l) => l.name));
  const { specs, data } = filterWeights(weightSpecs, weightData, (l) => kept.has(l));
  const cut = await tf.loadLayersModel(artifacts(topo, specs, data)); // strict: every kept weight must be there
  const sub128 = tf.model({ inputs: cut.inputs, outputs: MNV2_LAYERS.map((n) => cut.getLayer(n).output) });
  const x128 = scaled(syntheticBatch(128));
  const o128 = sub128.predict(x128);
  writeCase('mobilenet_v2-128', { model: 'mobilenet_v2/model.json', input: 'RGB / 255',
    note: 'topology cut after block_10_project_BN, input [null, null, null, 3]' },
  Object.fromEntries([['input', x128], ...MNV2_LAYERS.map((n, i) => [n, o128[i]])]));
}

// ---------------------------------------------------------------------------------------------- MobileFaceNet
async function mobilefacenet() {
  const { spec, weightSpecs, weightData } = readArtifacts(join(DIR, 'mobilefacenet.json'));
  const model = await tf.loadGraphModel(handler({ modelTopology: spec.modelTopology, weightSpecs, weightData,
    format: spec.format, userDefinedMetadata: spec.userDefinedMetadata }));
  const inputName = model.inputs[0].name;
  for (const size of [112]) { // its Placeholder is fixed at 112
    const x = tf.div(syntheticBatch(size), tf.scalar(255));
    const nodes = model.outputs.map((o) => o.name);
    const outs = model.execute({ [inputName]: x }, nodes);
    const list = Array.isArray(outs) ? outs : [outs];
    writeCase(`mobilefacenet-${size}`,
      { model: 'mobilefacenet.json', input: 'RGB / 255 (arbitrary, unverified)', input_name: inputName },
      Object.fromEntries([['input', x], ...nodes.map((n, i) => [n, list[i]])]));
  }
}

if (!existsSync(join(DIR, 'faceres.json'))) {
  console.error(`${DIR}/faceres.json missing: run /usr/bin/python3 -m training.fetch_trunks first`);
  process.exit(1);
}
await tf.setBackend('cpu');
await tf.ready();
await faceres();
await mobilenetV2();
await mobilefacenet();
