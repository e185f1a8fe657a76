/**
 * The options page: sensitivity, sites, badges, notifications, reports and fraud-reporting channels.
 *
 * It reads and writes settings through shared/settings directly (an extension page may), so every save goes through
 * the same validation as everywhere else and a field set by the organisation's policy is refused there too; this page
 * only shows such fields disabled and says so. Each field saves on its own and says "Saved" or why not, next to it.
 * Settings can change under the page (the popup, the policy, another options tab): it re-renders from storage, but
 * never over what the user is still typing (the endpoint, the channel table).
 *
 * Text from storage or policy (sites, addresses, channel names) is only ever inserted as text, never as HTML.
 */
import { BUILT_IN_FRAUD_CHANNELS, channelsFor, countryFromLanguage } from '../core/fraud-channels';
import { SITE_ADAPTERS } from '../core/sites';
import {
  hostDisabled,
  loadEffectiveSettings,
  onSettingsChanged,
  saveSettings,
  type EffectiveSettings,
  type SettingsKey,
} from '../shared/settings';
import type { FraudChannel, Sensitivity, Settings } from '../shared/types';

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`options.html lacks #${id}`);
  return el as T;
};

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

let current: EffectiveSettings | null = null;

// ---------------------------------------------------------------------------------------------------------------
// saving, with per-field feedback

/** Saves one field's change and says so next to it (and in #saved); returns whether it was stored. */
async function save(patch: Partial<Settings>, statusId: string, errorId?: string): Promise<boolean> {
  const status = $(statusId);
  const errorEl = errorId ? $(errorId) : status;
  const saved = $('saved');
  status.textContent = 'Saving…';
  status.classList.remove('error', 'ok');
  if (errorEl !== status) errorEl.textContent = '';
  saved.textContent = '';
  try {
    await saveSettings(patch);
    status.textContent = 'Saved';
    status.classList.add('ok');
    saved.textContent = 'Saved';
    return true;
  } catch (error) {
    if (errorEl !== status) status.textContent = '';
    errorEl.textContent = errorText(error);
    errorEl.classList.add('error');
    status.classList.toggle('error', errorEl === status);
    return false;
  }
}

/** Re-reads the settings and renders them (after a failed save, to put a switch back where the settings are). */
async function refresh(): Promise<void> {
  render(await loadEffectiveSettings());
}

/** Saves, and on failure shows the stored value again next to the error (a switch must not claim what is not so). */
async function saveOrRevert(patch: Partial<Settings>, statusId: string): Promise<void> {
  if (!(await save(patch, statusId))) await refresh();
}

/** Event handlers cannot await; a failure still gets logged instead of vanishing. */
function background(task: Promise<unknown>): void {
  task.catch((error: unknown) => console.error('Unmask options:', error));
}

// ---------------------------------------------------------------------------------------------------------------
// managed fields

/** Shows a policy-set field disabled, with its note; a field whose policy was lifted becomes editable again. */
function renderManaged(managed: readonly SettingsKey[]): void {
  for (const container of document.querySelectorAll<HTMLElement>('[data-setting]')) {
    const isManaged = managed.includes(container.dataset.setting as SettingsKey);
    if (isManaged) container.dataset.managed = 'true';
    else delete container.dataset.managed;
    const note = container.querySelector<HTMLElement>('.managed-note');
    if (note) note.hidden = !isManaged;
    for (const control of container.querySelectorAll<HTMLInputElement | HTMLButtonElement | HTMLSelectElement>('input, button, select'))
      control.disabled = isManaged;
  }
}

function renderPolicy(effective: EffectiveSettings): void {
  const { managed, policyErrors } = effective;
  $('policy').hidden = managed.length === 0 && policyErrors.length === 0;
  $('managed-summary').hidden = managed.length === 0;
  $('policy-problems').hidden = policyErrors.length === 0;
  $('policy-errors').replaceChildren(...policyErrors.map((text) => el('li', { textContent: text })));
}

// ---------------------------------------------------------------------------------------------------------------
// sensitivity, switches, reports

