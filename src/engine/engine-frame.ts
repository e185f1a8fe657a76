/**
 * The engine page: a hidden extension-origin iframe that the content script puts in the call page (a content script
 * can neither start an extension worker nor reach the offscreen document itself). It accepts exactly one MessagePort,
 * from the content script of its own tab, proven by a one-time token the background issued to that content script;
 * the call page, which can also post to this frame, never gets a token.
 *
 * It then hands the port to the shared engine in the offscreen document (frames then flow straight from the content
 * script to the engine; this page is out of the path). Where that is not possible (no offscreen API, or the
 * document cannot be found), it runs an engine of its own for this tab: the fallback.
 */
import { isEngineConnect, sendToBackground, type EngineAttach } from '../shared/messages';
import { createEngineWorker, EngineHost } from './engine-host';

const OFFSCREEN_PATH = '/src/engine/offscreen.html';
let connected = false;
let fallback: EngineHost | null = null;

/** The offscreen document's window: same extension, same process, so it is among our views. */
function offscreenWindow(): Window | null {
  try {
    return chrome.extension.getViews().find((view) => view.location.pathname === OFFSCREEN_PATH) ?? null;
  } catch {
    return null;
  }
}

async function handOver(port: MessagePort): Promise<void> {
  const ensured = await sendToBackground({ type: 'engine/ensure-offscreen' }).catch(() => ({ ok: false }));
  const target = ensured.ok ? offscreenWindow() : null;
  if (target) {
    target.postMessage({ type: 'unmask/engine-attach' } satisfies EngineAttach, location.origin, [port]);
    return;
  }
  console.warn('Unmask: shared engine unavailable, running one for this tab');
  fallback = new EngineHost(createEngineWorker);
  fallback.attach(port);
}

/** What became of each message this page received: end-to-end tests read it to prove an attack was delivered. */
type ConnectOutcome = 'already-connected' | 'not-from-parent' | 'malformed' | 'token-refused' | 'connected' | 'error';
const connectLog: ConnectOutcome[] = [];
const note = (outcome: ConnectOutcome): void => {
  if (__UNMASK_E2E__) connectLog.push(outcome);
};

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  // Only our parent (the call page's window, where the content script runs) may connect, once, with a valid token.
  if (connected) return note('already-connected');
  if (event.source !== window.parent) return note('not-from-parent');
  const offered = event.ports[0];
  if (!isEngineConnect(event.data) || event.ports.length !== 1 || !offered) return note('malformed');
  const { token } = event.data;
  void sendToBackground({ type: 'engine/redeem-token', token })
    .then(async ({ ok }) => {
      if (!ok || connected) {
        offered.close();
        note('token-refused');
        return;
      }
      connected = true;
      note('connected');
      await handOver(offered);
    })
    .catch(() => {
      offered.close();
      note('error');
    });
});

if (__UNMASK_E2E__) {
  (globalThis as { __unmaskConnectLog?: ConnectOutcome[] }).__unmaskConnectLog = connectLog;
  // End-to-end tests only (compiled out of release builds): crash whichever engine serves this tab.
  (globalThis as { __unmaskCrashWorker?: () => void }).__unmaskCrashWorker = () => {
    const shared = offscreenWindow() as unknown as { __unmaskCrashWorker?: () => void } | null;
    if (fallback) fallback.crashed('simulated crash (test)');
    else shared?.__unmaskCrashWorker?.();
  };
}
