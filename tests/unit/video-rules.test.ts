import { describe, expect, it } from 'vitest';
import { classifyVideo, isMirroredTransform, isSelfView, MIN_RENDERED_PX, MIN_VIDEO_PX, type VideoFacts } from '../../src/core/video-rules';

/** A remote participant's WebRTC tile, as Chromium reports it in a real call: every rule should let it through. */
function remote(overrides: Partial<VideoFacts> = {}): VideoFacts {
  return {
    source: 'media-stream',
    localCaptureTrack: false,
    liveVideoTrack: true,
    liveDuration: false,
    paused: false,
    ended: false,
    videoWidth: 1280,
    videoHeight: 720,
    renderedWidth: 480,
    renderedHeight: 270,
    visible: true,
    mirrored: false,
    muted: true,
    siteSaysSelf: null,
    ...overrides,
  };
}

describe('classifyVideo', () => {
  it('accepts a remote WebRTC video as a participant', () => {
    expect(classifyVideo(remote())).toEqual({ kind: 'participant' });
  });

  it('accepts a live MSE/blob stream (duration Infinity) as a participant', () => {
    expect(classifyVideo(remote({ source: 'blob', liveVideoTrack: false, liveDuration: true }))).toEqual({ kind: 'participant' });
    expect(classifyVideo(remote({ source: 'url', liveVideoTrack: false, liveDuration: true }))).toEqual({ kind: 'participant' });
  });

  it('ignores the local camera track as self-view', () => {
    const f = remote({ localCaptureTrack: true });
    expect(isSelfView(f)).toBe(true);
    expect(classifyVideo(f)).toEqual({ kind: 'ignored', reason: 'self-view' });
  });

  it('takes a mirrored and muted video without stream info as self-view', () => {
    const canvasRerender = remote({ source: 'blob', liveVideoTrack: false, liveDuration: true, mirrored: true, muted: true });
    expect(isSelfView(canvasRerender)).toBe(true);
    expect(classifyVideo(canvasRerender)).toEqual({ kind: 'ignored', reason: 'self-view' });
  });

  it('needs both mirrored and muted for the heuristic', () => {
    expect(isSelfView(remote({ mirrored: false, muted: true }))).toBe(false);
    expect(isSelfView(remote({ mirrored: true, muted: false }))).toBe(false);
    expect(classifyVideo(remote({ mirrored: true, muted: false }))).toEqual({ kind: 'participant' });
  });

  it('lets the site adapter override every other self-view signal', () => {
    // The site says "self": wins over a remote-looking stream.
    expect(isSelfView(remote({ siteSaysSelf: true }))).toBe(true);
    expect(classifyVideo(remote({ siteSaysSelf: true }))).toEqual({ kind: 'ignored', reason: 'self-view' });
    // The site says "not self": wins over a local capture track and over mirrored+muted.
    const marked = remote({ siteSaysSelf: false, localCaptureTrack: true, mirrored: true, muted: true });
    expect(isSelfView(marked)).toBe(false);
    expect(classifyVideo(marked)).toEqual({ kind: 'participant' });
  });

  it('ignores a hidden video', () => {
    expect(classifyVideo(remote({ visible: false }))).toEqual({ kind: 'ignored', reason: 'hidden' });
  });

  it('ignores a tile too small on screen', () => {
    expect(classifyVideo(remote({ renderedWidth: MIN_RENDERED_PX.width - 1 }))).toEqual({ kind: 'ignored', reason: 'too-small' });
    expect(classifyVideo(remote({ renderedHeight: MIN_RENDERED_PX.height - 1 }))).toEqual({ kind: 'ignored', reason: 'too-small' });
    expect(classifyVideo(remote({ renderedWidth: MIN_RENDERED_PX.width, renderedHeight: MIN_RENDERED_PX.height }))).toEqual({
      kind: 'participant',
    });
  });

  it('ignores a video too small intrinsically, but not one whose size is not known yet', () => {
    expect(classifyVideo(remote({ videoWidth: 80, videoHeight: 60 }))).toEqual({ kind: 'ignored', reason: 'too-small' });
    expect(classifyVideo(remote({ videoWidth: 640, videoHeight: MIN_VIDEO_PX.height - 1 }))).toEqual({ kind: 'ignored', reason: 'too-small' });
    expect(classifyVideo(remote({ videoWidth: 0, videoHeight: 0 }))).toEqual({ kind: 'participant' });
  });

  it('ignores a plain recorded URL, a blob with finite duration and a source-less video as not live', () => {
    expect(classifyVideo(remote({ source: 'url', liveVideoTrack: false, liveDuration: false }))).toEqual({ kind: 'ignored', reason: 'not-live' });
    expect(classifyVideo(remote({ source: 'blob', liveVideoTrack: false, liveDuration: false }))).toEqual({ kind: 'ignored', reason: 'not-live' });
    expect(classifyVideo(remote({ source: 'none', liveVideoTrack: false }))).toEqual({ kind: 'ignored', reason: 'not-live' });
  });

  it('ignores a MediaStream whose video track has ended', () => {
    expect(classifyVideo(remote({ liveVideoTrack: false }))).toEqual({ kind: 'ignored', reason: 'not-live' });
  });

  it('ignores an ended video', () => {
    expect(classifyVideo(remote({ source: 'blob', liveVideoTrack: false, liveDuration: true, ended: true }))).toEqual({
      kind: 'ignored',
      reason: 'not-playing',
    });
  });

  it('keeps a paused video as a participant (pausing is handled by the sampler, not by discovery)', () => {
    expect(classifyVideo(remote({ paused: true }))).toEqual({ kind: 'participant' });
  });
});

