/**
 * Background service worker: the hub of per-tab state, engine tokens, settings and the toolbar badge. No models run
 * here (a service worker cannot start workers and is stopped when idle); see docs/architecture.md.
 */
import browser, { type Runtime } from 'webextension-polyfill';
import contentScriptLoader from '../content/main.ts?script';
import modelRelease from '../../models/face-swap/release.json';
import { reportParticipants } from '../core/call-log';
import { NotifyPolicy } from '../core/notify-policy';
import { Outbox, DEFAULT_OUTBOX_TIMING } from '../core/outbox';
import { buildExport, MAX_KEY_FRAMES, stripMeetingUrl } from '../core/report-format';
import { openReportStore, type ReportStore } from '../core/report-store';
import { isBuiltInSite } from '../core/sites';
import type { BackgroundRequest, BackgroundRequests, ContentCommand, KeyFramesReply, PopupPush, SiteAccess } from '../shared/messages';
import { isBackgroundRequest, isChallengeReply, isKeyFramesReply, PANEL_PORT, POPUP_PORT } from '../shared/messages';
import { REPORT_FORMAT, REPORT_SCHEMA_VERSION, type CallReport } from '../shared/report-types';
import { hostDisabled, loadEffectiveSettings, loadSettings, onSettingsChanged, saveSettings, siteEnabled } from '../shared/settings';
import type { Settings, TabState } from '../shared/types';
import { CallLogs } from './call-logs';
import { EngineTokens } from './engine-tokens';
import { senderMayRequest } from './sender-check';
import { TabRegistry } from './tab-registry';
import { badgeFor } from './toolbar-badge';

const EXTRA_SITES_SCRIPT_ID = 'unmask-extra-sites';
const registry = new TabRegistry();
const callLogs = new CallLogs();
const notifyPolicy = new NotifyPolicy();
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
    await callLogs.record(tabId, sender.url ?? '', request.participants);
    await showBadge(tabId, state);
    await notify(tabId, state);
    if (request.participants.length === 0) scheduleEngineIdleCheck();
    return { ok: true };
  },
  'tab/challenge-result': async (request, sender) => {
    await callLogs.recordChallenge(sender.tab?.id ?? -1, request.challenge);
    return { ok: true };
  },
  'panel/challenge': async (request) => {
    const command: ContentCommand = { type: 'content/challenge', participantId: request.participantId, action: request.action, steps: request.steps ?? null };
    const reply: unknown = await chrome.tabs.sendMessage(request.tabId, command).catch(() => null);
    // The answer comes from the call page's renderer: checked before it is believed.
    if (!isChallengeReply(reply)) return { ok: false, error: 'Unmask is not running in that tab (reload the call page).' };
    return reply.ok ? { ok: true } : { ok: false, error: reply.error };
  },
  'panel/get-state': async (request) => ({ state: await registry.get(request.tabId) }),
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
    const [state, { settings, managed }, tab] = await Promise.all([
      registry.get(request.tabId),
      loadEffectiveSettings(),
      chrome.tabs.get(request.tabId).catch(() => null),
    ]);
    return { state, settings, managed, site: siteAccess(tab?.url ?? state?.url, settings) };
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
    try {
      return await setSiteEnabled(request);
    } catch (error) {
      // Invalid, or set by the organisation's policy: say so rather than pretend.
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  },

  'popup/set-overlay': async (request) => {
    // Content scripts follow the setting through storage.onChanged. Refused when the organisation's policy sets it.
    try {
      await saveSettings({ showOverlay: request.show });
      return { ok: true };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  },
  'report/draft': async (request) => {
    const log = request.callId !== undefined ? await callLogs.byId(request.callId) : await callLogs.forTab(request.tabId ?? -1);
    if (!log)
      return {
        ok: false,
        error:
          'Unmask has no record of a call here. It keeps a record of each call from the first participant it sees, until the browser closes (ended calls: for a day).',
      };
    const where = stripMeetingUrl(log.url);
    if (!where) return { ok: false, error: 'This call was not on a web page Unmask can report.' };
    const ongoing = log.tabId !== null && ((await registry.get(log.tabId))?.participants.length ?? 0) > 0;
    const report: CallReport = {
      format: REPORT_FORMAT,
      schemaVersion: REPORT_SCHEMA_VERSION,
      id: crypto.randomUUID(),
      createdAt: Date.now(),
      call: { ...where, startedAt: log.startedAt, endedAt: ongoing ? null : log.lastActiveAt },
      participants: reportParticipants(log),
      challenges: [...log.challenges],
      versions: {
        extension: chrome.runtime.getManifest().version,
        model: { name: modelRelease.model, version: modelRelease.version, releasedForVerdicts: modelRelease.liveVerdicts },
        userAgent: navigator.userAgent,
      },
      keyFrames: [],
      note: '',
    };
    return { ok: true, report, stills: log.tabId === null ? [] : await stillsOf(log.tabId), ongoing };
  },
  'report/calls': async () => {
    const calls = await callLogs.list();
    return {
      calls: calls.map(({ log, ongoing }) => ({
        callId: log.id,
        tabId: log.tabId,
        site: stripMeetingUrl(log.url)?.site ?? '',
        startedAt: log.startedAt,
        lastActiveAt: log.lastActiveAt,
        participantCount: log.participants.length,
        ongoing,
      })),
    };
  },
  'report/saved': async (request) => {
    const settings = await loadSettings();
    if (!settings.autoSendReports || !settings.reportEndpoint) return { queued: false };
    return { queued: await queueReport(request.reportId, settings.reportEndpoint) };
  },
  'report/send': async (request) => {
    const settings = await loadSettings();
    if (!settings.reportEndpoint) return { ok: false, error: 'No organisation endpoint is set (Unmask settings, "Reports").' };
    return (await queueReport(request.reportId, settings.reportEndpoint)) ? { ok: true } : { ok: false, error: 'That report is not saved on this computer.' };
  },
};

