import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type CDPSession, type Page, type Worker } from 'playwright-core';
import type { TabState } from '../../../src/shared/types';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const E2E_DIST = resolve(root, 'dist-e2e');
import { CHROMIUM_PATH as CHROMIUM } from '../../../scripts/lib/chromium.mjs';

export interface ExtensionBrowser {
  context: BrowserContext;
  extensionId: string;
  serviceWorker: Worker;
  netLogPath: string;
  close(): Promise<void>;
}

/**
 * Launches Debian's Chromium headless with the built extension and, if `clip` is given, a fake camera playing it
 * (flags: shared notes).
 */
export async function launchWithExtension(clip: string | null, extensionDir = E2E_DIST, profileDir?: string, options: { disableFeatures?: string[]; extraArgs?: string[] } = {}): Promise<ExtensionBrowser> {
  if (!existsSync(join(extensionDir, 'manifest.json'))) throw new Error(`${extensionDir} has no build: run \`npm run build:e2e\` first`);
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install chromium)`);
  // A given profile directory is reused: a restart of the same browser, with what it stored.
  const userDataDir = profileDir ?? mkdtempSync(join(tmpdir(), 'unmask-profile-'));
  const netLogPath = join(userDataDir, 'netlog.json');
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      `--disable-extensions-except=${extensionDir}`,
      `--load-extension=${extensionDir}`,
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Chromium's own background services (not the extension's) would otherwise try Google hosts; with them off,
      // the net log holds only what pages and the extension asked for.
      '--disable-client-side-phishing-detection',
      '--disable-default-apps',
      '--disable-domain-reliability',
      '--no-pings',
      '--metrics-recording-only',
      '--safebrowsing-disable-auto-update',
      '--disable-breakpad',
      '--no-default-browser-check',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
      ...(clip ? ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${clip}`] : []),
      '--allow-loopback-in-peer-connection',
      '--autoplay-policy=no-user-gesture-required',
      // Every request of every process (pages, extension, workers) goes to this log; the test reads it at the end.
      `--log-net-log=${netLogPath}`,
      '--net-log-capture-mode=Default',
      // One list: of several --disable-features flags only the last counts.
      ...(options.extraArgs ?? []),
      `--disable-features=${['AvoidUnnecessaryBeforeUnloadCheckSync', 'DestroyProfileOnBrowserClose', 'MediaRouter', 'PaintHolding', 'OptimizationHints', 'OptimizationGuideModelDownloading', 'OptimizationHintsFetching', 'Translate', 'AutofillServerCommunication', 'CertificateTransparencyComponentUpdater', 'SafeBrowsing', ...(options.disableFeatures ?? [])].join(',')}`,
    ],
  });
  const serviceWorker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 15_000 }));
  const extensionId = new URL(serviceWorker.url()).host;
  return {
    context,
    extensionId,
    serviceWorker,
    netLogPath,
    close: async () => {
      await context.close();
      // keep the net log for the caller; the profile is removed by `removeProfile`
    },
  };
}

export function removeProfile(netLogPath: string): void {
  rmSync(dirname(netLogPath), { recursive: true, force: true });
}

/** The extension's view of a tab, read from the background (what the popup and the badge show). */
export async function tabState(sw: Worker, pageUrlPrefix: string): Promise<TabState | null> {
  return sw.evaluate(async (prefix) => {
    const { tabStates } = await chrome.storage.session.get<{ tabStates?: TabState[] }>('tabStates');
    return (tabStates ?? []).find((s) => s.url.startsWith(prefix)) ?? null;
  }, pageUrlPrefix);
}

/** The tab id of the page at `url`, as the extension knows it (Unmask has no `tabs` permission to look it up). */
export async function tabIdOf(sw: Worker, url: string): Promise<number> {
  const state = await waitFor(() => tabState(sw, url), (s) => s !== null, 20_000, `the extension to report ${url}`);
  return state!.tabId;
}

