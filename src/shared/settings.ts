/**
 * Settings: the user's own (in `chrome.storage.local` under 'settings', readable by the background, the popup, the
 * options page and content scripts) under an organisation's policy (`chrome.storage.managed`, read-only, described
 * by public/managed-schema.json). Effective settings = defaults ← user ← policy, field by field; a field the policy
 * sets is "managed" and the user cannot change it.
 *
 * Nothing read from storage is trusted as typed: an older version stored fewer fields, another context may have
 * written something odd, and a policy is typed by a person. Every field is checked on its own; a bad stored value
 * falls back to the default, a bad policy value is ignored and reported (`policyErrors`) so the options page can
 * show the administrator what went wrong instead of silently running with something else.
 */
import { validateChannels } from '../core/fraud-channels';
import { isRecord } from './guards';
import { DEFAULT_SETTINGS, type FraudChannel, type Sensitivity, type Settings } from './types';

const KEY = 'settings';

/** True only in the end-to-end build, where the test's report endpoint is a plain-http loopback server. */
const E2E: boolean = typeof __UNMASK_E2E__ === 'boolean' && __UNMASK_E2E__;

export type SettingsKey = keyof Settings;

export interface EffectiveSettings {
  settings: Settings;
  /** Fields set by policy: shown, but not changeable. */
  managed: SettingsKey[];
  /** Policy values that were ignored, and why, in words for the options page. */
  policyErrors: string[];
}

export const SENSITIVITIES: readonly Sensitivity[] = ['low', 'standard', 'high'];
export const MAX_RETENTION_DAYS = 3650;
export const MAX_ENDPOINT_LENGTH = 2000;
/** More sites than anyone turns on by hand; keeps a bad write from filling storage. */
export const MAX_SITES = 500;

/** Names for messages the user (or an administrator) reads. */
export const SETTING_LABELS: Readonly<Record<SettingsKey, string>> = {
  extraSites: 'Extra sites',
  disabledSites: 'Turned-off meeting sites',
  showOverlay: 'Overlay badges',
  sensitivity: 'Sensitivity',
  notifications: 'Notifications',
  reportEndpoint: 'Organisation report endpoint',
  autoSendReports: 'Send reports automatically',
  retentionDays: 'Report retention',
  country: 'Country',
  fraudChannels: 'Fraud reporting channels',
};

const SETTING_KEYS = Object.keys(DEFAULT_SETTINGS) as SettingsKey[];
const isSettingsKey = (key: string): key is SettingsKey => (SETTING_KEYS as string[]).includes(key);

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Why a report endpoint is not acceptable, or null. Reports are evidence about people, so they only go out over
 * https, to an address without embedded credentials (they would sit in storage and in exports in clear).
 * `allowLoopbackHttp` admits plain http to this machine only, for the end-to-end tests' local server.
 */
export function endpointError(url: string, allowLoopbackHttp: boolean): string | null {
  if (url.length > MAX_ENDPOINT_LENGTH) return `the address is longer than ${MAX_ENDPOINT_LENGTH} characters`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'the address is not a valid URL';
  }
  const loopbackHttp = allowLoopbackHttp && parsed.protocol === 'http:' && LOOPBACK_HOSTS.has(parsed.hostname);
  if (parsed.protocol !== 'https:' && !loopbackHttp) return 'the address must start with https://';
  if (!parsed.hostname) return 'the address has no host';
  if (parsed.username || parsed.password) return 'the address must not contain a user name or password';
  return null;
}

/** `https://example.com` style: an http(s) URL that is exactly its own origin (no path, no trailing slash). */
export function isSiteOrigin(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > MAX_ENDPOINT_LENGTH) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}

const HOST_LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOSTNAME = new RegExp(`^(?=.{1,253}$)${HOST_LABEL}(?:\\.${HOST_LABEL})*$`);

/** A lower-case DNS hostname (what `URL.hostname` gives for a meeting site), e.g. "meet.google.com". */
export function isHostname(value: unknown): value is string {
  return typeof value === 'string' && HOSTNAME.test(value);
}

type Checked<T> = { ok: true; value: T } | { ok: false; error: string };
type Check<T> = (value: unknown, allowLoopbackHttp: boolean) => Checked<T>;

const bool =
  (): Check<boolean> =>
  (v) =>
    typeof v === 'boolean' ? { ok: true, value: v } : { ok: false, error: 'must be true or false' };

/** A bad value, quoted briefly for an error message (it may be anything, and long). */
function describe(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) as string | undefined) ?? typeof value;
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function stringList(item: (v: unknown) => v is string, what: string): Check<string[]> {
  return (v) => {
    if (!Array.isArray(v)) return { ok: false, error: 'must be a list' };
    if (v.length > MAX_SITES) return { ok: false, error: `at most ${MAX_SITES} entries are allowed` };
    // `find` gives undefined both for "none" and for a bad undefined entry, hence the index.
    const badAt = (v as unknown[]).findIndex((x) => !item(x));
    if (badAt >= 0) return { ok: false, error: `${describe((v as unknown[])[badAt])} is not ${what}` };
    return { ok: true, value: [...new Set(v as string[])] };
  };
}

