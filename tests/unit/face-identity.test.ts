import { describe, expect, it } from 'vitest';
import { challengeSampleOf } from '../../src/core/challenge/record';
import { ALIGNED_SIZE } from '../../src/core/face-align';
import { describable, IDENTITY_MODEL, identityInput, unitDescriptor } from '../../src/core/face-identity';
import type { FrameResult } from '../../src/shared/types';

describe('face identity (pure half)', () => {
  it('describes near-frontal faces only', () => {
    expect(describable({ yawDeg: 0, pitchDeg: 0, rollDeg: 0 })).toBe(true);
    expect(describable({ yawDeg: -IDENTITY_MODEL.maxYawDeg, pitchDeg: IDENTITY_MODEL.maxPitchDeg, rollDeg: 30 })).toBe(true);
    expect(describable({ yawDeg: 40, pitchDeg: 0, rollDeg: 0 })).toBe(false);
    expect(describable({ yawDeg: 0, pitchDeg: -30, rollDeg: 0 })).toBe(false);
    expect(describable({ yawDeg: NaN, pitchDeg: 0, rollDeg: 0 })).toBe(false);
  });

  it('feeds the model RGB in 0..255, alpha dropped, pixel order kept', () => {
    const rgba = new Uint8ClampedArray(ALIGNED_SIZE * ALIGNED_SIZE * 4);
    rgba.set([10, 20, 30, 255, 200, 100, 0, 7], 0);
    const input = identityInput(rgba);
    expect(input).toHaveLength(ALIGNED_SIZE * ALIGNED_SIZE * 3);
    expect(Array.from(input.slice(0, 6))).toEqual([10, 20, 30, 200, 100, 0]);
    expect(() => identityInput(new Uint8ClampedArray(16))).toThrow(/128x128 RGBA crop/);
  });

  it('scales descriptors to unit length, and refuses empty or broken ones', () => {
    const d = unitDescriptor([3, 4]);
    expect(Array.from(d!)).toEqual([0.6000000238418579, 0.800000011920929]);
    expect(unitDescriptor([0, 0, 0])).toBeNull();
    expect(unitDescriptor([1, NaN])).toBeNull();
  });

  it('hands the engine descriptor of the largest face to the check, and nothing on frames without one', () => {
    const embedding = unitDescriptor(Array.from({ length: IDENTITY_MODEL.dims }, (_, i) => Math.sin(i)))!;
    const face = (width: number, withEmbedding: boolean): FrameResult['faces'][number] => ({
      trackId: 1,
      box: { x: 0.3, y: 0.3, width, height: width },
      landmarkCount: 478,
      landmarks: new Float32Array(0),
      pose: { yawDeg: 0, pitchDeg: 0, rollDeg: 0 },
      quality: { faceSizePx: 200, sharpness: 100, brightness: 120 },
      swapScore: null,
      ...(withEmbedding ? { embedding } : {}),
    });
    const result = (faces: FrameResult['faces']): FrameResult => ({ participantId: 'p1', frameId: 1, sampledAt: 1000, engineMs: 1, landmarkMs: 1, detectorMs: 0, frameWidth: 640, frameHeight: 480, faces });
    expect(challengeSampleOf(result([face(0.1, false), face(0.3, true)]), 1).face?.embedding).toBe(embedding);
    expect(challengeSampleOf(result([face(0.3, false)]), 1).face?.embedding).toBeNull();
  });

  it("hands the check the picture's brightness on a frame without a face, and nothing when not measured", () => {
    const noFace: FrameResult = { participantId: 'p1', frameId: 2, sampledAt: 1000, engineMs: 1, landmarkMs: 1, detectorMs: 0, frameWidth: 640, frameHeight: 480, faces: [], frameBrightness: 4 };
    expect(challengeSampleOf(noFace, 1)).toMatchObject({ face: null, faceCount: 0, frameBrightness: 4 });
    expect(challengeSampleOf({ ...noFace, frameBrightness: undefined }, 1).frameBrightness).toBeNull();
  });
});
