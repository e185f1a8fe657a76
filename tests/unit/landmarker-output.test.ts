import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LandmarkerOutputTap } from '../../src/engine/landmarker-output';

/** Real bytes of one face (scripts/make-landmark-fixture.ts). */
const fixture = JSON.parse(readFileSync(new URL('../fixtures/mediapipe-face-output.json', import.meta.url), 'utf8')) as {
  frames: { landmarksBytes: string[]; geometryBytes: string[]; decoded: { matrices: { data: number[] }[] } }[];
};
const two = fixture.frames[1]!;
const fromB64 = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'base64'));

type Listener = (data: unknown, done: boolean, timestamp: number) => void;

/**
 * A stand-in for tasks-vision's FaceLandmarker as far as the tap sees it: the Emscripten module a few properties down
 * (minified names), whose output listeners the "wasm" calls once per face with a view of its heap, then once with
 * `done`; and the wrapper's own listeners, which record what reaches them.
 */
function fakeLandmarker(faces: { landmarks: Uint8Array; geometry: Uint8Array }[]) {
  const wrapperSaw: { stream: string; data: unknown; done: boolean; timestamp: number }[] = [];
  const wrapperListener =
    (stream: string): Listener =>
    (data, done, timestamp) =>
      wrapperSaw.push({ stream, data, done, timestamp });
  const module = { HEAPU8: new Uint8Array(8), simpleListeners: { face_landmarks: wrapperListener('face_landmarks'), face_geometry: wrapperListener('face_geometry') } as Record<string, Listener> };
  let timestamp = 0;
  const landmarker = {
    g: { i: module },
    options: { numFaces: 4 },
    detect(): { faceLandmarks: never[] } {
      timestamp++;
      const heap = new Uint8Array(1 << 16);
      for (const [stream, key] of [['face_landmarks', 'landmarks'], ['face_geometry', 'geometry']] as const) {
        for (const face of faces) {
          heap.set(face[key], 100);
          module.simpleListeners[stream]!(heap.subarray(100, 100 + face[key].length), false, timestamp);
          heap.fill(0xee); // the view is only valid during the call, as the wasm heap's
        }
        module.simpleListeners[stream]!(undefined, true, timestamp);
      }
      return { faceLandmarks: [] };
    },
  };
  return { landmarker, module, wrapperSaw, wrapperListener };
}

const realFaces = two.landmarksBytes.map((l, i) => ({ landmarks: fromB64(l), geometry: fromB64(two.geometryBytes[i]!) }));

describe('LandmarkerOutputTap', () => {
  it("reads each face's landmarks and pose from the module's bytes, in order, while they are valid", () => {
    const { landmarker } = fakeLandmarker(realFaces);
    const tap = LandmarkerOutputTap.install(landmarker);
    expect(tap).not.toBeNull();
    const faces = tap!.detect(() => landmarker.detect());
    expect(faces.length).toBe(2);
    for (const [i, face] of faces.entries()) {
      expect(face.landmarks.length).toBe(478 * 3);
      expect(Array.from(face.pose?.data ?? [])).toEqual(two.decoded.matrices[i]!.data);
    }
    expect(faces[0]!.landmarks[0]).not.toBe(faces[1]!.landmarks[0]);
  });

  it("keeps the wrapper's bookkeeping: its listeners get each stream's end with the timestamp, and no bytes", () => {
    const { landmarker, wrapperSaw } = fakeLandmarker(realFaces);
    const tap = LandmarkerOutputTap.install(landmarker)!;
    tap.detect(() => landmarker.detect());
    tap.detect(() => landmarker.detect());
    expect(wrapperSaw).toEqual([
      { stream: 'face_landmarks', data: undefined, done: true, timestamp: 1 },
      { stream: 'face_geometry', data: undefined, done: true, timestamp: 1 },
      { stream: 'face_landmarks', data: undefined, done: true, timestamp: 2 },
      { stream: 'face_geometry', data: undefined, done: true, timestamp: 2 },
    ]);
  });

  it('starts each detect empty: a frame without faces gives none, not the last frame\'s', () => {
    const fake = fakeLandmarker(realFaces);
    const tap = LandmarkerOutputTap.install(fake.landmarker)!;
    expect(tap.detect(() => fake.landmarker.detect()).length).toBe(2);
    expect(tap.detect(() => undefined).length).toBe(0);
  });

  it('takes over again when the wrapper puts its own listeners back (as it does when its options change)', () => {
    const { landmarker, module, wrapperListener, wrapperSaw } = fakeLandmarker(realFaces);
    const tap = LandmarkerOutputTap.install(landmarker)!;
    module.simpleListeners['face_landmarks'] = wrapperListener('face_landmarks');
    expect(tap.detect(() => landmarker.detect()).length).toBe(2);
    expect(wrapperSaw.every((s) => s.data === undefined)).toBe(true);
  });

  it('fails the frame with the reason when the bytes cannot be read, without throwing into the module', () => {
    const broken = [{ landmarks: realFaces[0]!.landmarks.subarray(0, 50), geometry: realFaces[0]!.geometry }];
    const { landmarker } = fakeLandmarker(broken);
    const tap = LandmarkerOutputTap.install(landmarker)!;
    let moduleSawThrow = false;
    expect(() =>
      tap.detect(() => {
        try {
          landmarker.detect();
        } catch {
          moduleSawThrow = true;
        }
      }),
    ).toThrow(/could not read the face landmarker's output: .*cut short/);
    expect(moduleSawThrow).toBe(false);
    // The next frame, with good bytes, is read normally again.
    broken.splice(0, broken.length, ...realFaces);
    expect(tap.detect(() => landmarker.detect()).length).toBe(2);
  });

  it('declines a landmarker whose module or output listeners it cannot find (the engine then uses the wrapper)', () => {
    expect(LandmarkerOutputTap.install({ g: { i: { HEAPU8: new Uint8Array(1) } } })).toBeNull();
    const { landmarker, module } = fakeLandmarker(realFaces);
    delete module.simpleListeners['face_geometry'];
    expect(LandmarkerOutputTap.install(landmarker)).toBeNull();
  });
});
