import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BUILT_IN_FRAUD_CHANNELS } from '../../src/core/fraud-channels';
import {
  endpointError,
  hostDisabled,
  loadEffectiveSettings,
  loadSettings,
  mergeSettings,
  onSettingsChanged,
  saveSettings,
  siteEnabled,
  validateSettingsPatch,
} from '../../src/shared/settings';
import { DEFAULT_SETTINGS, type Settings } from '../../src/shared/types';

const ROW = { country: 'GB', name: 'Action Fraud', url: 'https://www.actionfraud.police.uk/', note: '' };

function errorOf(patch: unknown, allowLoopbackHttp?: boolean): string {
  const checked = validateSettingsPatch(patch, allowLoopbackHttp);
  if (checked.ok) throw new Error(`accepted ${JSON.stringify(patch)}`);
  return checked.error;
}

describe('endpointError', () => {
  it('accepts https addresses', () => {
    expect(endpointError('https://reports.example.com/unmask', false)).toBeNull();
    expect(endpointError('https://localhost:8443/in', false)).toBeNull();
  });

  it('refuses plain http, other schemes, credentials, nonsense and very long addresses', () => {
    expect(endpointError('http://reports.example.com/', false)).toContain('https://');
    expect(endpointError('ftp://reports.example.com/', false)).toContain('https://');
    expect(endpointError('javascript:alert(1)', false)).toContain('https://');
    expect(endpointError('https://user:pw@reports.example.com/', false)).toContain('user name or password');
    expect(endpointError('https://user@reports.example.com/', false)).toContain('user name or password');
    expect(endpointError('reports.example.com', false)).toContain('not a valid URL');
    expect(endpointError(`https://example.com/${'a'.repeat(2000)}`, false)).toContain('longer than 2000');
  });

  it('allows plain http only to this machine, and only when the e2e flag is passed', () => {
    for (const url of ['http://127.0.0.1:9000/reports', 'http://localhost:9000/', 'http://[::1]:9000/']) {
      expect(endpointError(url, false)).toContain('https://');
      expect(endpointError(url, true)).toBeNull();
    }
    expect(endpointError('http://127.0.0.2/', true)).toContain('https://');
    expect(endpointError('http://localhost.example.com/', true)).toContain('https://');
    expect(endpointError('http://u:p@127.0.0.1/', true)).toContain('user name or password');
    expect(endpointError('https://token@example.com/r', true)).toContain('user name or password');
    for (const url of ['ftp://example.com/r', 'data:text/plain,x', 'javascript:alert(1)']) expect(endpointError(url, true)).toContain('https://');
    expect(endpointError('', true)).toContain('not a valid URL');
  });
});

