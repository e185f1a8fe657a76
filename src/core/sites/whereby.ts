import { textOf, type SiteAdapter } from './adapter';

/**
 * Whereby (whereby.com and team subdomains). Tiles carry `data-testid="videoTile"`; the user's own tile has
 * `data-testid="localVideoTile"` (older builds: `data-clientid="local"`); the name is in
 * `[data-testid="clientName"]`.
 */
export const whereby: SiteAdapter = {
  id: 'whereby',
  siteName: 'Whereby',
  matches: (url) => url.hostname === 'whereby.com' || url.hostname.endsWith('.whereby.com'),
  tileOf: (video) => video.closest('[data-testid="videoTile"], [data-testid="localVideoTile"], [data-clientid]'),
  displayName: (tile) => textOf(tile, ['[data-testid="clientName"]', '[data-testid="displayName"]']),
  isSelfView: (tile) =>
    tile.matches('[data-testid="localVideoTile"], [data-clientid="local"]') ? true : tile.matches('[data-testid="videoTile"]') ? false : null,
};