function renderSimpleFields(settings: Settings): void {
  for (const level of ['low', 'standard', 'high'] as Sensitivity[]) $<HTMLInputElement>(`sensitivity-${level}`).checked = settings.sensitivity === level;
  $<HTMLInputElement>('overlay').checked = settings.showOverlay;
  $<HTMLInputElement>('notifications').checked = settings.notifications;
  $<HTMLInputElement>('auto-send').checked = settings.autoSendReports;

  const retention = $<HTMLSelectElement>('retention');
  const value = String(settings.retentionDays);
  // A policy (or an older version) may have set a period the list does not offer: show it rather than lie.
  if (![...retention.options].some((o) => o.value === value))
    retention.append(el('option', { value, textContent: `${settings.retentionDays} days` }));
  retention.value = value;

  const endpoint = $<HTMLInputElement>('endpoint');
  // Never overwrite an address the user is editing; otherwise show what is stored.
  if (endpoint.dataset.dirty !== 'true') endpoint.value = settings.reportEndpoint;
}

function wireSimpleFields(): void {
  for (const level of ['low', 'standard', 'high'] as Sensitivity[])
    $<HTMLInputElement>(`sensitivity-${level}`).addEventListener('change', () => {
      background(saveOrRevert({ sensitivity: level }, 'sensitivity-status'));
    });
  const checkbox = (id: string, statusId: string, key: 'showOverlay' | 'notifications' | 'autoSendReports'): void => {
    const input = $<HTMLInputElement>(id);
    input.addEventListener('change', () => {
      background(saveOrRevert({ [key]: input.checked }, statusId));
    });
  };
  checkbox('overlay', 'overlay-status', 'showOverlay');
  checkbox('notifications', 'notifications-status', 'notifications');
  checkbox('auto-send', 'auto-send-status', 'autoSendReports');

  const retention = $<HTMLSelectElement>('retention');
  retention.addEventListener('change', () => {
    background(saveOrRevert({ retentionDays: Number(retention.value) }, 'retention-status'));
  });

  const endpoint = $<HTMLInputElement>('endpoint');
  endpoint.addEventListener('input', () => {
    endpoint.dataset.dirty = 'true';
    $('endpoint-status').textContent = '';
  });
  const saveEndpoint = (): void => {
    const value = endpoint.value.trim();
    background(
      save({ reportEndpoint: value }, 'endpoint-status', 'endpoint-error').then((ok) => {
        if (!ok) return;
        delete endpoint.dataset.dirty;
        endpoint.value = value;
      }),
    );
  };
  $('endpoint-save').addEventListener('click', saveEndpoint);
  endpoint.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') saveEndpoint();
  });
}

// ---------------------------------------------------------------------------------------------------------------
// sites

interface SiteGroup {
  id: string;
  name: string;
  /** Hosts the manifest runs the content script on ("zoom.us" for "*.zoom.us"): what a switch turns off. */
  hosts: string[];
}

/**
 * The built-in meeting sites and their hosts, from the manifest's content-script matches (the one list of where
 * Unmask runs), grouped by site adapter. Matches no adapter claims (the e2e build's test page) are not meeting sites.
 */
