// @vitest-environment happy-dom
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { cleanName } from '../../src/core/sites/adapter';
import { generic } from '../../src/core/sites/generic';
import { googleMeet } from '../../src/core/sites/google-meet';
import { adapterFor, isBuiltInSite, SITE_ADAPTERS, type SiteAdapter } from '../../src/core/sites/index';
import { jitsiMeet } from '../../src/core/sites/jitsi-meet';
import { microsoftTeams } from '../../src/core/sites/microsoft-teams';
import { webex } from '../../src/core/sites/webex';
import { whereby } from '../../src/core/sites/whereby';
import { zoom } from '../../src/core/sites/zoom';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/sites');

interface VideoCase {
  /** id of the <video> in the fixture. */
  video: string;
  /** Selector of the tile the adapter should find, or null for a video outside any tile. */
  tile: string | null;
  name?: string | null;
  self?: boolean | null;
}

interface SiteCase {
  adapter: SiteAdapter;
  fixture: string;
  videos: VideoCase[];
  /** Puts `name` where the adapter reads the remote participant's name; returns the remote tile. */
  setRemoteName: (name: string) => void;
  urls: { yes: string[]; no: string[] };
}

const byId = (id: string): Element => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`fixture has no #${id}`);
  return el;
};
const one = (selector: string): Element => {
  const found = document.querySelectorAll(selector);
  if (found.length !== 1) throw new Error(`expected one ${selector}, found ${found.length}`);
  return found[0] as Element;
};
const setText = (selector: string) => (name: string) => void (one(selector).textContent = name);
const setAttr = (selector: string, attribute: string) => (name: string) => one(selector).setAttribute(attribute, name);

/** Hostnames that only look like a site's: suffix/prefix tricks, lookalikes, the host in the path or user info. */
const lookalikes = (host: string): string[] => [
  `https://${host}.attacker.io/`,
  `https://evil-${host}.attacker.io/`,
  `https://evil${host}/`,
  `https://${host.replace(/\.[^.]+$/, '.co')}/`,
  `https://attacker.io/${host}/room`,
  `https://attacker.io/?next=https://${host}/`,
  `https://${host}@attacker.io/`,
];

