import { attrOf, closestAcrossShadow, ownAttrOf, type SiteAdapter } from './adapter';

/**
 * Any other site the user turns Unmask on for. The tile is the nearest ancestor that labels itself (`aria-label`,
 * `data-name`, `title`), also across shadow roots, else the video's parent; no self-view knowledge, so the generic rules decide.
 */
export const generic: SiteAdapter = {
  id: 'generic',
  siteName: 'this site',
  matches: () => true,
  tileOf: (video) => closestAcrossShadow(video, '[aria-label], [data-name]') ?? video.parentElement,
  displayName: (tile) => attrOf(tile, '[data-name]', 'data-name') ?? ownAttrOf(tile, 'aria-label') ?? ownAttrOf(tile, 'title'),
  isSelfView: () => null,
};
