import { DEFAULT_SETTINGS, type Settings } from './types';

/** Settings live in `chrome.storage.local`, readable by the background, the popup and content scripts. */
const KEY = 'settings';

export async function loadSettings(): Promise<Settings> {
  const stored = (await chrome.storage.local.get(KEY))[KEY] as Partial<Settings> | undefined;
  return { ...DEFAULT_SETTINGS, ...(stored ?? {}) };
}

export async function saveSettings(patch: Partial<Settings>): Promise<Settings> {
  const next = { ...(await loadSettings()), ...patch };
  await chrome.storage.local.set({ [KEY]: next });
  return next;
}

export function onSettingsChanged(listener: (settings: Settings) => void, signal: AbortSignal): void {
  const handler = (changes: Record<string, chrome.storage.StorageChange>, area: string): void => {
    if (area === 'local' && changes[KEY]) listener({ ...DEFAULT_SETTINGS, ...((changes[KEY].newValue ?? {}) as Partial<Settings>) });
  };
  chrome.storage.onChanged.addListener(handler);
  signal.addEventListener('abort', () => chrome.storage.onChanged.removeListener(handler), { once: true });
}

/** Whether Unmask analyses a page at this URL, given the settings (built-in sites unless disabled, plus extra sites). */
export function siteEnabled(url: URL, builtIn: boolean, settings: Settings): boolean {
  return builtIn ? !settings.disabledSites.includes(url.hostname) : settings.extraSites.includes(url.origin);
}