describe('validateSettingsPatch', () => {
  it('accepts a valid patch of every field, and an empty one', () => {
    const patch: Settings = {
      extraSites: ['https://calls.example.com', 'http://10.0.0.5:8080'],
      disabledSites: ['meet.google.com', 'zoom.us'],
      showOverlay: false,
      sensitivity: 'high',
      notifications: false,
      reportEndpoint: 'https://soc.example.com/unmask',
      autoSendReports: true,
      retentionDays: 3650,
      country: 'FR',
      fraudChannels: [ROW],
    };
    expect(validateSettingsPatch(patch)).toEqual({ ok: true, patch });
    expect(validateSettingsPatch({})).toEqual({ ok: true, patch: {} });
    expect(validateSettingsPatch({ reportEndpoint: '', country: '', fraudChannels: null, retentionDays: 0 }).ok).toBe(true);
  });

  it('removes duplicate sites', () => {
    expect(validateSettingsPatch({ extraSites: ['https://a.example', 'https://a.example'] })).toEqual({ ok: true, patch: { extraSites: ['https://a.example'] } });
  });

  it('cleans channel rows through the fraud-channel validation', () => {
    expect(validateSettingsPatch({ fraudChannels: [{ ...ROW, name: ' Action Fraud ', extra: 1 }] })).toEqual({ ok: true, patch: { fraudChannels: [ROW] } });
  });

  it.each([
    ['not an object', null, 'must be an object'],
    ['an unknown field', { theme: 'dark' }, 'Unknown setting "theme"'],
    ['a site with a path', { extraSites: ['https://a.example/call'] }, 'Extra sites: "https://a.example/call" is not an http(s) origin'],
    ['a site with another scheme', { extraSites: ['file:///etc'] }, 'Extra sites'],
    ['a site list that is not a list', { extraSites: 'https://a.example' }, 'must be a list'],
    ['a hostname with a scheme', { disabledSites: ['https://meet.google.com'] }, 'Turned-off meeting sites'],
    ['an upper-case hostname', { disabledSites: ['Meet.Google.com'] }, 'lower-case hostname'],
    ['an undefined hostname', { disabledSites: [undefined] }, 'Turned-off meeting sites'],
    ['an unknown sensitivity', { sensitivity: 'paranoid' }, 'Sensitivity: must be one of low, standard, high'],
    ['a boolean as text', { showOverlay: 'false' }, 'Overlay badges: must be true or false'],
    ['a fractional retention', { retentionDays: 1.5 }, 'Report retention'],
    ['a negative retention', { retentionDays: -1 }, 'Report retention'],
    ['a retention over ten years', { retentionDays: 3651 }, 'Report retention'],
    ['an http endpoint', { reportEndpoint: 'http://soc.example.com/' }, 'Organisation report endpoint: the address must start with https://'],
    ['an endpoint with credentials', { reportEndpoint: 'https://a:b@soc.example.com/' }, 'user name or password'],
    ['a lower-case country', { country: 'gb' }, 'Country'],
    ['a three-letter country', { country: 'GBR' }, 'Country'],
    ['a bad channel row', { fraudChannels: [ROW, { ...ROW, url: 'http://x.example/' }] }, 'Fraud reporting channels: row 2'],
    ['too many channel rows', { fraudChannels: Array.from({ length: 201 }, () => ROW) }, 'at most 200'],
  ])('refuses %s', (_what, patch, message) => {
    expect(errorOf(patch)).toContain(message);
  });

  it('admits a loopback http endpoint only with the e2e flag (false in unit tests by default)', () => {
    expect(errorOf({ reportEndpoint: 'http://127.0.0.1:9000/r' })).toContain('https://');
    expect(validateSettingsPatch({ reportEndpoint: 'http://127.0.0.1:9000/r' }, true).ok).toBe(true);
  });
});

