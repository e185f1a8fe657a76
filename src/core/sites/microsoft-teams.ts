import { ownAttrOf, textOf, type SiteAdapter } from './adapter';

/**
 * Microsoft Teams (work, school and personal: teams.microsoft.com, teams.cloud.microsoft, teams.live.com).
 * Teams marks its elements with `data-tid` test ids; a video tile is `[data-tid="video-tile"]` (older builds:
 * `[data-cid="calling-participant-stream"]`), the name is in `[data-tid="participant-name"]` or the tile's
 * `aria-label`, and the user's own preview is `[data-tid="local-video-tile"]` / `data-is-local="true"`.
 */
export const microsoftTeams: SiteAdapter = {
  id: 'microsoft-teams',
  siteName: 'Microsoft Teams',
  matches: (url) => ['teams.microsoft.com', 'teams.live.com', 'teams.cloud.microsoft'].includes(url.hostname),
  tileOf: (video) =>
    video.closest('[data-tid="video-tile"], [data-tid="local-video-tile"], [data-cid="calling-participant-stream"]'),
  displayName: (tile) => textOf(tile, ['[data-tid="participant-name"]', '[data-tid="display-name"]']) ?? ownAttrOf(tile, 'aria-label'),
  isSelfView: (tile) => {
    if (tile.matches('[data-tid="local-video-tile"]') || tile.getAttribute('data-is-local') === 'true') return true;
    if (tile.getAttribute('data-is-local') === 'false') return false;
    return null;
  },
};
