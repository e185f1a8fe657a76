import { textOf, type SiteAdapter } from './adapter';

/**
 * Jitsi Meet (meet.jit.si, 8x8.vc; open source, so its DOM is documented by its code). Remote thumbnails are
 * `span.videocontainer#participant_<id>`, the user's own is `#localVideoContainer`, and the stage is
 * `#largeVideoContainer` (it repeats the dominant speaker's video, so that person may show twice: once on stage and
 * once as a thumbnail). Names are in `.displayname` / `[id$="_name"]`.
 */
export const jitsiMeet: SiteAdapter = {
  id: 'jitsi-meet',
  siteName: 'Jitsi Meet',
  matches: (url) => url.hostname === 'meet.jit.si' || url.hostname === '8x8.vc',
  tileOf: (video) => video.closest('#localVideoContainer, span.videocontainer, #largeVideoContainer'),
  displayName: (tile) => (tile.id === 'largeVideoContainer' ? 'Main stage' : textOf(tile, ['.displayname', '[id$="_name"]'])),
  isSelfView: (tile) => (tile.id === 'localVideoContainer' ? true : tile.id.startsWith('participant_') ? false : null),
};
