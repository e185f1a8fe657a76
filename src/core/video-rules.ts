/**
 * Which `<video>` elements are call participants worth analysing. Pure: the content script gathers `VideoFacts`
 * from the DOM, this decides.
 */
export interface VideoFacts {
  /** What the video plays: a MediaStream (WebRTC or camera), a blob/MSE URL, a plain URL, or nothing yet. */
  source: 'media-stream' | 'blob' | 'url' | 'none';
  /** For a MediaStream: whether its video track is a local capture device (its settings carry a groupId). */
  localCaptureTrack: boolean;
  /** For a MediaStream: whether it has a live video track at all. */
  liveVideoTrack: boolean;
  /** `duration === Infinity`: live media (MSE live streams) rather than a recording. */
  liveDuration: boolean;
  paused: boolean;
  ended: boolean;
  videoWidth: number;
  videoHeight: number;
  /** Size on screen, CSS pixels. */
  renderedWidth: number;
  renderedHeight: number;
  /** Rendered (display, visibility, opacity) and at least partly inside the viewport. */
  visible: boolean;
  /** Shown flipped left-right (CSS transform scaleX(-1) or rotateY(180deg)), as self views conventionally are. */
  mirrored: boolean;
  muted: boolean;
  /** What the site adapter knows: true = the site marks this tile as the user's own, null = it cannot tell. */
  siteSaysSelf: boolean | null;
}

export type VideoVerdict =
  | { kind: 'participant' }
  | { kind: 'ignored'; reason: 'self-view' | 'not-live' | 'not-playing' | 'hidden' | 'too-small' };

/** A face worth analysing needs ~64 px; a tile smaller than this on screen or in pixels cannot hold one. */
export const MIN_RENDERED_PX = { width: 96, height: 72 } as const;
export const MIN_VIDEO_PX = { width: 96, height: 72 } as const;

/**
 * Self-view exclusion, strongest signal first:
 * 1. the site adapter recognises the user's own tile (site knowledge beats guessing);
 * 2. the stream's video track is a local capture device: `getUserMedia` tracks carry the device's `groupId` in
 *    `getSettings()`, tracks received over WebRTC do not (they do carry a random `deviceId` in Chromium 156, so that
 *    field proves nothing);
 * 3. with no such stream information (the site re-renders the camera through a canvas for background effects), a
 *    video that is both mirrored and muted is taken as a self view: sites mirror only the local preview, and mute it
 *    to avoid echo. Muted alone is not enough: many sites play remote audio through separate `<audio>` elements and
 *    mute every `<video>`.
 */
export function isSelfView(f: VideoFacts): boolean {
  if (f.siteSaysSelf !== null) return f.siteSaysSelf;
  if (f.source === 'media-stream' && f.localCaptureTrack) return true;
  return f.mirrored && f.muted;
}

export function classifyVideo(f: VideoFacts): VideoVerdict {
  const live =
    (f.source === 'media-stream' && f.liveVideoTrack) || ((f.source === 'blob' || f.source === 'url') && f.liveDuration);
  if (!live) return { kind: 'ignored', reason: 'not-live' };
  if (isSelfView(f)) return { kind: 'ignored', reason: 'self-view' };
  if (!f.visible) return { kind: 'ignored', reason: 'hidden' };
  if (
    f.renderedWidth < MIN_RENDERED_PX.width ||
    f.renderedHeight < MIN_RENDERED_PX.height ||
    (f.videoWidth > 0 && (f.videoWidth < MIN_VIDEO_PX.width || f.videoHeight < MIN_VIDEO_PX.height))
  )
    return { kind: 'ignored', reason: 'too-small' };
  if (f.ended) return { kind: 'ignored', reason: 'not-playing' };
  return { kind: 'participant' };
}

/** Parses a computed CSS transform and says whether it flips the x axis. */
export function isMirroredTransform(transform: string): boolean {
  if (!transform || transform === 'none') return false;
  const m = /^matrix\(([^)]+)\)$/.exec(transform.trim());
  if (m?.[1]) {
    const [a, b, c, d] = m[1].split(',').map(Number);
    return (a ?? 1) * (d ?? 1) - (b ?? 0) * (c ?? 0) < 0 && (a ?? 1) < 0;
  }
  const m3 = /^matrix3d\(([^)]+)\)$/.exec(transform.trim());
  if (m3?.[1]) {
    // Column-major: the 2D part (a, b, c, d) sits at indices 0, 1, 4, 5. Same test as for matrix(): a rotateZ(180deg)
    // also has a negative first value but is not a flip.
    const v = m3[1].split(',').map(Number);
    const [a, b, c, d] = [v[0] ?? 1, v[1] ?? 0, v[4] ?? 0, v[5] ?? 1];
    return a * d - b * c < 0 && a < 0;
  }
  return /scaleX\(\s*-|scale\(\s*-|rotateY\(\s*180deg/.test(transform);
}
