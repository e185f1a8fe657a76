import { attrOf, textOf, type SiteAdapter } from './adapter';

/**
 * Google Meet. Each participant tile carries `data-participant-id` (stable for the tile's life; Meet's class names
 * are minified and change, data attributes have stayed). The name sits in a `notranslate` span in the tile's footer;
 * the user's own tile is marked with `data-self-name` text equal to the name Meet shows for "You".
 */
export const googleMeet: SiteAdapter = {
  id: 'google-meet',
  siteName: 'Google Meet',
  matches: (url) => url.hostname === 'meet.google.com',
  tileOf: (video) => video.closest('[data-participant-id], [data-requested-participant-id]'),
  displayName: (tile) => attrOf(tile, '[data-self-name]', 'data-self-name') ?? textOf(tile, ['[data-participant-name]', '.notranslate']),
  isSelfView: (tile) => (tile.querySelector('[data-self-name]') ? true : null),
};