/** The stills a tab's content script kept. It runs in the call page's renderer, so its answer is validated. */
async function stillsOf(tabId: number): Promise<KeyFramesReply['frames']> {
  const reply: unknown = await chrome.tabs.sendMessage(tabId, { type: 'content/key-frames' } satisfies ContentCommand).catch(() => null);
  if (!isKeyFramesReply(reply)) return [];
  // A report holds at most MAX_KEY_FRAMES stills: the riskiest first (a crowded call has more than that).
  return [...reply.frames].sort((a, b) => (b.score ?? -1) - (a.score ?? -1)).slice(0, MAX_KEY_FRAMES);
}

// ---------------------------------------------------------------------------------------------------------------
// Reports: the organisation outbox and retention

/**
 * A lazily started promise that is kept once started and forgotten if it fails, so that the next call tries again
 * (a storage error now should not poison every later request). `set` replaces the kept value.
 */
function retryingCache<T>(start: () => Promise<T>): { get: () => Promise<T>; set: (value: T) => void } {
  let kept: Promise<T> | null = null;
  return {
    get: () => {
      kept ??= start().catch((error: unknown) => {
        kept = null;
        throw error;
      });
      return kept;
    },
    set: (value) => {
      kept = Promise.resolve(value);
    },
  };
}

const reportStoreCache = retryingCache(openReportStore);
const reportStore = (): Promise<ReportStore> => reportStoreCache.get();

/**
 * Test builds use short timings so that the end-to-end test can watch a failure, a timeout and a success in turn;
 * the behaviour is otherwise the same (and the queue logic is unit-tested with the real timings' shape).
 */
const OUTBOX_TIMING = __UNMASK_E2E__ ? { timeoutMs: 1500, backoff: { baseMs: 500, maxMs: 4000 }, leaseMs: 5000 } : DEFAULT_OUTBOX_TIMING;
const OUTBOX_ALARM = 'unmask-outbox';
const RETENTION_ALARM = 'unmask-retention';
let outboxPromise: Promise<Outbox> | null = null;
function outbox(): Promise<Outbox> {
  outboxPromise ??= reportStore().then(
    (store) =>
      new Outbox(store, {
        fetch: (input, init) => fetch(input, init),
        now: Date.now,
        random: Math.random,
        // Every attempt sends the same bytes (exportedAt = the report's creation), so a receiver may compare them.
        body: async (reportId) => {
          const report = await store.get(reportId);
          if (!report) throw new Error('report deleted');
          return JSON.stringify(await buildExport(report, report.createdAt));
        },
        ...OUTBOX_TIMING,
      }),
  );
  return outboxPromise;
}

async function queueReport(reportId: string, endpoint: string): Promise<boolean> {
  const store = await reportStore();
  if (!(await store.meta(reportId))) return false;
  await (await outbox()).enqueue(reportId, endpoint);
  void flushOutbox();
  return true;
}

