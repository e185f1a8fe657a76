/**
 * Background service worker: the hub of per-tab state, engine tokens, settings and the toolbar badge. No models run
 * here (a service worker cannot start workers and is stopped when idle); see docs/architecture.md.
 */
import browser, { type Runtime } from 'webextension-polyfill';
import contentScriptLoader from '../content/main.ts?script';
import { isBuiltInSite } from '../core/sites';
import type { BackgroundRequest, BackgroundRequests, ContentCommand, PopupPush, SiteAccess } from '../shared/messages';
import { isBackgroundRequest, POPUP_PORT } from '../shared/messages';
import { loadSettings, saveSettings, siteEnabled } from '../shared/settings';
import type { TabState } from '../shared/types';
import { EngineTokens } from './engine-tokens';
import { senderMayRequest } from './sender-check';
import { TabRegistry } from './tab-registry';
import { badgeFor } from './toolbar-badge';

const EXTRA_SITES_SCRIPT_ID = 'unmask-extra-sites';
const registry = new TabRegistry();
const tokens = new EngineTokens();
const extensionBase = chrome.runtime.getURL('');

type Handlers = {
  [K in keyof BackgroundRequests]: (
    request: Extract<BackgroundRequest, { type: K }>,
    sender: Runtime.MessageSender,
  ) => Promise<BackgroundRequests[K]['response']>;
};

const handlers: Handlers = {
  'tab/participants': async (request, sender) => {
    const tabId = sender.tab?.id ?? -1;
    const state = await registry.update(tabId, sender.url ?? '', request.engine, request.participants);
    await showBadge(tabId, state);
    if (request.participants.length === 0) scheduleEngineIdleCheck();
    return { ok: true };
  },
  'engine/issue-token': (_request, sender) => Promise.resolve({ token: tokens.issue(sender.tab?.id ?? -1) }),
  'engine/redeem-token': (request, sender) => Promise.resolve({ ok: tokens.redeem(request.token, sender.tab?.id ?? -1) }),
  'engine/ensure-offscreen': async () => {
    try {
      await ensureOffscreenEngine();
      return { ok: true };
    } catch (error) {
      return { ok: false, error: String(error) };
    }
  },
  'popup/get-state': async (request) => {
    const [state, settings, tab] = await Promise.all([registry.get(request.tabId), loadSettings(), chrome.tabs.get(request.tabId).catch(() => null)]);
    return { state, settings, site: siteAccess(tab?.url ?? state?.url, settings) };
  },
  'popup/set-tab-enabled': async (request) => {
    await registry.setEnabled(request.tabId, request.enabled);
    await sendToTab(request.tabId, { type: 'content/set-enabled', enabled: request.enabled });
    await showBadge(request.tabId, await registry.get(request.tabId));
    return { ok: true };
  },
  'popup/analyze-tab': async (request) => {
    // Works through `activeTab`: the user opened the popup on this tab, which grants access to it until it navigates.
    try {
      await chrome.scripting.executeScript({ target: { tabId: request.tabId }, files: [contentScriptLoader] });
      return { ok: true };
    } catch (error) {
      return { ok: false, error: `Unmask cannot analyse this tab: ${String(error)}` };
    }
  },
  'popup/set-site-enabled': async (request) => {
    const url = new URL(request.origin);
    const settings = await loadSettings();
    if (isBuiltInSite(url)) {
      const disabled = new Set(settings.disabledSites);
      if (request.enabled) disabled.delete(url.hostname);
      else disabled.add(url.hostname);
      await saveSettings({ disabledSites: [...disabled] });
    } else {
      if (request.enabled && !(await chrome.permissions.contains({ origins: [`${request.origin}/*`] })))
        return { ok: false, error: 'Permission for this site was not granted.' };
      const extra = new Set(settings.extraSites);
      if (request.enabled) extra.add(request.origin);
      else extra.delete(request.origin);
      await saveSettings({ extraSites: [...extra] });
      await syncExtraSiteScripts();
    }
    await sendToTab(request.tabId, { type: 'content/set-enabled', enabled: request.enabled });
    return { ok: true };
  },
  'popup/set-overlay': async (request) => {
    // Content scripts follow the setting through storage.onChanged.
    await saveSettings({ showOverlay: request.show });
    return { ok: true };
  },
};

