import { attrOf, type SiteAdapter } from './adapter';

/**
 * Any other site the user turns Unmask on for. The tile is the nearest ancestor that labels itself (`aria-label`,
 * `data-name`, `title`), else the video's parent; no self-view knowledge, so the generic rules decide.
 */
export const generic: SiteAdapter = {
  id: 'generic',
  siteName: 'this site',
  matches: () => true,
  tileOf: (video) => video.closest('[aria-label], [data-name]') ?? video.parentElement,
  displayName: (tile) =>
    attrOf(tile, '[data-name]', 'data-name') ?? (tile.getAttribute('aria-label')?.trim().slice(0, 80) || null) ?? (tile.getAttribute('title')?.trim().slice(0, 80) || null),
  isSelfView: () => null,
};