/** One check per field; `validateSettingsPatch`, stored settings and policy all go through these. */
const CHECKS: { [K in SettingsKey]: Check<Settings[K]> } = {
  extraSites: stringList(isSiteOrigin, 'an http(s) origin such as https://example.com'),
  disabledSites: stringList(isHostname, 'a lower-case hostname such as meet.google.com'),
  showOverlay: bool(),
  notifications: bool(),
  autoSendReports: bool(),
  sensitivity: (v) =>
    typeof v === 'string' && (SENSITIVITIES as readonly string[]).includes(v)
      ? { ok: true, value: v as Sensitivity }
      : { ok: false, error: `must be one of ${SENSITIVITIES.join(', ')}` },
  retentionDays: (v) =>
    Number.isInteger(v) && (v as number) >= 0 && (v as number) <= MAX_RETENTION_DAYS
      ? { ok: true, value: v as number }
      : { ok: false, error: `must be a whole number of days from 0 (keep until deleted) to ${MAX_RETENTION_DAYS}` },
  reportEndpoint: (v, allowLoopbackHttp) => {
    if (typeof v !== 'string') return { ok: false, error: 'must be text' };
    if (v === '') return { ok: true, value: '' };
    const error = endpointError(v, allowLoopbackHttp);
    return error ? { ok: false, error } : { ok: true, value: v };
  },
  country: (v) =>
    v === '' || (typeof v === 'string' && /^[A-Z]{2}$/.test(v))
      ? { ok: true, value: v }
      : { ok: false, error: 'must be empty (from the browser language) or a two-letter country code such as GB' },
  fraudChannels: (v) => {
    if (v === null) return { ok: true, value: null };
    const checked = validateChannels(v);
    return checked.ok ? { ok: true, value: checked.rows } : { ok: false, error: checked.error };
  },
};

function checkField<K extends SettingsKey>(key: K, value: unknown, allowLoopbackHttp: boolean): Checked<Settings[K]> {
  return (CHECKS[key] as Check<Settings[K]>)(value, allowLoopbackHttp);
}

/**
 * Checks a change the user (or a context on the user's behalf) wants to save. Every field must be known and valid;
 * the first problem is returned, in words, prefixed with the setting's name.
 */
export function validateSettingsPatch(
  patch: unknown,
  allowLoopbackHttp: boolean = E2E,
): { ok: true; patch: Partial<Settings> } | { ok: false; error: string } {
  if (!isRecord(patch)) return { ok: false, error: 'Settings must be an object' };
  const clean: Partial<Record<SettingsKey, unknown>> = {};
  for (const [key, value] of Object.entries(patch)) {
    if (!isSettingsKey(key)) return { ok: false, error: `Unknown setting "${key.slice(0, 60)}"` };
    const checked = checkField(key, value, allowLoopbackHttp);
    if (!checked.ok) return { ok: false, error: `${SETTING_LABELS[key]}: ${checked.error}` };
    clean[key] = checked.value;
  }
  return { ok: true, patch: clean as Partial<Settings> };
}

/**
 * The valid part of what is stored for the user. Lists of sites keep their valid entries (one odd entry should not
 * switch off every site the user added); any other invalid or unknown field is dropped, so its default applies.
 */
export function sanitizeUserSettings(user: unknown, allowLoopbackHttp: boolean = E2E): Partial<Settings> {
  if (!isRecord(user)) return {};
  const clean: Partial<Record<SettingsKey, unknown>> = {};
  for (const key of SETTING_KEYS) {
    if (!(key in user)) continue;
    let value = user[key];
    if ((key === 'extraSites' || key === 'disabledSites') && Array.isArray(value)) {
      const item = key === 'extraSites' ? isSiteOrigin : isHostname;
      value = (value as unknown[]).filter(item).slice(0, MAX_SITES);
    }
    const checked = checkField(key, value, allowLoopbackHttp);
    if (checked.ok) clean[key] = checked.value;
  }
  return clean as Partial<Settings>;
}