/** Polls `read` until `accept` holds (or times out with the last value in the message). */
export async function waitFor<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read();
    if (accept(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(last)?.slice(0, 2000)}`);
}

export interface OverlayView {
  rect: { x: number; y: number; width: number; height: number };
  text: string;
}

interface CdpNode {
  nodeId: number;
  nodeType: number;
  nodeName: string;
  nodeValue?: string;
  attributes?: string[];
  children?: CdpNode[];
  shadowRoots?: CdpNode[];
}

/**
 * Unmask's badge hosts in a page, as the DevTools protocol sees them (`pierce` reaches into closed shadow roots, which
 * page scripts cannot): the children of <html> whose shadow root holds a badge. Their element name is random per page
 * (content/guarded-host), so they are found by what they hold, not by name.
 */
async function overlayHosts(page: Page): Promise<{ cdp: CDPSession; hosts: CdpNode[] }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('DOM.enable');
  await cdp.send('CSS.enable');
  const { root: doc } = (await cdp.send('DOM.getDocument', { depth: -1, pierce: true })) as { root: CdpNode };
  const html = (doc.children ?? []).find((n) => n.nodeName === 'HTML');
  const holdsBadge = (n: CdpNode): boolean =>
    (n.attributes ?? []).some((a, i) => i % 2 === 1 && (n.attributes?.[i - 1] === 'class') && a.split(' ').includes('badge')) ||
    [...(n.children ?? []), ...(n.shadowRoots ?? [])].some(holdsBadge);
  const hosts = (html?.children ?? []).filter((n) => (n.shadowRoots ?? []).some(holdsBadge));
  return { cdp, hosts };
}

/** How many badge hosts the page holds, shown or hidden. */
export async function countOverlayHosts(page: Page): Promise<number> {
  const { cdp, hosts } = await overlayHosts(page);
  await cdp.detach();
  return hosts.length;
}

/** The badges as a user sees them: the boxes of those shown on screen, and their text. */
export async function readOverlays(page: Page): Promise<OverlayView[]> {
  const { cdp, hosts } = await overlayHosts(page);
  try {
    const textOf = (n: CdpNode): string =>
      n.nodeType === 3 ? (n.nodeValue ?? '') : n.nodeName === 'STYLE' ? '' : [...(n.shadowRoots ?? []), ...(n.children ?? [])].map(textOf).join(' ');
    const views: OverlayView[] = [];
    for (const host of hosts) {
      // A host that is not rendered (display: none) has no box model: it is not seen.
      const box = (await cdp.send('DOM.getBoxModel', { nodeId: host.nodeId }).catch(() => null)) as { model: { border: number[]; width: number; height: number } } | null;
      if (!box) continue;
      const [x = 0, y = 0] = box.model.border;
      const { computedStyle } = (await cdp.send('CSS.getComputedStyleForNode', { nodeId: host.nodeId }).catch(() => ({ computedStyle: [] }))) as { computedStyle: { name: string; value: string }[] };
      const style = (name: string): string | undefined => computedStyle.find((p) => p.name === name)?.value;
      if (style('visibility') === 'hidden' || style('opacity') === '0') continue;
      views.push({ rect: { x, y, width: box.model.width, height: box.model.height }, text: textOf(host).replace(/\s+/g, ' ').trim() });
    }
    return views;
  } finally {
    await cdp.detach();
  }
}

/**
 * How many of the page's window messages have reached the content script's world so far (an e2e-build counter, see
 * content/main.ts): what a test of a hostile page's messages reads first, to prove they were delivered.
 */
export async function pageMessagesSeenByContentScript(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const contexts = new Map<number, string>();
    cdp.on('Runtime.executionContextCreated', (e: { context: { id: number; name: string } }) => contexts.set(e.context.id, e.context.name));
    await cdp.send('Runtime.enable');
    const world = [...contexts].find(([, name]) => name.startsWith('Unmask'))?.[0];
    if (world === undefined) throw new Error('the Unmask content script world was not found in the page');
    const { result } = (await cdp.send('Runtime.evaluate', { contextId: world, expression: 'globalThis.__unmaskPageMessagesSeen ?? -1', returnByValue: true })) as { result: { value: number } };
    return result.value;
  } finally {
    await cdp.detach();
  }
}

interface NetLog {
  constants: { logEventTypes: Record<string, number> };
  events: { type: number; params?: Record<string, unknown> }[];
}

/**
 * What Chromium's net log (all processes: pages, extension pages, workers, the browser itself) shows:
 * - `requests`: URL requests of pages, extension pages and workers (and navigations);
 * - `browserRequests`: URLs Chromium's own services asked for (no initiator; e.g. its updater), which the host
 *   resolver rules send nowhere;
 * - `extensionRequests`: the URL requests that the extension itself initiated (its pages, workers and service worker:
 *   the initiator is a chrome-extension:// origin);
 * - `connections`: every address a TCP connection was attempted to, and every UDP socket that sent data.
 */
export function readNetLog(netLogPath: string): { requests: string[]; browserRequests: string[]; extensionRequests: string[]; connections: string[] } {
  const log = JSON.parse(readFileSync(netLogPath, 'utf8')) as NetLog;
  const type = log.constants.logEventTypes;
  const requests = new Set<string>();
  const browserRequests = new Set<string>();
  const extensionRequests = new Set<string>();
  const connections = new Set<string>();
  for (const event of log.events) {
    const params = event.params ?? {};
    if (event.type === type.URL_REQUEST_START_JOB && typeof params.url === 'string') {
      // Chromium's own service requests have no initiating origin and are of type "other"; navigations typed in by
      // the test have no initiator either but are "main frame" requests, and count as the page's.
      const ownService = params.initiator === 'not an origin' && params.request_type === 'other';
      (ownService ? browserRequests : requests).add(params.url);
      if (typeof params.initiator === 'string' && params.initiator.startsWith('chrome-extension://')) extensionRequests.add(params.url);
    }
    if ((event.type === type.TCP_CONNECT_ATTEMPT || event.type === type.TCP_CONNECT) && typeof params.address === 'string') connections.add(params.address);
    if (event.type === type.UDP_BYTES_SENT && typeof params.address === 'string') connections.add(params.address);
  }
  return { requests: [...requests], browserRequests: [...browserRequests], extensionRequests: [...extensionRequests], connections: [...connections] };
}

export const isLoopback = (hostOrAddress: string): boolean =>
  /^(127\.\d+\.\d+\.\d+|localhost|\[?::1\]?)(:\d+)?$/.test(hostOrAddress);

/**
 * Whether an address ("ip:port" or "[ip6]:port") belongs to this machine: loopback, or one of its own interface
 * addresses (WebRTC gathers host candidates on every interface, so the looped call also runs over eth0's own address;
 * packets to a machine's own address never leave it).
 */
export function isThisMachine(address: string): boolean {
  if (isLoopback(address)) return true;
  const ip = address.replace(/^\[(.*)\](:\d+)?$/, '$1').replace(/^(\d+\.\d+\.\d+\.\d+):\d+$/, '$1');
  return Object.values(networkInterfaces()).some((list) => (list ?? []).some((i) => i.address === ip));
}
