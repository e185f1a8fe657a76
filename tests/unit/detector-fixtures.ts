// Shared by the detector tests: the shipped model read from disk for TF.js in Node, and the synthetic reference
// crops of reference.json (no dataset pixels) as the engine's RGBA.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import type * as tf from '@tensorflow/tfjs';
import { ALIGNED_SIZE } from '../../src/core/face-align';

export interface DetectorReference {
  input_name: string;
  output_name: string;
  inputs: { name: string; shape: [number, number, number]; rgb_deflate_base64: string; logit: number; probability: number }[];
}

export function readReference(dir: string): DetectorReference {
  return JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as DetectorReference;
}

export function detectorFileHandler(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as {
        modelTopology: object;
        weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
      };
      const specs = json.weightsManifest.flatMap((g) => g.weights);
      const buffers = await Promise.all(json.weightsManifest.flatMap((g) => g.paths.map((p) => readFile(join(dir, p)))));
      const all = Buffer.concat(buffers);
      const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
      return { modelTopology: json.modelTopology, weightSpecs: specs, weightData };
    },
  };
}

/** A reference crop (deflated RGB) as the opaque RGBA the engine's cropper produces. */
export function rgbaFromReference(b64: string): Uint8ClampedArray {
  const rgb = inflateSync(Buffer.from(b64, 'base64'));
  const rgba = new Uint8ClampedArray(ALIGNED_SIZE * ALIGNED_SIZE * 4);
  for (let i = 0, o = 0; i < rgb.length; i += 3, o += 4) {
    rgba[o] = rgb[i]!;
    rgba[o + 1] = rgb[i + 1]!;
    rgba[o + 2] = rgb[i + 2]!;
    rgba[o + 3] = 255;
  }
  return rgba;
}

export function referenceCrops(dir: string): Uint8ClampedArray[] {
  return readReference(dir).inputs.map((r) => rgbaFromReference(r.rgb_deflate_base64));
}