function builtInSites(): SiteGroup[] {
  const patterns = chrome.runtime.getManifest().content_scripts?.flatMap((script) => script.matches ?? []) ?? [];
  const groups = new Map<string, SiteGroup>();
  for (const pattern of patterns) {
    const host = /^(?:\*|https?):\/\/(?:\*\.)?([^/*:]+)\//.exec(pattern)?.[1];
    if (!host) continue;
    const adapter = SITE_ADAPTERS.find((a) => a.matches(new URL(`https://${host}/`)));
    if (!adapter) continue;
    const group = groups.get(adapter.id) ?? { id: adapter.id, name: adapter.siteName, hosts: [] };
    if (!group.hosts.includes(host)) group.hosts.push(host);
    groups.set(adapter.id, group);
  }
  // In the order the adapters are tried, which is the order the README lists them.
  return SITE_ADAPTERS.flatMap((a) => groups.get(a.id) ?? []);
}

const SITES = builtInSites();

/** Whether a disabledSites entry concerns this site: one of its hosts or a subdomain of one (the popup's entries). */
const entryOf = (group: SiteGroup, entry: string): boolean => group.hosts.some((h) => entry === h || entry.endsWith(`.${h}`));

function renderSites(settings: Settings): void {
  const list = $('sites');
  list.replaceChildren(
    ...SITES.map((group) => {
      const input = el('input', { type: 'checkbox', id: `site-${group.id}` });
      const fullyOn = !group.hosts.some((h) => hostDisabled(h, settings.disabledSites));
      const offOn = settings.disabledSites.filter((entry) => entryOf(group, entry));
      // On everywhere, off everywhere, or off on some of its hosts only (turned off from the popup on one host).
      input.checked = fullyOn && offOn.length === 0;
      input.indeterminate = offOn.length > 0 && group.hosts.some((h) => !hostDisabled(h, settings.disabledSites));
      input.addEventListener('change', () => background(setSite(group, input.checked)));
      const hosts = el('span', { className: 'muted', textContent: ` ${group.hosts.join(', ')}` });
      const item = el('li', {}, el('label', {}, input, ` ${group.name}`, hosts));
      item.dataset.site = group.id;
      if (input.indeterminate) item.append(el('div', { className: 'muted', textContent: `Off on ${offOn.join(', ')}` }));
      return item;
    }),
  );
}

async function setSite(group: SiteGroup, enabled: boolean): Promise<void> {
  const disabled = (current?.settings ?? (await loadEffectiveSettings()).settings).disabledSites.filter((entry) => !entryOf(group, entry));
  if (!enabled) disabled.push(...group.hosts);
  await saveOrRevert({ disabledSites: disabled }, 'sites-status');
}

function renderExtraSites(settings: Settings, managed: boolean): void {
  $('extra-sites-empty').hidden = settings.extraSites.length > 0;
  $('extra-sites').replaceChildren(
    ...settings.extraSites.map((origin) => {
      const remove = el('button', { type: 'button', className: 'remove', textContent: 'Remove', disabled: managed });
      remove.dataset.origin = origin;
      remove.setAttribute('aria-label', `Remove ${origin}`);
      remove.addEventListener('click', () => background(removeExtraSite(origin)));
      const item = el('li', {}, el('span', { className: 'origin', textContent: origin }), ' ', remove);
      item.dataset.origin = origin;
      return item;
    }),
  );
}

async function removeExtraSite(origin: string): Promise<void> {
  const { settings } = current ?? (await loadEffectiveSettings());
  if (!(await save({ extraSites: settings.extraSites.filter((o) => o !== origin) }, 'extra-sites-status'))) return;
  // Give back the host permission asked for when the site was added: Unmask no longer needs it.
  await chrome.permissions.remove({ origins: [`${origin}/*`] }).catch(() => false);
}

// ---------------------------------------------------------------------------------------------------------------
// fraud-reporting channels

const browserCountry = countryFromLanguage(navigator.language);
const regionNames = ((): Intl.DisplayNames | null => {
  try {
    return new Intl.DisplayNames([navigator.language, 'en'], { type: 'region' });
  } catch {
    return null;
  }
})();
const countryName = (code: string): string => regionNames?.of(code) ?? code;

/** The table as shown and edited; saved only with "Save channels", so a half-typed row is never stored. */
let draft: FraudChannel[] = [];
let draftDirty = false;

function renderCountry(settings: Settings): void {
  const select = $<HTMLSelectElement>('country');
  const table = settings.fraudChannels ?? BUILT_IN_FRAUD_CHANNELS;
  const codes = new Set(table.map((row) => row.country));
  if (settings.country) codes.add(settings.country);
  if (browserCountry) codes.add(browserCountry);
  const fromBrowser = browserCountry ? `From the browser's language (${countryName(browserCountry)})` : "From the browser's language (none)";
  select.replaceChildren(
    el('option', { value: '', textContent: fromBrowser }),
    ...[...codes]
      .sort((a, b) => countryName(a).localeCompare(countryName(b)))
      .map((code) => el('option', { value: code, textContent: `${countryName(code)} (${code})` })),
  );
  select.value = settings.country;

  const country = settings.country || browserCountry;
  const rows = channelsFor(country, table);
  $('country-channels').replaceChildren(
    ...(rows.length
      ? rows.map((row) =>
          el(
            'li',
            {},
            el('a', { href: row.url, target: '_blank', rel: 'noopener noreferrer', textContent: row.name }),
            row.note ? ` — ${row.note}` : '',
          ),
        )
      : [el('li', { className: 'muted', textContent: `No channel is listed for ${country ? countryName(country) : 'your country'}: add one below, or contact your local police.` })]),
  );
}

function renderChannels(settings: Settings, managed: boolean): void {
  if (!draftDirty) draft = (settings.fraudChannels ?? BUILT_IN_FRAUD_CHANNELS).map((row) => ({ ...row }));
  $('channels-source').textContent =
    settings.fraudChannels === null
      ? 'The built-in table (written in November 2026). Edit it to make it your own; "Reset to built-in" brings it back.'
      : 'Your own table.';
  renderChannelRows(managed);
}

function renderChannelRows(managed: boolean): void {
  $('channels-rows').replaceChildren(
    ...draft.map((row, index) => {
      const cell = (field: keyof FraudChannel, props: Partial<HTMLInputElement>): HTMLTableCellElement => {
        const input = el('input', { ...props, value: row[field], disabled: managed, className: `channel-${field}` });
        input.setAttribute('aria-label', `${field} of row ${index + 1}`);
        input.addEventListener('input', () => {
          draft[index] = { ...(draft[index] ?? row), [field]: input.value };
          markChannelsDirty();
        });
        return el('td', {}, input);
      };
      const remove = el('button', { type: 'button', className: 'channel-delete', textContent: 'Delete', disabled: managed });
      remove.setAttribute('aria-label', `Delete row ${index + 1}`);
      remove.addEventListener('click', () => {
        draft.splice(index, 1);
        markChannelsDirty();
        renderChannelRows(managed);
      });
      const tr = el(
        'tr',
        {},
        cell('country', { size: 3, maxLength: 2, spellcheck: false, placeholder: 'GB' }),
        cell('name', { maxLength: 120 }),
        cell('url', { type: 'url', spellcheck: false, placeholder: 'https://…' }),
        cell('note', { maxLength: 200 }),
        el('td', {}, remove),
      );
      tr.dataset.row = String(index);
      return tr;
    }),
  );
}

function markChannelsDirty(): void {
  draftDirty = true;
  $('channels-status').textContent = 'Not saved yet';
  $('channels-status').classList.remove('ok', 'error');
}

function wireChannels(): void {
  const select = $<HTMLSelectElement>('country');
  select.addEventListener('change', () => {
    background(saveOrRevert({ country: select.value }, 'country-status'));
  });
  $('channels-add').addEventListener('click', () => {
    const country = current?.settings.country || browserCountry;
    draft.push({ country, name: '', url: '', note: '' });
    markChannelsDirty();
    renderChannelRows(current?.managed.includes('fraudChannels') ?? false);
    $('channels-rows').querySelector<HTMLInputElement>('tr:last-child .channel-name')?.focus();
  });
  $('channels-save').addEventListener('click', () => {
    // Country codes are compared in capitals; people type them either way.
    const rows = draft.map((row) => ({ ...row, country: row.country.trim().toUpperCase() }));
    background(
      save({ fraudChannels: rows }, 'channels-status', 'channels-error').then((ok) => {
        if (ok) draftDirty = false;
      }),
    );
  });
  $('channels-reset').addEventListener('click', () => {
    background(
      save({ fraudChannels: null }, 'channels-status', 'channels-error').then(async (ok) => {
        if (!ok) return;
        draftDirty = false;
        await refresh();
      }),
    );
  });
}

// ---------------------------------------------------------------------------------------------------------------

function render(effective: EffectiveSettings): void {
  current = effective;
  const { settings, managed } = effective;
  renderSimpleFields(settings);
  renderSites(settings);
  renderExtraSites(settings, managed.includes('extraSites'));
  renderCountry(settings);
  renderChannels(settings, managed.includes('fraudChannels'));
  renderPolicy(effective);
  // Last: it disables the controls just rendered in managed fields.
  renderManaged(managed);
}

async function main(): Promise<void> {
  wireSimpleFields();
  wireChannels();
  render(await loadEffectiveSettings());
  onSettingsChanged((_settings, effective) => render(effective), new AbortController().signal);
  document.body.dataset.ready = 'true';
}

main().catch((error: unknown) => {
  $('saved').textContent = `Unmask could not load its settings: ${errorText(error)}`;
});