describe('isMirroredTransform', () => {
  it('is false for no transform', () => {
    expect(isMirroredTransform('')).toBe(false);
    expect(isMirroredTransform('none')).toBe(false);
  });

  it('reads computed 2D matrices', () => {
    expect(isMirroredTransform('matrix(-1, 0, 0, 1, 0, 0)')).toBe(true);
    expect(isMirroredTransform(' matrix(-1, 0, 0, 1, 12.5, -3) ')).toBe(true);
    expect(isMirroredTransform('matrix(1, 0, 0, 1, 0, 0)')).toBe(false);
    // scaleX(-1) with a small rotation: still a left-right flip.
    const t = (10 * Math.PI) / 180;
    expect(isMirroredTransform(`matrix(${-Math.cos(t)}, ${-Math.sin(t)}, ${-Math.sin(t)}, ${Math.cos(t)}, 0, 0)`)).toBe(true);
    // rotate(180deg) turns the picture upside down but does not mirror it.
    expect(isMirroredTransform('matrix(-1, 1.22465e-16, -1.22465e-16, -1, 0, 0)')).toBe(false);
    // A plain scale up.
    expect(isMirroredTransform('matrix(1.5, 0, 0, 1.5, 0, 0)')).toBe(false);
  });

  it('reads computed 3D matrices', () => {
    // rotateY(180deg), as Chromium computes it.
    expect(isMirroredTransform('matrix3d(-1, 0, -1.22465e-16, 0, 0, 1, 0, 0, 1.22465e-16, 0, -1, 0, 0, 0, 0, 1)')).toBe(true);
    // scaleX(-1) with a translateZ.
    expect(isMirroredTransform('matrix3d(-1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 5, 1)')).toBe(true);
    expect(isMirroredTransform('matrix3d(1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1)')).toBe(false);
    // rotateZ(180deg) in 3D form: upside down, not mirrored.
    expect(isMirroredTransform('matrix3d(-1, 1.22465e-16, 0, 0, -1.22465e-16, -1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1)')).toBe(false);
  });

  it('reads declared transform functions', () => {
    expect(isMirroredTransform('scaleX(-1)')).toBe(true);
    expect(isMirroredTransform('scaleX( -1 )')).toBe(true);
    expect(isMirroredTransform('translateX(10px) scaleX(-1)')).toBe(true);
    expect(isMirroredTransform('scale(-1, 1)')).toBe(true);
    expect(isMirroredTransform('rotateY(180deg)')).toBe(true);
    expect(isMirroredTransform('scaleX(1)')).toBe(false);
    expect(isMirroredTransform('scale(2)')).toBe(false);
    expect(isMirroredTransform('rotate(180deg)')).toBe(false);
    expect(isMirroredTransform('translateX(-10px)')).toBe(false);
  });
});
