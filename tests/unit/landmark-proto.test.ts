import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ProtoFormatError, readFaceGeometryPose, readNormalizedLandmarks } from '../../src/core/landmark-proto';

/** A minimal protobuf writer for the tests' own messages. */
const varint = (n: number): number[] => {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
};
const tag = (field: number, wire: number): number[] => varint((field << 3) | wire);
const f32 = (v: number): number[] => [...new Uint8Array(Float32Array.of(v).buffer)];
const fixed32 = (field: number, v: number): number[] => [...tag(field, 5), ...f32(v)];
const len = (field: number, payload: number[]): number[] => [...tag(field, 2), ...varint(payload.length), ...payload];
const landmark = (x?: number, y?: number, z?: number, extra: number[] = []): number[] => [
  ...(x === undefined ? [] : fixed32(1, x)),
  ...(y === undefined ? [] : fixed32(2, y)),
  ...(z === undefined ? [] : fixed32(3, z)),
  ...extra,
];
const bytes = (b: number[]): Uint8Array => Uint8Array.from(b);
const round32 = (v: number): number => Float32Array.of(v)[0]!;

describe('readNormalizedLandmarks', () => {
  it('reads x, y, z of each landmark in order, skipping visibility and presence', () => {
    const list = [
      ...len(1, landmark(0.25, 0.5, -0.125, [...fixed32(4, 0.9), ...fixed32(5, 0.8)])),
      ...len(1, landmark(0.75, 0.1, 0.03)),
      ...len(1, landmark(1.5, -0.2, 0)),
    ];
    expect(Array.from(readNormalizedLandmarks(bytes(list)))).toEqual([0.25, 0.5, -0.125, 0.75, round32(0.1), round32(0.03), 1.5, round32(-0.2), 0]);
  });

  it('reads an absent field as 0, as tasks-vision does, and fields in any order', () => {
    const list = [...len(1, landmark(undefined, 0.5)), ...len(1, [...fixed32(3, 0.25), ...fixed32(1, 0.75)])];
    expect(Array.from(readNormalizedLandmarks(bytes(list)))).toEqual([0, 0.5, 0, 0.75, 0, 0.25]);
  });

  it('skips unknown fields of every wire type, in the list and in a landmark', () => {
    const unknown = [...tag(7, 0), ...varint(300), ...tag(8, 1), 1, 2, 3, 4, 5, 6, 7, 8, ...len(9, [1, 2, 3]), ...fixed32(10, 9)];
    const list = [...unknown, ...len(1, landmark(0.5, 0.25, 0.125, unknown)), ...unknown];
    expect(Array.from(readNormalizedLandmarks(bytes(list)))).toEqual([0.5, 0.25, 0.125]);
  });

  it('gives an empty array for an empty list', () => {
    expect(readNormalizedLandmarks(new Uint8Array(0)).length).toBe(0);
  });

  it('reads a view into a larger buffer (the wasm heap) at its offset', () => {
    const list = len(1, landmark(0.5, 0.25, 0.125));
    const heap = new Uint8Array(64).fill(0xff);
    heap.set(list, 17);
    expect(Array.from(readNormalizedLandmarks(heap.subarray(17, 17 + list.length)))).toEqual([0.5, 0.25, 0.125]);
  });

  it('refuses bytes cut short, or a wire type no field can have, with a specific error', () => {
    const list = len(1, landmark(0.5, 0.25, 0.125));
    expect(() => readNormalizedLandmarks(bytes(list.slice(0, -2)))).toThrow(ProtoFormatError);
    expect(() => readNormalizedLandmarks(bytes(list.slice(0, -2)))).toThrow(/cut short/);
    expect(() => readNormalizedLandmarks(bytes([...tag(1, 2), 0x80]))).toThrow(/varint cut short/);
    expect(() => readNormalizedLandmarks(bytes([...tag(6, 3)]))).toThrow(/wire type 3/);
  });
});

