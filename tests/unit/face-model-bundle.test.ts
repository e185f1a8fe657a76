// Builds face_landmarker.task with scripts/build-face-model.mjs (twice, into temp folders) and checks the bundle:
// deterministic bytes, a stored zip of the three files the Tasks FaceLandmarker wants, TFLite metadata with the
// input normalisation, and a landmark graph with exactly [1434 landmarks, 1 face flag] outputs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ByteBuffer } from 'flatbuffers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUILDER = join(ROOT, 'scripts/build-face-model.mjs');
const ENTRIES = [
  'face_detector.tflite',
  'face_landmarks_detector.tflite',
  'geometry_pipeline_metadata_landmarks.binarypb',
];

interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  dataOffset: number;
  data: Uint8Array;
}

function readZip(zip: Buffer): ZipEntry[] {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(eocd).toBeGreaterThan(0);
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(p)).toBe(0x02014b50);
    const method = zip.readUInt16LE(p + 10);
    const compressedSize = zip.readUInt32LE(p + 20);
    const size = zip.readUInt32LE(p + 24);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const name = zip.toString('utf8', p + 46, p + 46 + nameLen);
    expect(zip.readUInt32LE(local)).toBe(0x04034b50);
    const dataOffset = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    entries.push({
      name,
      method,
      compressedSize,
      size,
      dataOffset,
      data: new Uint8Array(zip.subarray(dataOffset, dataOffset + compressedSize)),
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

// Minimal flatbuffer access: field `slot` of the table at `table` (0 when absent).
function field(bb: ByteBuffer, table: number, slot: number): number {
  const o = bb.__offset(table, 4 + 2 * slot);
  return o ? table + o : 0;
}
function tables(bb: ByteBuffer, table: number, slot: number): number[] {
  const f = field(bb, table, slot);
  if (!f) return [];
  const start = bb.__vector(f);
  return Array.from({ length: bb.__vector_len(f) }, (_, i) => bb.__indirect(start + 4 * i));
}
function ints(bb: ByteBuffer, table: number, slot: number): number[] {
  const f = field(bb, table, slot);
  if (!f) return [];
  const start = bb.__vector(f);
  return Array.from({ length: bb.__vector_len(f) }, (_, i) => bb.readInt32(start + 4 * i));
}
function floats(bb: ByteBuffer, table: number, slot: number): number[] {
  const f = field(bb, table, slot);
  if (!f) return [];
  const start = bb.__vector(f);
  return Array.from({ length: bb.__vector_len(f) }, (_, i) => bb.readFloat32(start + 4 * i));
}
function root(bytes: Uint8Array, identifier: string): { bb: ByteBuffer; table: number } {
  const bb = new ByteBuffer(bytes);
  expect(bb.__has_identifier(identifier)).toBe(true);
  return { bb, table: bb.readInt32(0) };
}

interface ModelInfo {
  outputSizes: number[];
  metadataBytes: Uint8Array | undefined;
  bufferDataOffsets: number[];
}

// tflite schema.fbs: Model{2 subgraphs, 4 buffers, 6 metadata}, SubGraph{0 tensors, 2 outputs}, Tensor{0 shape},
// Buffer{0 data}, Metadata{0 name, 1 buffer}.
function inspectModel(bytes: Uint8Array): ModelInfo {
  const { bb, table: model } = root(bytes, 'TFL3');
  const subgraph = tables(bb, model, 2)[0];
  expect(subgraph).toBeDefined();
  const tensors = tables(bb, subgraph!, 0);
  const outputSizes = ints(bb, subgraph!, 2).map((t) => ints(bb, tensors[t]!, 0).reduce((a, b) => a * b, 1));
  const buffers = tables(bb, model, 4);
  const bufferData = (i: number): { offset: number; bytes: Uint8Array } | undefined => {
    const f = field(bb, buffers[i]!, 0);
    if (!f) return undefined;
    const offset = bb.__vector(f);
    return { offset, bytes: bytes.subarray(offset, offset + bb.__vector_len(f)) };
  };
  let metadataBytes: Uint8Array | undefined;
  for (const m of tables(bb, model, 6)) {
    if (bb.__string(field(bb, m, 0)) === 'TFLITE_METADATA') metadataBytes = bufferData(bb.readUint32(field(bb, m, 1)))?.bytes;
  }
  const bufferDataOffsets = buffers.flatMap((_, i) => {
    const d = bufferData(i);
    return d && d.bytes.length ? [d.offset] : [];
  });
  return { outputSizes, metadataBytes, bufferDataOffsets };
}

// metadata_schema.fbs: ModelMetadata{3 subgraph_metadata}, SubGraphMetadata{2 input_tensor_metadata},
// TensorMetadata{4 process_units}, ProcessUnit{0 options_type, 1 options}, NormalizationOptions{0 mean, 1 std}.
function normalization(metadata: Uint8Array): { mean: number[]; std: number[] } {
  const { bb, table } = root(metadata, 'M001');
  const subgraph = tables(bb, table, 3)[0]!;
  const input = tables(bb, subgraph, 2)[0]!;
  const unit = tables(bb, input, 4)[0]!;
  expect(bb.readUint8(field(bb, unit, 0))).toBe(1); // ProcessUnitOptions.NormalizationOptions
  const options = bb.__indirect(field(bb, unit, 1));
  return { mean: floats(bb, options, 0), std: floats(bb, options, 1) };
}

describe('face_landmarker.task built from the npm packages', () => {
  const dirs: string[] = [];
  let first: Buffer;
  let second: Buffer;
  let entries: ZipEntry[];

  beforeAll(() => {
    const build = (): Buffer => {
      const dir = mkdtempSync(join(tmpdir(), 'face-task-'));
      dirs.push(dir);
      const out = join(dir, 'nested', 'face_landmarker.task');
      const log = execFileSync(process.execPath, [BUILDER, out], { cwd: ROOT, encoding: 'utf8' });
      expect(log).toMatch(/^[0-9a-f]{64} /);
      return readFileSync(out);
    };
    first = build();
    second = build();
    entries = readZip(first);
  }, 30_000);

  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('is byte-identical on every build', () => {
    expect(first.length).toBeGreaterThan(1_000_000);
    expect(Buffer.compare(first, second)).toBe(0);
  });

  it('copies only the module build of the tasks-vision wasm (the engine is a module worker) next to the .task', () => {
    const dir = join(dirs[0]!, 'nested');
    expect(existsSync(join(dir, 'vision_wasm_module_internal.js'))).toBe(true);
    expect(existsSync(join(dir, 'vision_wasm_module_internal.wasm'))).toBe(true);
    expect(existsSync(join(dir, 'vision_wasm_internal.wasm'))).toBe(false);
  });

  it('is a stored zip of the three model files, data 64-byte aligned', () => {
    expect(entries.map((e) => e.name)).toEqual(ENTRIES);
    for (const e of entries) {
      expect(e.method).toBe(0);
      expect(e.compressedSize).toBe(e.size);
      expect(e.dataOffset % 64).toBe(0);
    }
  });

  it('declares the input normalisation in TFLite metadata', () => {
    const expected: Record<string, { mean: number[]; std: number[] }> = {
      'face_detector.tflite': { mean: [127.5], std: [127.5] },
      'face_landmarks_detector.tflite': { mean: [0], std: [255] },
    };
    for (const [name, norm] of Object.entries(expected)) {
      const info = inspectModel(entries.find((e) => e.name === name)!.data);
      expect(info.metadataBytes, name).toBeDefined();
      expect(normalization(info.metadataBytes!)).toEqual(norm);
      for (const offset of info.bufferDataOffsets) expect(offset % 16).toBe(0);
    }
  });

  it('has a landmark graph with exactly [478 x 3 landmarks, face flag] outputs', () => {
    const landmarks = inspectModel(entries.find((e) => e.name === 'face_landmarks_detector.tflite')!.data);
    expect(landmarks.outputSizes).toEqual([1434, 1]);
    const detector = inspectModel(entries.find((e) => e.name === 'face_detector.tflite')!.data);
    expect(detector.outputSizes).toEqual([896 * 16, 896]);
  });
});