describe('mergeSettings', () => {
  it('gives the defaults for nothing stored and no policy', () => {
    expect(mergeSettings(undefined, undefined)).toEqual({ settings: DEFAULT_SETTINGS, managed: [], policyErrors: [] });
    expect(mergeSettings({}, {})).toEqual({ settings: DEFAULT_SETTINGS, managed: [], policyErrors: [] });
  });

  it('fills an older stored object (before sensitivity, reports and channels) from the defaults', () => {
    const old = { extraSites: ['https://calls.example.com'], disabledSites: ['teams.live.com'], showOverlay: false };
    const { settings, managed } = mergeSettings(old, {});
    expect(settings).toEqual({ ...DEFAULT_SETTINGS, ...old });
    expect(managed).toEqual([]);
  });

  it('drops invalid and unknown stored fields rather than trust them', () => {
    const stored = { sensitivity: 'paranoid', retentionDays: '30', reportEndpoint: 'http://evil.example/', showOverlay: 1, junk: true, fraudChannels: [{ bad: 1 }] };
    const { settings } = mergeSettings(stored, {});
    expect(settings).toEqual(DEFAULT_SETTINGS);
    expect('junk' in settings).toBe(false);
  });

  it('keeps the valid sites of a stored list with a bad entry', () => {
    const { settings } = mergeSettings({ extraSites: ['https://ok.example', 42, 'https://bad.example/path'], disabledSites: ['zoom.us', null] }, {});
    expect(settings.extraSites).toEqual(['https://ok.example']);
    expect(settings.disabledSites).toEqual(['zoom.us']);
  });

  it('lets the policy override the user, and lists the keys it sets as managed', () => {
    const user = { sensitivity: 'low', notifications: false, retentionDays: 30 };
    const policy = { sensitivity: 'high', reportEndpoint: 'https://soc.example.com/in', autoSendReports: true, fraudChannels: [ROW] };
    const { settings, managed, policyErrors } = mergeSettings(user, policy);
    expect(settings).toEqual({
      ...DEFAULT_SETTINGS,
      sensitivity: 'high',
      notifications: false,
      retentionDays: 30,
      reportEndpoint: 'https://soc.example.com/in',
      autoSendReports: true,
      fraudChannels: [ROW],
    });
    expect(managed.sort()).toEqual(['autoSendReports', 'fraudChannels', 'reportEndpoint', 'sensitivity']);
    expect(policyErrors).toEqual([]);
  });

  it('ignores invalid policy values, keeps the user value for them, and says why', () => {
    const user = { retentionDays: 30, country: 'IE' };
    const policy = { retentionDays: 99999, reportEndpoint: 'http://soc.example.com/', country: 'ie', sensitivity: 'high', colour: 'red' };
    const { settings, managed, policyErrors } = mergeSettings(user, policy);
    expect(settings.retentionDays).toBe(30);
    expect(settings.reportEndpoint).toBe('');
    expect(settings.country).toBe('IE');
    expect(settings.sensitivity).toBe('high');
    expect(managed).toEqual(['sensitivity']);
    expect(policyErrors).toHaveLength(4);
    expect(policyErrors.join('\n')).toContain('Policy "retentionDays" ignored');
    expect(policyErrors.join('\n')).toContain('Policy "reportEndpoint" ignored: the address must start with https://');
    expect(policyErrors.join('\n')).toContain('Policy "country" ignored');
    expect(policyErrors.join('\n')).toContain('Policy "colour" ignored');
  });

  it('refuses a whole policy list with one bad entry (an administrator should fix it, not get half of it)', () => {
    const { settings, managed, policyErrors } = mergeSettings({ disabledSites: ['webex.com'] }, { disabledSites: ['zoom.us', 'HTTPS://X'] });
    expect(settings.disabledSites).toEqual(['webex.com']);
    expect(managed).toEqual([]);
    expect(policyErrors[0]).toContain('disabledSites');
  });

  it('lets a policy pin the built-in channel table (null) and an empty endpoint', () => {
    const { settings, managed } = mergeSettings({ fraudChannels: [ROW], reportEndpoint: 'https://mine.example/' }, { fraudChannels: null, reportEndpoint: '' });
    expect(settings.fraudChannels).toBeNull();
    expect(settings.reportEndpoint).toBe('');
    expect(managed).toEqual(['fraudChannels', 'reportEndpoint']);
  });

  it('reports a policy that is not an object', () => {
    expect(mergeSettings({}, 'high').policyErrors).toEqual(['Policy ignored: it is not an object']);
  });

  it('hands out copies, never the defaults themselves', () => {
    const { settings } = mergeSettings({}, {});
    settings.extraSites.push('https://x.example');
    expect(DEFAULT_SETTINGS.extraSites).toEqual([]);
  });
});

