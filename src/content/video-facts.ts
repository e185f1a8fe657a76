/** Reads `VideoFacts` off a live `<video>` element (the DOM side of `core/video-rules`). */
import type { SiteAdapter } from '../core/sites';
import { isMirroredTransform, type VideoFacts } from '../core/video-rules';

export function readVideoFacts(video: HTMLVideoElement, adapter: SiteAdapter, tile: Element | null): VideoFacts {
  const stream = video.srcObject;
  let source: VideoFacts['source'] = 'none';
  let localCaptureTrack = false;
  let liveVideoTrack = false;
  // Duck-typed, not `instanceof`: a video in a same-origin iframe holds a MediaStream of that frame's realm.
  if (isMediaStream(stream)) {
    source = 'media-stream';
    const tracks = stream.getVideoTracks();
    liveVideoTrack = tracks.some((t) => t.readyState === 'live');
    // Camera tracks from getUserMedia report the device's group (`groupId`); tracks received over WebRTC have none.
    // (`deviceId` is no signal: Chromium 156 gives remote tracks a random one too, seen in the e2e call.)
    localCaptureTrack = tracks.some((t) => Boolean(t.getSettings().groupId));
  } else if (stream) source = 'blob';
  else if (video.currentSrc.startsWith('blob:')) source = 'blob';
  else if (video.currentSrc) source = 'url';

  const view = video.ownerDocument.defaultView;
  const style = view?.getComputedStyle(video);
  const rect = video.getBoundingClientRect();
  const inViewport = view ? rect.right > 0 && rect.bottom > 0 && rect.left < view.innerWidth && rect.top < view.innerHeight : false;
  const visible =
    !!style && style.display !== 'none' && style.visibility !== 'hidden' && Number(style.opacity) > 0.05 && rect.width > 0 && rect.height > 0 && inViewport;
  const parentStyle = video.parentElement ? view?.getComputedStyle(video.parentElement) : undefined;
  const mirrored = isMirroredTransform(style?.transform ?? '') || isMirroredTransform(parentStyle?.transform ?? '');

  return {
    source,
    localCaptureTrack,
    liveVideoTrack,
    liveDuration: video.duration === Infinity,
    paused: video.paused,
    ended: video.ended,
    videoWidth: video.videoWidth,
    videoHeight: video.videoHeight,
    renderedWidth: rect.width,
    renderedHeight: rect.height,
    visible,
    mirrored,
    muted: video.muted,
    siteSaysSelf: tile ? adapter.isSelfView(tile) : null,
  };
}

function isMediaStream(value: unknown): value is MediaStream {
  return typeof value === 'object' && value !== null && typeof (value as Partial<MediaStream>).getVideoTracks === 'function';
}
