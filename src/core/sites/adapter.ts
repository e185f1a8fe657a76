/**
 * What Unmask knows about one meeting site's page. Each site has its own small file, so when a site changes its page
 * one adapter breaks, not the extension. Adapters only read the DOM; they never change it.
 */
export interface SiteAdapter {
  id: string;
  /** Shown in the popup. */
  siteName: string;
  matches(url: URL): boolean;
  /** The participant tile holding this video (the element whose life is the participant's), or null. */
  tileOf(video: Element): Element | null;
  /** The participant's name as the page shows it, or null. */
  displayName(tile: Element): string | null;
  /** true when the site marks the tile as the user's own view, false when it marks it as remote, null if unknown. */
  isSelfView(tile: Element): boolean | null;
}

/** Trimmed, single-line, bounded text of the first element matching one of the selectors. */
export function textOf(root: Element, selectors: readonly string[]): string | null {
  for (const selector of selectors) {
    const el = root.matches(selector) ? root : root.querySelector(selector);
    const text = el?.textContent?.replace(/\s+/g, ' ').trim();
    if (text) return cleanName(text);
  }
  return null;
}

/** Attribute value of the first element matching a selector. */
export function attrOf(root: Element, selector: string, attribute: string): string | null {
  const el = root.matches(selector) ? root : root.querySelector(selector);
  const value = el?.getAttribute(attribute)?.replace(/\s+/g, ' ').trim();
  return value ? cleanName(value) : null;
}

/** The element's own attribute value (never a descendant's), cleaned like `attrOf`. */
export function ownAttrOf(el: Element, attribute: string): string | null {
  const value = el.getAttribute(attribute)?.replace(/\s+/g, ' ').trim();
  return value ? cleanName(value) : null;
}

/** Names come from an untrusted page: bounded, and only shown as text. */
export function cleanName(name: string): string {
  return name.slice(0, 80);
}

/** `closest()` that continues past shadow roots to their hosts: a tile may wrap its video in a web component. */
export function closestAcrossShadow(el: Element, selector: string): Element | null {
  for (let node: Element | null = el; node; ) {
    const hit = node.closest(selector);
    if (hit) return hit;
    // A shadow root has a host; a document does not.
    node = (node.getRootNode() as Partial<ShadowRoot>).host ?? null;
  }
  return null;
}