function siteAccess(rawUrl: string | undefined, settings: Awaited<ReturnType<typeof loadSettings>>): SiteAccess {
  try {
    if (!rawUrl) throw new Error('no url');
    const url = new URL(rawUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('not a web page');
    const builtIn = isBuiltInSite(url);
    return { origin: url.origin, builtIn, enabled: siteEnabled(url, builtIn, settings) };
  } catch {
    return { origin: null, builtIn: false, enabled: false };
  }
}

const OFFSCREEN_URL = 'src/engine/offscreen.html';
/** After the last participant of the last tab goes, the shared engine's memory is given back after this long. */
const ENGINE_IDLE_CLOSE_MS = 20_000;
let offscreenCreating: Promise<void> | null = null;

/** The offscreen document that hosts the one engine of the browser: created once, on demand (one creation in flight). */
async function ensureOffscreenEngine(): Promise<void> {
  const existing = await chrome.runtime.getContexts({ contextTypes: [chrome.runtime.ContextType.OFFSCREEN_DOCUMENT] });
  if (existing.length > 0) return;
  offscreenCreating ??= chrome.offscreen
    .createDocument({
      url: OFFSCREEN_URL,
      reasons: [chrome.offscreen.Reason.WORKERS],
      justification: 'Runs the face models for every tab in one worker, instead of one copy per tab.',
    })
    .finally(() => {
      offscreenCreating = null;
    });
  await offscreenCreating;
}

let idleTimer: ReturnType<typeof setTimeout> | null = null;
function scheduleEngineIdleCheck(): void {
  if (idleTimer !== null) clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    idleTimer = null;
    void registry.totalParticipants().then(async (count) => {
      if (count > 0) return;
      const contexts = await chrome.runtime.getContexts({ contextTypes: [chrome.runtime.ContextType.OFFSCREEN_DOCUMENT] });
      if (contexts.length > 0) await chrome.offscreen.closeDocument().catch(() => undefined);
    });
  }, ENGINE_IDLE_CLOSE_MS);
}

async function sendToTab(tabId: number, command: ContentCommand): Promise<void> {
  // The tab may have no content script (not a call page): nothing to tell then.
  await chrome.tabs.sendMessage(tabId, command).catch(() => undefined);
}

async function showBadge(tabId: number, state: TabState | null): Promise<void> {
  if (tabId < 0) return;
  const badge = badgeFor(state);
  await Promise.all([
    chrome.action.setBadgeText({ tabId, text: badge.text }),
    chrome.action.setBadgeBackgroundColor({ tabId, color: badge.color }),
    chrome.action.setTitle({ tabId, title: badge.title }),
  ]).catch(() => undefined); // the tab may have closed meanwhile
}

/** Content scripts for the sites the user added, registered dynamically (they need the optional host permission). */
async function syncExtraSiteScripts(): Promise<void> {
  const { extraSites } = await loadSettings();
  const granted: string[] = [];
  for (const origin of extraSites) if (await chrome.permissions.contains({ origins: [`${origin}/*`] })) granted.push(`${origin}/*`);
  await chrome.scripting.unregisterContentScripts({ ids: [EXTRA_SITES_SCRIPT_ID] }).catch(() => undefined);
  if (granted.length)
    await chrome.scripting.registerContentScripts([
      { id: EXTRA_SITES_SCRIPT_ID, matches: granted, js: [contentScriptLoader], runAt: 'document_idle', persistAcrossSessions: true },
    ]);
}

browser.runtime.onMessage.addListener((message: unknown, sender: Runtime.MessageSender) => {
  if (!isBackgroundRequest(message)) return undefined; // not ours, or malformed: no answer
  const facts = { id: sender.id, url: sender.url, tabId: sender.tab?.id, frameId: sender.frameId };
  if (!senderMayRequest(message.type, facts, chrome.runtime.id, extensionBase)) {
    console.warn(`Unmask: refused ${message.type} from ${sender.url ?? 'unknown sender'}`);
    return undefined;
  }
  const handler = handlers[message.type] as (m: BackgroundRequest, s: Runtime.MessageSender) => Promise<unknown>;
  return handler(message, sender).catch((error: unknown) => ({ failed: true, error: String(error) }));
});

chrome.runtime.onConnect.addListener((port) => {
  if (port.name !== POPUP_PORT || !port.sender?.url?.startsWith(`${extensionBase}src/ui/popup.html`)) {
    port.disconnect();
    return;
  }
  let watchedTab: number | null = null;
  const stop = registry.onChange((state) => {
    if (state.tabId === watchedTab) port.postMessage({ type: 'tab-state', state } satisfies PopupPush);
  });
  port.onMessage.addListener((message: unknown) => {
    const tabId = (message as { tabId?: unknown } | null)?.tabId;
    if (Number.isInteger(tabId)) watchedTab = tabId as number;
  });
  port.onDisconnect.addListener(stop);
});

chrome.tabs.onRemoved.addListener((tabId) => void registry.remove(tabId));
chrome.runtime.onInstalled.addListener(() => void syncExtraSiteScripts());
chrome.permissions.onRemoved.addListener(() => void syncExtraSiteScripts());