let retryTimer: ReturnType<typeof setTimeout> | null = null;
/** Sends what is due, then plans the next try: a timer while this worker lives, an alarm in case it is stopped. */
async function flushOutbox(): Promise<void> {
  try {
    const box = await outbox();
    await box.flush();
    const next = await box.nextWakeAt();
    if (retryTimer !== null) clearTimeout(retryTimer);
    retryTimer = null;
    if (next === null) {
      await chrome.alarms.clear(OUTBOX_ALARM);
      return;
    }
    retryTimer = setTimeout(() => void flushOutbox(), Math.max(0, next - Date.now()));
    // Alarms fire at most every 30 s; the timer covers shorter waits while the worker is awake.
    await chrome.alarms.create(OUTBOX_ALARM, { when: Math.max(next, Date.now() + 30_000) });
  } catch (error) {
    console.warn('Unmask: the report outbox could not run:', error);
  }
}

async function applyRetention(): Promise<void> {
  const { retentionDays } = await loadSettings();
  if (retentionDays <= 0) return;
  try {
    await (await reportStore()).deleteOlderThan(Date.now() - retentionDays * 86_400_000);
  } catch (error) {
    console.warn('Unmask: retention could not run:', error);
  }
}

chrome.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === OUTBOX_ALARM) void flushOutbox();
  if (alarm.name === RETENTION_ALARM) void applyRetention();
});
// Back online: whatever waits in the queue goes now rather than at its next planned try.
self.addEventListener('online', () => void flushOutbox());

// ---------------------------------------------------------------------------------------------------------------
// Notifications

/**
 * The effective settings, read once and then kept current by the change listener below: every participant update
 * (about two a second per call tab) consults them, and each fresh read costs two storage round trips.
 */
const settingsCache = retryingCache(loadSettings);
const currentSettings = (): Promise<Settings> => settingsCache.get();

async function notify(tabId: number, state: TabState): Promise<void> {
  const settings = await currentSettings();
  const decisions = notifyPolicy.decide(
    tabId,
    state.participants.map((p) => ({ id: p.id, label: p.label, verdict: p.risk.verdict, verdictsAvailable: p.verdictsAvailable || p.verification?.raised === true })),
    settings,
  );
  for (const d of decisions)
    await chrome.notifications
      .create(`unmask-${tabId}-${d.participantId}-${Date.now()}`, { type: 'basic', iconUrl: 'icons/icon-128.png', title: d.title, message: d.message, priority: 2 })
      .catch(() => undefined);
}

async function setSiteEnabled(request: { tabId: number; origin: string; enabled: boolean }): Promise<{ ok: boolean; error?: string }> {
  const url = new URL(request.origin);
  const settings = await loadSettings();
  if (isBuiltInSite(url)) {
    const disabled = new Set(settings.disabledSites);
    // Turning a site back on also lifts an entry for its parent domain ("zoom.us" covers "app.zoom.us").
    if (request.enabled) for (const entry of [...disabled]) if (hostDisabled(url.hostname, [entry])) disabled.delete(entry);
    if (!request.enabled) disabled.add(url.hostname);
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
}

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

/**
 * Content scripts for the sites the user added, registered dynamically (they need the optional host permission).
 * Runs one at a time: the popup's handler and the settings listener both ask for it after one change, and two
 * interleaved unregister/register pairs would fail with a duplicate script id.
 */
let extraSitesSync: Promise<void> = Promise.resolve();
function syncExtraSiteScripts(): Promise<void> {
  extraSitesSync = extraSitesSync.catch(() => undefined).then(registerExtraSiteScripts);
  return extraSitesSync;
}

async function registerExtraSiteScripts(): Promise<void> {
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
  const page = port.name === POPUP_PORT ? 'popup' : port.name === PANEL_PORT ? 'panel' : null;
  if (!page || !port.sender?.url?.startsWith(`${extensionBase}src/ui/${page}.html`)) {
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

chrome.tabs.onRemoved.addListener((tabId) => {
  void registry.remove(tabId);
  void callLogs.endTab(tabId);
  notifyPolicy.forgetTab(tabId);
});
chrome.runtime.onInstalled.addListener(() => void syncExtraSiteScripts());
// Each time the worker starts: expired reports go, and anything left in the outbox is tried.
void chrome.alarms.create(RETENTION_ALARM, { periodInMinutes: 24 * 60 });
void applyRetention();
void flushOutbox();
// The options page (or a policy update) may change retention or remove added sites without telling the worker.
onSettingsChanged((settings) => {
  settingsCache.set(settings);
  void applyRetention();
  void syncExtraSiteScripts();
}, new AbortController().signal);
chrome.permissions.onRemoved.addListener(() => void syncExtraSiteScripts());

