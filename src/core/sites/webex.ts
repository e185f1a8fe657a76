import { ownAttrOf, textOf, type SiteAdapter } from './adapter';

/**
 * Cisco Webex web app (*.webex.com). Tiles carry `data-test="video-tile"` (self: `data-test="self-view"`), the name
 * is in `[data-test="participant-name"]` or the tile's `aria-label`.
 */
export const webex: SiteAdapter = {
  id: 'webex',
  siteName: 'Webex',
  matches: (url) => url.hostname === 'webex.com' || url.hostname.endsWith('.webex.com'),
  tileOf: (video) => video.closest('[data-test="video-tile"], [data-test="self-view"]'),
  displayName: (tile) => textOf(tile, ['[data-test="participant-name"]']) ?? ownAttrOf(tile, 'aria-label'),
  isSelfView: (tile) => (tile.matches('[data-test="self-view"]') ? true : null),
};