const CASES: SiteCase[] = [
  {
    adapter: googleMeet,
    fixture: 'google-meet.html',
    videos: [
      { video: 'remote-video', tile: '[data-participant-id="spaces/K3x9/devices/101"]', name: 'Ada Lovelace', self: null },
      { video: 'self-video', tile: '[data-participant-id="spaces/K3x9/devices/100"]', name: 'Grace Hopper', self: true },
      {
        video: 'long-name-video',
        tile: '[data-participant-id="spaces/K3x9/devices/102"]',
        name: 'Dr. Maximiliana Wolfeschlegelsteinhausenbergerdorff-Featherstonehaugh-Cholmondeley of the Royal Society'.slice(0, 80),
        self: null,
      },
      { video: 'stray-video', tile: null },
    ],
    setRemoteName: setText('[data-participant-id="spaces/K3x9/devices/101"] [data-participant-name]'),
    urls: {
      yes: ['https://meet.google.com/abc-defg-hij', 'https://meet.google.com/', 'https://MEET.GOOGLE.COM/abc-defg-hij?authuser=1'],
      no: [...lookalikes('meet.google.com'), 'https://google.com/meet', 'https://notmeet.google.com/', 'https://meet.google.com.attacker.io/'],
    },
  },
  {
    adapter: microsoftTeams,
    fixture: 'microsoft-teams.html',
    videos: [
      { video: 'remote-video', tile: '[data-tid="video-tile"][data-is-local="false"]', name: 'Linus Torvalds', self: false },
      { video: 'self-video', tile: '[data-tid="local-video-tile"]', name: 'Margaret Hamilton (You)', self: true },
      { video: 'legacy-video', tile: '[data-cid="calling-participant-stream"]', name: 'Ken Thompson', self: null },
      // No name anywhere: the "Mute for me" button's label is not the participant's name.
      { video: 'unnamed-video', tile: '#unnamed-tile', name: null, self: null },
      { video: 'stray-video', tile: null },
    ],
    setRemoteName: setText('[data-is-local="false"] [data-tid="participant-name"]'),
    urls: {
      yes: ['https://teams.microsoft.com/v2/', 'https://teams.live.com/meet/9393', 'https://teams.cloud.microsoft/'],
      no: [...lookalikes('teams.microsoft.com'), 'https://microsoft.com/teams', 'https://evilteams.live.com/', 'https://teams.cloud.microsoft.attacker.io/'],
    },
  },
  {
    adapter: zoom,
    fixture: 'zoom.html',
    videos: [
      { video: 'remote-video', tile: '.video-avatar__avatar[data-userid="16778240"]', name: 'Alan Turing', self: null },
      { video: 'self-video', tile: '.self-video-container', name: 'Hedy Lamarr', self: true },
      { video: 'speaker-video', tile: '.speaker-active-container__video-frame', name: 'Alan Turing', self: null },
      { video: 'stray-video', tile: null },
    ],
    setRemoteName: setText('[data-userid="16778240"] .video-avatar__avatar-footer'),
    urls: {
      yes: ['https://app.zoom.us/wc/123456789/join', 'https://us05web.zoom.us/wc/123/start', 'https://zoom.us/wc/1'],
      no: [...lookalikes('zoom.us'), 'https://evilzoom.us/wc', 'https://zoom.us.attacker.io/wc'],
    },
  },
  {
    adapter: webex,
    fixture: 'webex.html',
    videos: [
      { video: 'remote-video', tile: '[data-test="video-tile"][aria-label="Video of Barbara Liskov"]', name: 'Barbara Liskov', self: null },
      { video: 'self-video', tile: '[data-test="self-view"]', name: 'Your video preview', self: true },
      // No name: the "Pin" button's label is not the participant's name.
      { video: 'unnamed-video', tile: '#unnamed-tile', name: null, self: null },
      { video: 'stray-video', tile: null },
    ],
    setRemoteName: setText('[aria-label="Video of Barbara Liskov"] [data-test="participant-name"]'),
    urls: {
      yes: ['https://acme.webex.com/meet/jdoe', 'https://web.webex.com/meeting', 'https://webex.com/'],
      no: [...lookalikes('webex.com'), 'https://notwebex.com/', 'https://webex.com.attacker.io/'],
    },
  },
  {
    adapter: whereby,
    fixture: 'whereby.html',
    videos: [
      { video: 'remote-video', tile: '[data-testid="videoTile"]', name: 'Margaret Hamilton', self: false },
      { video: 'self-video', tile: '[data-testid="localVideoTile"]', name: 'Radia Perlman (you)', self: true },
      { video: 'legacy-self-video', tile: '[data-clientid="local"]', name: 'Radia', self: true },
      { video: 'unknown-video', tile: '[data-clientid="e5f6-remote"]', name: null, self: null },
      { video: 'stray-video', tile: null },
    ],
    setRemoteName: setText('[data-testid="videoTile"] [data-testid="clientName"]'),
    urls: {
      yes: ['https://whereby.com/standup', 'https://acme.whereby.com/room'],
      no: [...lookalikes('whereby.com'), 'https://fakewhereby.com/room'],
    },
  },
  {
    adapter: jitsiMeet,
    fixture: 'jitsi-meet.html',
    videos: [
      { video: 'remote-video', tile: '#participant_1a2b3c4d', name: 'John McCarthy', self: false },
      { video: 'remote-video-2', tile: '#participant_9f8e7d6c', name: 'Barbara McClintock', self: false },
      { video: 'self-video', tile: '#localVideoContainer', name: 'Me (Frances Allen)', self: true },
      { video: 'largeVideo', tile: '#largeVideoContainer', name: 'Main stage', self: null },
      { video: 'stray-video', tile: null },
    ],
    setRemoteName: setText('#participant_1a2b3c4d .displayname'),
    urls: {
      yes: ['https://meet.jit.si/MyRoom', 'https://8x8.vc/vpaas-magic-cookie-123/room'],
      no: [...lookalikes('meet.jit.si'), 'https://jit.si/room', 'https://evil8x8.vc/room', 'https://8x8.vc.attacker.io/'],
    },
  },
  {
    adapter: generic,
    fixture: 'generic.html',
    videos: [
      { video: 'remote-video', tile: '.tile.remote', name: 'Donald Knuth', self: null },
      { video: 'self-video', tile: '.tile.self', name: 'Sophie Wilson', self: null },
      { video: 'titled-video', tile: '[title="Bjarne Stroustrup"]', name: 'Bjarne Stroustrup', self: null },
      { video: 'unlabelled-video', tile: '.unlabelled-wrapper > .plain', name: null, self: null },
      { video: 'named-inner-video', tile: '[data-name="Anita Borg"]', name: 'Anita Borg', self: null },
    ],
    setRemoteName: setAttr('.tile.remote', 'aria-label'),
    urls: { yes: ['https://calls.example.org/room/1', 'http://localhost:3000/'], no: [] },
  },
];

/** A hostile or clumsy name: long, with newlines, tabs and runs of spaces. */
const MESSY = `  \n\tJean-Baptiste \n\n Emmanuel\t\tZorg   ${'the Magnificent   '.repeat(12)}  `;
const MESSY_CLEAN = MESSY.replace(/\s+/g, ' ').trim().slice(0, 80);

