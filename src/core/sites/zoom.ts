import { textOf, type SiteAdapter } from './adapter';

/**
 * Zoom's web client (app.zoom.us/wc, *.zoom.us/wc). Tiles are `.video-avatar__avatar` with the name in
 * `.video-avatar__avatar-footer`; the self view lives in `.self-video-container` / `#self-view`.
 * Note: Zoom often paints remote video into a `<canvas>` (WebGL) rather than a `<video>`; those tiles are not seen by
 * video discovery yet, only the `<video>`-based ones (gallery on newer builds, speaker view).
 */
export const zoom: SiteAdapter = {
  id: 'zoom',
  siteName: 'Zoom',
  matches: (url) => url.hostname === 'zoom.us' || url.hostname.endsWith('.zoom.us'),
  tileOf: (video) => video.closest('.video-avatar__avatar, .self-video-container, .speaker-active-container__video-frame'),
  displayName: (tile) => textOf(tile, ['.video-avatar__avatar-footer', '.video-avatar__avatar-name']),
  isSelfView: (tile) => (tile.matches('.self-video-container') || tile.closest('#self-view') ? true : null),
};