describe('readFaceGeometryPose', () => {
  const matrix = Array.from({ length: 16 }, (_, i) => (i + 1) / 8);
  const mesh = len(1, [...len(2, [1, 2, 3, 4, 5]), ...tag(3, 0), ...varint(2)]);

  it('reads the pose matrix (rows, columns, packed data) and skips the mesh', () => {
    const geometry = [...mesh, ...len(2, [...tag(1, 0), ...varint(4), ...tag(2, 0), ...varint(4), ...len(3, matrix.flatMap(f32)), ...tag(4, 0), 1])];
    const pose = readFaceGeometryPose(bytes(geometry));
    expect(pose).not.toBeNull();
    expect(pose?.rows).toBe(4);
    expect(pose?.columns).toBe(4);
    expect(Array.from(pose?.data ?? [])).toEqual(matrix);
  });

  it('also reads matrix data written unpacked', () => {
    const pose = readFaceGeometryPose(bytes(len(2, matrix.flatMap((v) => fixed32(3, v)))));
    expect(Array.from(pose?.data ?? [])).toEqual(matrix);
    expect(pose?.rows).toBe(0);
  });

  it('gives null for a geometry without a pose matrix', () => {
    expect(readFaceGeometryPose(bytes(mesh))).toBeNull();
  });

  it('refuses a matrix cut short', () => {
    const geometry = len(2, len(3, matrix.flatMap(f32)));
    expect(() => readFaceGeometryPose(bytes(geometry.slice(0, -3)))).toThrow(ProtoFormatError);
  });
});

/**
 * Real output: the bytes MediaPipe's face landmarker handed to JavaScript for two stills, and tasks-vision's own
 * decoding of the same call (scripts/make-landmark-fixture.ts). Our reader must give exactly the library's numbers.
 */
interface FixtureFrame {
  image: string;
  landmarksBytes: string[];
  geometryBytes: string[];
  decoded: { landmarks: string[]; matrices: { rows: number; columns: number; data: number[] }[] };
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/mediapipe-face-output.json', import.meta.url), 'utf8')) as { tasksVision: string; frames: FixtureFrame[] };
const fromB64 = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'base64'));

describe(`the reader on MediaPipe's real output (tasks-vision ${fixture.tasksVision})`, () => {
  it('has frames with one and with two faces (the capture found them)', () => {
    expect(fixture.frames.map((f) => f.landmarksBytes.length)).toEqual([1, 2]);
    for (const f of fixture.frames) {
      expect(f.geometryBytes.length).toBe(f.landmarksBytes.length);
      expect(f.decoded.landmarks.length).toBe(f.landmarksBytes.length);
    }
  });

  for (const frame of fixture.frames) {
    it(`reads ${frame.image}'s landmarks and pose matrices exactly as tasks-vision decodes them`, () => {
      frame.landmarksBytes.forEach((b64, i) => {
        const ours = readNormalizedLandmarks(fromB64(b64));
        const theirs = new Float32Array(fromB64(frame.decoded.landmarks[i]!).buffer);
        expect(ours.length).toBe(478 * 3);
        expect(Array.from(ours)).toEqual(Array.from(theirs));
      });
      frame.geometryBytes.forEach((b64, i) => {
        const ours = readFaceGeometryPose(fromB64(b64));
        const theirs = frame.decoded.matrices[i]!;
        expect(ours?.rows).toBe(theirs.rows);
        expect(ours?.columns).toBe(theirs.columns);
        expect(Array.from(ours?.data ?? [])).toEqual(theirs.data);
      });
    });
  }

  it('tells the two faces of the two-face still apart (the test would notice faces swapped or merged)', () => {
    const two = fixture.frames[1]!;
    const [a, b] = two.landmarksBytes.map((s) => readNormalizedLandmarks(fromB64(s)));
    expect(a?.[0]).not.toBeCloseTo(b?.[0] ?? NaN, 2);
  });
});