for (const site of CASES) {
  describe(`${site.adapter.siteName} adapter (${site.fixture})`, () => {
    beforeEach(() => {
      document.body.innerHTML = readFileSync(join(FIXTURES, site.fixture), 'utf8');
    });

    it('has a fixture marked as hand-written', () => {
      const html = readFileSync(join(FIXTURES, site.fixture), 'utf8');
      expect(html.trimStart().startsWith('<!--')).toBe(true);
      expect(html.slice(0, 400)).toMatch(/hand-written/i);
      expect(html.slice(0, 400)).toMatch(/not captured/i);
    });

    for (const v of site.videos) {
      it(`finds the tile${v.tile ? `, name and self-view of #${v.video}` : ` of #${v.video}: none`}`, () => {
        const tile = site.adapter.tileOf(byId(v.video));
        if (v.tile === null) {
          expect(tile).toBeNull();
          return;
        }
        expect(tile).toBe(one(v.tile));
        if (!tile) return;
        expect(site.adapter.displayName(tile)).toBe(v.name);
        expect(site.adapter.isSelfView(tile)).toBe(v.self);
      });
    }

    it('tells the remote tile from the self tile where it knows', () => {
      const self = site.videos.filter((v) => v.self === true);
      const remote = site.videos.filter((v) => v.tile !== null && v.self !== true);
      if (site.adapter !== generic) expect(self.length).toBeGreaterThan(0);
      expect(remote.length).toBeGreaterThan(0);
      const tiles = site.videos.filter((v) => v.tile !== null).map((v) => site.adapter.tileOf(byId(v.video)));
      // Each video has its own tile.
      expect(new Set(tiles).size).toBe(tiles.length);
    });

    it('bounds names to 80 characters and collapses their whitespace', () => {
      site.setRemoteName(MESSY);
      const remote = site.videos[0];
      if (!remote) throw new Error('no remote video case');
      const tile = site.adapter.tileOf(byId(remote.video));
      expect(tile).not.toBeNull();
      const name = tile ? site.adapter.displayName(tile) : null;
      expect(name).toBe(MESSY_CLEAN);
      expect(name?.length).toBeLessThanOrEqual(80);
      expect(name).not.toMatch(/\s\s|[\n\t]/);
      expect(name?.startsWith('Jean-Baptiste Emmanuel Zorg the Magnificent')).toBe(true);
    });

    it('only reads the page, never changes it', () => {
      const before = document.body.innerHTML;
      for (const v of site.videos) {
        const tile = site.adapter.tileOf(byId(v.video));
        if (tile) {
          site.adapter.displayName(tile);
          site.adapter.isSelfView(tile);
        }
      }
      expect(document.body.innerHTML).toBe(before);
    });

    it('matches its own URLs and not lookalikes', () => {
      for (const url of site.urls.yes) {
        expect(site.adapter.matches(new URL(url)), url).toBe(true);
        expect(adapterFor(new URL(url)), url).toBe(site.adapter);
        expect(isBuiltInSite(new URL(url)), url).toBe(site.adapter !== generic);
      }
      for (const url of site.urls.no) {
        expect(site.adapter.matches(new URL(url)), url).toBe(false);
        expect(adapterFor(new URL(url)), url).not.toBe(site.adapter);
      }
    });
  });
}

describe('adapterFor / isBuiltInSite', () => {
  it('falls back to the generic adapter for unknown sites', () => {
    for (const url of ['https://example.com/', 'https://evil-meet.google.com.attacker.io/', 'https://calls.example.org/x', 'http://127.0.0.1:8080/']) {
      expect(adapterFor(new URL(url))).toBe(generic);
      expect(isBuiltInSite(new URL(url))).toBe(false);
    }
  });

  it('lists every built-in adapter once, with distinct ids, and not the generic one', () => {
    expect(SITE_ADAPTERS).toHaveLength(6);
    expect(new Set(SITE_ADAPTERS.map((a) => a.id)).size).toBe(SITE_ADAPTERS.length);
    expect(SITE_ADAPTERS).not.toContain(generic);
    for (const a of [googleMeet, microsoftTeams, zoom, webex, whereby, jitsiMeet]) expect(SITE_ADAPTERS).toContain(a);
  });

  it('gives each built-in URL to exactly one adapter', () => {
    for (const site of CASES.filter((c) => c.adapter !== generic))
      for (const url of site.urls.yes) expect(SITE_ADAPTERS.filter((a) => a.matches(new URL(url)))).toEqual([site.adapter]);
  });
});

describe('cleanName', () => {
  it('bounds a name to 80 characters', () => {
    expect(cleanName('a'.repeat(200))).toHaveLength(80);
    expect(cleanName('Ada')).toBe('Ada');
  });
});

describe('generic adapter across shadow roots', () => {
  it('finds the labelled tile that hosts a shadow root holding the video', () => {
    document.body.innerHTML = '<div class="tile" data-name="Shadow Sam"></div>';
    const host = document.querySelector('.tile')!;
    const shadow = host.attachShadow({ mode: 'open' });
    const video = document.createElement('video');
    shadow.append(video);
    const tile = generic.tileOf(video);
    expect(tile).toBe(host);
    expect(generic.displayName(tile!)).toBe('Shadow Sam');
  });
});