/** Defaults ← user ← policy, each input checked field by field (see the file's comment). */
export function mergeSettings(user: unknown, policy: unknown, allowLoopbackHttp: boolean = E2E): EffectiveSettings {
  const settings: Settings = { ...DEFAULT_SETTINGS, ...sanitizeUserSettings(user, allowLoopbackHttp) };
  const managed: SettingsKey[] = [];
  const policyErrors: string[] = [];
  const fields = settings as unknown as Record<SettingsKey, unknown>;
  if (isRecord(policy)) {
    for (const [key, value] of Object.entries(policy)) {
      if (!isSettingsKey(key)) {
        policyErrors.push(`Policy "${key.slice(0, 60)}" ignored: Unmask has no such setting`);
        continue;
      }
      const checked = checkField(key, value, allowLoopbackHttp);
      if (!checked.ok) {
        policyErrors.push(`Policy "${key}" ignored: ${checked.error}`);
        continue;
      }
      fields[key] = checked.value;
      managed.push(key);
    }
  } else if (policy !== undefined && policy !== null) {
    policyErrors.push('Policy ignored: it is not an object');
  }
  // Copies, so that a caller editing the result cannot change the defaults' arrays.
  settings.extraSites = [...settings.extraSites];
  settings.disabledSites = [...settings.disabledSites];
  settings.fraudChannels = settings.fraudChannels?.map((row): FraudChannel => ({ ...row })) ?? null;
  return { settings, managed, policyErrors };
}

async function readUser(): Promise<unknown> {
  return (await chrome.storage.local.get(KEY))[KEY];
}

/** The policy, or none: `storage.managed` is missing in some contexts and fails where no policy service exists. */
async function readPolicy(): Promise<unknown> {
  try {
    const area = (chrome.storage as Partial<typeof chrome.storage> | undefined)?.managed;
    return area ? await area.get(null) : {};
  } catch {
    return {};
  }
}

export async function loadEffectiveSettings(): Promise<EffectiveSettings> {
  const [user, policy] = await Promise.all([readUser(), readPolicy()]);
  return mergeSettings(user, policy);
}

/** The effective settings (defaults ← user ← policy). */
export async function loadSettings(): Promise<Settings> {
  return (await loadEffectiveSettings()).settings;
}

/** Saves run one after another within a context, so two quick changes do not overwrite each other's fields. */
let saving: Promise<unknown> = Promise.resolve();

/**
 * Validates and stores a change to the user's settings and returns the effective settings. Throws (nothing stored)
 * if a field is invalid, or if it is managed by policy: the organisation's value wins, and pretending to save the
 * user's would be a lie.
 */
export function saveSettings(patch: Partial<Settings>): Promise<Settings> {
  const run = saving.then(() => save(patch));
  saving = run.catch(() => undefined);
  return run;
}

async function save(patch: unknown): Promise<Settings> {
  const checked = validateSettingsPatch(patch);
  if (!checked.ok) throw new Error(checked.error);
  const [user, policy] = await Promise.all([readUser(), readPolicy()]);
  const { managed } = mergeSettings(user, policy);
  const locked = (Object.keys(checked.patch) as SettingsKey[]).filter((key) => managed.includes(key));
  if (locked.length)
    throw new Error(`${locked.map((key) => SETTING_LABELS[key]).join(', ')}: set by your organisation, so it cannot be changed here`);
  const next = { ...sanitizeUserSettings(user), ...checked.patch };
  await chrome.storage.local.set({ [KEY]: next });
  return mergeSettings(next, policy).settings;
}

/**
 * Calls `listener` with the effective settings whenever the user's settings or the policy change, until `signal`
 * aborts. Settings are re-read on each change (the policy and the user's settings combine), and only the newest
 * read is delivered, so a slow read cannot hand over older settings after newer ones.
 */
export function onSettingsChanged(listener: (settings: Settings, effective: EffectiveSettings) => void, signal: AbortSignal): void {
  let latest = 0;
  const handler = (changes: Record<string, chrome.storage.StorageChange>, area: string): void => {
    if (!((area === 'local' && changes[KEY]) || area === 'managed')) return;
    const ticket = ++latest;
    void loadEffectiveSettings()
      .then((effective) => {
        if (ticket === latest && !signal.aborted) listener(effective.settings, effective);
      })
      .catch((error: unknown) => console.warn('Unmask could not read settings:', error));
  };
  chrome.storage.onChanged.addListener(handler);
  signal.addEventListener('abort', () => chrome.storage.onChanged.removeListener(handler), { once: true });
}

/**
 * Whether a built-in meeting site's host is turned off. An entry covers its subdomains too, so "zoom.us" (what the
 * options page and a policy write) turns off every Zoom host, and "app.zoom.us" (what the popup writes) just that one.
 */
export function hostDisabled(hostname: string, disabledSites: readonly string[]): boolean {
  return disabledSites.some((entry) => hostname === entry || hostname.endsWith(`.${entry}`));
}

/** Whether Unmask analyses a page at this URL, given the settings (built-in sites unless disabled, plus extra sites). */
export function siteEnabled(url: URL, builtIn: boolean, settings: Settings): boolean {
  return builtIn ? !hostDisabled(url.hostname, settings.disabledSites) : settings.extraSites.includes(url.origin);
}