describe('hostDisabled and siteEnabled', () => {
  it('a disabled entry covers its subdomains, not look-alike domains', () => {
    expect(hostDisabled('app.zoom.us', ['zoom.us'])).toBe(true);
    expect(hostDisabled('zoom.us', ['zoom.us'])).toBe(true);
    expect(hostDisabled('notzoom.us', ['zoom.us'])).toBe(false);
    expect(hostDisabled('meet.google.com', ['app.zoom.us'])).toBe(false);
  });

  it('built-in sites run unless disabled; other sites only when added', () => {
    const settings = { ...DEFAULT_SETTINGS, disabledSites: ['zoom.us'], extraSites: ['https://calls.example.com'] };
    expect(siteEnabled(new URL('https://meet.google.com/abc'), true, settings)).toBe(true);
    expect(siteEnabled(new URL('https://acme.zoom.us/wc/1'), true, settings)).toBe(false);
    expect(siteEnabled(new URL('https://calls.example.com/room'), false, settings)).toBe(true);
    expect(siteEnabled(new URL('https://other.example.com/room'), false, settings)).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// chrome.storage, faked: local (read/write), managed (read-only, may fail), onChanged

type Listener = (changes: Record<string, chrome.storage.StorageChange>, area: string) => void;

function fakeChrome(policy: Record<string, unknown> | Error): { local: Record<string, unknown>; fire: Listener; listeners: Set<Listener> } {
  const local: Record<string, unknown> = {};
  const listeners = new Set<Listener>();
  const fire: Listener = (changes, area) => listeners.forEach((l) => l(changes, area));
  vi.stubGlobal('chrome', {
    storage: {
      local: {
        get: (key: string) => Promise.resolve(key in local ? { [key]: structuredClone(local[key]) } : {}),
        set: (items: Record<string, unknown>) => {
          const changes: Record<string, chrome.storage.StorageChange> = {};
          for (const [k, v] of Object.entries(items)) {
            changes[k] = { oldValue: local[k], newValue: v };
            local[k] = structuredClone(v);
          }
          fire(changes, 'local');
          return Promise.resolve();
        },
      },
      managed: { get: () => (policy instanceof Error ? Promise.reject(policy) : Promise.resolve(structuredClone(policy))) },
      onChanged: { addListener: (l: Listener) => listeners.add(l), removeListener: (l: Listener) => listeners.delete(l) },
    },
  });
  return { local, fire, listeners };
}

describe('storage', () => {
  beforeEach(() => vi.spyOn(console, 'warn').mockImplementation(() => undefined));
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  it('treats an unavailable managed area as no policy', async () => {
    fakeChrome(new Error('managed storage unavailable'));
    expect(await loadEffectiveSettings()).toEqual({ settings: DEFAULT_SETTINGS, managed: [], policyErrors: [] });
  });

  it('saves only the user’s own fields, validated, and returns the effective settings', async () => {
    const { local } = fakeChrome({ sensitivity: 'high' });
    const effective = await saveSettings({ retentionDays: 30 });
    expect(effective).toEqual({ ...DEFAULT_SETTINGS, retentionDays: 30, sensitivity: 'high' });
    expect(local.settings).toEqual({ retentionDays: 30 });
    await expect(saveSettings({ retentionDays: -3 })).rejects.toThrow('Report retention');
    expect(local.settings).toEqual({ retentionDays: 30 });
  });

  it('refuses to change a field set by policy', async () => {
    const { local } = fakeChrome({ reportEndpoint: 'https://soc.example.com/in', showOverlay: true });
    await expect(saveSettings({ reportEndpoint: 'https://mine.example/' })).rejects.toThrow(/set by your organisation/);
    await expect(saveSettings({ showOverlay: true, notifications: false })).rejects.toThrow('Overlay badges: set by your organisation');
    expect(local.settings).toBeUndefined();
    expect((await loadSettings()).reportEndpoint).toBe('https://soc.example.com/in');
  });

  it('cleans an older stored object when saving over it, and keeps quick saves from losing each other', async () => {
    const { local } = fakeChrome({});
    local.settings = { ...DEFAULT_SETTINGS, sensitivity: 'bogus', extraSites: ['https://a.example'], junk: 1 };
    await Promise.all([saveSettings({ notifications: false }), saveSettings({ country: 'NL' })]);
    // The bad sensitivity is dropped (its default applies), the unknown field is gone, both saves landed.
    const expected: Partial<Settings> = { ...DEFAULT_SETTINGS, extraSites: ['https://a.example'], notifications: false, country: 'NL' };
    delete expected.sensitivity;
    expect(local.settings).toEqual(expected);
    expect((await loadSettings()).sensitivity).toBe('standard');
  });

  it('tells listeners the effective settings when the user’s settings or the policy change, until aborted', async () => {
    const policy: Record<string, unknown> = {};
    const { fire, listeners } = fakeChrome(policy);
    const seen: Settings[] = [];
    const lifetime = new AbortController();
    onSettingsChanged((s) => seen.push(s), lifetime.signal);
    await saveSettings({ showOverlay: false });
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    expect(seen[0]?.showOverlay).toBe(false);
    // A policy change: the fake's managed area now answers with the new policy.
    policy.showOverlay = true;
    fire({ showOverlay: { newValue: true } }, 'managed');
    await vi.waitFor(() => expect(seen).toHaveLength(2));
    expect(seen[1]?.showOverlay).toBe(true);
    // Other keys and areas are not settings.
    fire({ tabs: { newValue: 1 } }, 'session');
    fire({ other: { newValue: 1 } }, 'local');
    lifetime.abort();
    expect(listeners.size).toBe(0);
    await new Promise((r) => setTimeout(r, 10));
    expect(seen).toHaveLength(2);
  });

  it('the built-in channel table is what a null table means (nothing is copied into settings)', async () => {
    fakeChrome({});
    expect((await loadSettings()).fraudChannels).toBeNull();
    expect(BUILT_IN_FRAUD_CHANNELS.length).toBeGreaterThan(0);
  });
});
