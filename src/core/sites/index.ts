import type { SiteAdapter } from './adapter';
import { generic } from './generic';
import { googleMeet } from './google-meet';
import { jitsiMeet } from './jitsi-meet';
import { microsoftTeams } from './microsoft-teams';
import { webex } from './webex';
import { whereby } from './whereby';
import { zoom } from './zoom';

export type { SiteAdapter } from './adapter';

/** The built-in meeting sites, in the order they are tried; `generic` answers for everything else. */
export const SITE_ADAPTERS: readonly SiteAdapter[] = [googleMeet, microsoftTeams, zoom, webex, whereby, jitsiMeet];

export function adapterFor(url: URL): SiteAdapter {
  return SITE_ADAPTERS.find((a) => a.matches(url)) ?? generic;
}

export function isBuiltInSite(url: URL): boolean {
  return SITE_ADAPTERS.some((a) => a.matches(url));
}
