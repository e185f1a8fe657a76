import { describe, expect, it } from 'vitest';
import { FACE_ROI, facesToLookFor, landmarksToFrame, matchInRoi, roiAround, roiDrawSize } from '../../src/core/face-roi';
import { FaceTracker } from '../../src/core/face-tracks';
import type { Box } from '../../src/shared/types';

const box = (x: number, y: number, width = 0.1, height = 0.15): Box => ({ x, y, width, height });

describe('roiAround', () => {
  it('is a square three face sizes wide, centred on the face, in frame pixels', () => {
    // A face 64 x 72 px at (288, 168) in a 640 x 480 frame: side 3 x 72 = 216 around its centre (320, 204).
    const roi = roiAround({ x: 288 / 640, y: 168 / 480, width: 64 / 640, height: 72 / 480 }, 640, 480);
    expect(roi).not.toBeNull();
    expect(roi!.width).toBeCloseTo(216, 0);
    expect(roi!.height).toBeCloseTo(216, 0);
    expect(roi!.x + roi!.width / 2).toBeCloseTo(320, 0);
    expect(roi!.y + roi!.height / 2).toBeCloseTo(204, 0);
  });

  it('is clipped by the frame edge, and never smaller than the minimum side', () => {
    const edge = roiAround({ x: 0, y: 0, width: 0.1, height: 0.1 }, 640, 480)!;
    expect(edge.x).toBe(0);
    expect(edge.y).toBe(0);
    expect(edge.width).toBeLessThan(3 * 64);
    const tiny = roiAround({ x: 0.5, y: 0.5, width: 2 / 640, height: 2 / 480 }, 640, 480)!;
    expect(tiny.width).toBeGreaterThanOrEqual(FACE_ROI.minSidePx);
  });

  it('refuses empty boxes and frames', () => {
    expect(roiAround({ x: 0.5, y: 0.5, width: 0, height: 0.1 }, 640, 480)).toBeNull();
    expect(roiAround(box(0.5, 0.5), 0, 480)).toBeNull();
  });

  it('draws the crop at the landmarker size on its longer side, keeping its aspect', () => {
    expect(roiDrawSize({ x: 0, y: 0, width: 100, height: 100 })).toEqual({ width: FACE_ROI.drawPx, height: FACE_ROI.drawPx });
    expect(roiDrawSize({ x: 0, y: 0, width: 200, height: 100 })).toEqual({ width: FACE_ROI.drawPx, height: FACE_ROI.drawPx / 2 });
  });
});

describe('landmarksToFrame', () => {
  it('maps crop-normalised points back to where they are in the frame (z scales with x)', () => {
    const roi = { x: 100, y: 50, width: 200, height: 100 };
    // The crop's corners and centre, and a point with depth.
    const inCrop = [0, 0, 0, 1, 1, 0, 0.5, 0.5, 0.25];
    const out = landmarksToFrame(inCrop, roi, 400, 200);
    expect(Array.from(out.slice(0, 3))).toEqual([0.25, 0.25, 0]);
    expect(Array.from(out.slice(3, 6))).toEqual([0.75, 0.75, 0]);
    expect(out[6]).toBeCloseTo(0.5, 6);
    expect(out[7]).toBeCloseTo(0.5, 6);
    expect(out[8]).toBeCloseTo(0.25 * 0.5, 6);
  });

  it('round-trips a face: drawn into its own crop and mapped back, the landmarks land where they were', () => {
    const frameW = 640;
    const frameH = 480;
    const face = [0.42, 0.31, 0.01, 0.47, 0.33, -0.02, 0.45, 0.4, 0];
    const roi = roiAround(box(0.41, 0.3, 0.07, 0.11), frameW, frameH)!;
    const inCrop = face.map((v, i) => (i % 3 === 0 ? (v * frameW - roi.x) / roi.width : i % 3 === 1 ? (v * frameH - roi.y) / roi.height : (v * frameW) / roi.width));
    const back = landmarksToFrame(inCrop, roi, frameW, frameH);
    face.forEach((v, i) => expect(back[i]).toBeCloseTo(v, 6));
  });
});

describe('facesToLookFor', () => {
  it('picks the tracked faces the whole-frame pass missed, most recently seen first, at most two', () => {
    const a = { box: box(0.1, 0.1), missed: 2 };
    const b = { box: box(0.4, 0.1), missed: 0 };
    const c = { box: box(0.7, 0.1), missed: 1 };
    const d = { box: box(0.1, 0.6), missed: 0 };
    // d was found again by the whole-frame pass (same place): not looked for.
    const chosen = facesToLookFor([a, b, c, d], [box(0.1, 0.6)]);
    expect(chosen).toEqual([b, c]);
  });

  it('gives up on a face missing for too long (it left, or the camera went off)', () => {
    expect(facesToLookFor([{ box: box(0.1, 0.1), missed: FACE_ROI.maxMissedFrames + 1 }], [])).toEqual([]);
    expect(facesToLookFor([{ box: box(0.1, 0.1), missed: FACE_ROI.maxMissedFrames }], [])).toHaveLength(1);
  });

  it("reads the tracker's own record: a face seen then missed is looked for until it is dropped", () => {
    const tracker = new FaceTracker();
    tracker.assign([box(0.3, 0.3)]);
    expect(facesToLookFor(tracker.recent(), [box(0.3, 0.3)])).toEqual([]);
    tracker.assign([]);
    expect(facesToLookFor(tracker.recent(), [])).toEqual([{ box: box(0.3, 0.3), missed: 1 }]);
    for (let i = 0; i < FACE_ROI.maxMissedFrames; i++) tracker.assign([]);
    expect(facesToLookFor(tracker.recent(), [])).toEqual([]);
  });
});

describe('matchInRoi', () => {
  it('takes the candidate that overlaps where the face was most, and none that does not overlap it', () => {
    const last = box(0.4, 0.3);
    expect(matchInRoi(last, [box(0.6, 0.3), box(0.41, 0.31), box(0.43, 0.3)])).toBe(1);
    expect(matchInRoi(last, [box(0.6, 0.3)])).toBe(-1);
    expect(matchInRoi(last, [])).toBe(-1);
  });

  it('keeps a face that turned (narrower box, same place) as the same face', () => {
    const frontal = box(0.4, 0.3, 0.1, 0.15);
    const profile = box(0.43, 0.3, 0.05, 0.15);
    expect(matchInRoi(frontal, [profile])).toBe(0);
  });
});
