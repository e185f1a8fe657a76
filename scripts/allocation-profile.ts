/**
 * Where the extension's contexts allocate during a call: V8's sampling heap profiler in each of them (service worker,
 * offscreen document, engine worker) over a few seconds of a local call, counting objects already collected too, so
 * the figure is the allocation rate by function, not what is alive. For issue 12: a steady allocation rate makes V8
 * grow a worker's young generation (Chromium's memory dumps, `npm run soak -- --dumps`), so this says which code to
 * make allocate less.
 *
 *   npx tsx scripts/allocation-profile.ts [--seconds 30] [--after 0] [--participants 4] [--detector-off] [--top 20]
 *
 * `--after S`: the call runs S seconds before profiling starts (what a context allocates late in a call).
 *
 * Needs `npm run build:e2e`. Function names are the bundles' minified ones, with the bundle and line: MediaPipe's and
 * TF.js's code sits in the engine worker's bundle (tasks-vision on its first lines, TF.js after).
 */
import type { CDPSession } from 'playwright-core';
import { launchWithExtension, removeProfile, tabState, waitFor } from '../tests/e2e/support/browser';
import { startCallServer } from '../tests/e2e/support/call-server';
import { ensureFakeCameraClip } from '../tests/e2e/support/clip';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}
const seconds = Number(arg('seconds', '30'));
const afterS = Number(arg('after', '0'));
const participants = Number(arg('participants', '4'));
const top = Number(arg('top', '20'));
const detectorOff = process.argv.includes('--detector-off');

interface ProtocolMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
}

/**
 * A DevTools session reached through its parent's `Target.sendMessageToTarget` (non-flattened: Playwright's page
 * session does not route flattened child sessions), so that a worker of the offscreen document can be reached too.
 */
class RelayedSession {
  private nextId = 1;
  private readonly waiting = new Map<number, (m: ProtocolMessage) => void>();
  private readonly listeners: ((m: ProtocolMessage) => void)[] = [];

  constructor(private readonly sendRaw: (message: string) => void) {}

  static async attach(cdp: CDPSession, targetId: string): Promise<RelayedSession> {
    const { sessionId } = await cdp.send('Target.attachToTarget', { targetId, flatten: false });
    const session = new RelayedSession((message) => void cdp.send('Target.sendMessageToTarget', { sessionId, message }));
    cdp.on('Target.receivedMessageFromTarget', (e: { sessionId: string; message: string }) => {
      if (e.sessionId === sessionId) session.receive(e.message);
    });
    return session;
  }

  receive(raw: string): void {
    const m = JSON.parse(raw) as ProtocolMessage;
    const waiter = m.id === undefined ? undefined : this.waiting.get(m.id);
    if (waiter && m.id !== undefined) {
      this.waiting.delete(m.id);
      waiter(m);
    } else for (const l of this.listeners) l(m);
  }

  send(method: string, params: object = {}): Promise<ProtocolMessage> {
    return new Promise((resolve) => {
      const id = this.nextId++;
      this.waiting.set(id, resolve);
      this.sendRaw(JSON.stringify({ id, method, params }));
    });
  }

  on(listener: (m: ProtocolMessage) => void): void {
    this.listeners.push(listener);
  }

  /** A session of a target this one auto-attached. */
  child(sessionId: string): RelayedSession {
    const child = new RelayedSession((message) => void this.send('Target.sendMessageToTarget', { sessionId, message }));
    this.on((m) => {
      if (m.method === 'Target.receivedMessageFromTarget' && m.params?.['sessionId'] === sessionId) child.receive(String(m.params['message']));
    });
    return child;
  }
}

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

/** Bytes allocated by each function, keyed with its two nearest callers. */
function bySite(node: ProfileNode, out: Map<string, number>, stack: string[] = []): Map<string, number> {
  const name = `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.split('/').pop() ?? ''}:${node.callFrame.lineNumber}`;
  if (node.selfSize > 0) {
    const key = [name, ...stack.slice(-2).reverse()].join(' < ');
    out.set(key, (out.get(key) ?? 0) + node.selfSize);
  }
  for (const c of node.children) bySite(c, out, [...stack, name]);
  return out;
}

const clip = ensureFakeCameraClip();
const server = await startCallServer();
const browser = await launchWithExtension(clip);
try {
  const call = await browser.context.newPage();
  await call.goto(`${server.origin}/?participants=${participants}${detectorOff ? '&unmaskDetectorOff' : ''}`);
  await waitFor(() => tabState(browser.serviceWorker, server.origin), (s) => (s?.participants ?? []).filter((p) => p.state === 'face-tracked').length === participants, 180_000, `${participants} tracked participants`);
  if (afterS > 0) await new Promise((r) => setTimeout(r, afterS * 1000));
  const cdp = await call.context().newCDPSession(call);
  const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: { targetId: string; type: string; url: string }[] };
  const base = `chrome-extension://${browser.extensionId}/`;
  // The engine frames share the offscreen document's thread and heap; the worker is found through the document.
  const targets: { label: string; session: RelayedSession }[] = [];
  for (const t of targetInfos.filter((t) => t.url.startsWith(base) && t.type !== 'iframe')) {
    const session = await RelayedSession.attach(cdp, t.targetId);
    targets.push({ label: `${t.type} ${t.url.slice(base.length)}`, session });
    if (t.type !== 'background_page') continue;
    const attached: { sessionId: string; targetInfo: { type: string; url: string } }[] = [];
    session.on((m) => {
      if (m.method === 'Target.attachedToTarget') attached.push(m.params as (typeof attached)[number]);
    });
    await session.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
    await new Promise((r) => setTimeout(r, 1500));
    for (const w of attached.filter((a) => a.targetInfo.type === 'worker')) targets.push({ label: `worker ${w.targetInfo.url.slice(base.length)}`, session: session.child(w.sessionId) });
  }
  if (!targets.some((t) => t.label.startsWith('worker '))) throw new Error('the engine worker was not found');
  for (const { session, label } of targets) {
    await session.send('HeapProfiler.enable');
    const started = await session.send('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    if (started.error) throw new Error(`could not profile ${label}: ${started.error.message}`);
  }
  await new Promise((r) => setTimeout(r, seconds * 1000));
  console.log(`Allocations over ${seconds} s of a ${participants}-participant call${afterS > 0 ? `, from ${afterS} s after every participant was tracked` : ''}${detectorOff ? ', detector off' : ''} (V8 sampling heap profiler, 16 KB interval, collected objects included)`);
  for (const { session, label } of targets) {
    const stopped = await session.send('HeapProfiler.stopSampling');
    const profile = (stopped.result as { profile?: { head: ProfileNode } } | undefined)?.profile;
    if (!profile) throw new Error(`no profile from ${label}: ${stopped.error?.message ?? 'empty reply'}`);
    const sites = bySite(profile.head, new Map());
    const total = [...sites.values()].reduce((a, b) => a + b, 0);
    console.log(`\n${label}: ${(total / 2 ** 20 / seconds).toFixed(2)} MB/s`);
    for (const [site, bytes] of [...sites].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${(bytes / 2 ** 20 / seconds).toFixed(3)} MB/s  ${site}`);
  }
} finally {
  await browser.close();
  removeProfile(browser.netLogPath);
  await server.close();
}
