/**
 * The engine page: a hidden extension-origin iframe that the content script puts in the call page (a content script
 * cannot start a worker from the extension's origin itself). It accepts exactly one MessagePort, from the content
 * script of its own tab, proven by a one-time token the background issued to that content script; the call page,
 * which can also post to this frame, never gets a token. It relays between that port and the engine worker, and
 * restarts the worker when it crashes, so the page's participants keep their state.
 */
import type { EngineReply, EngineRequest } from '../shared/messages';
import { isEngineConnect, isEngineReply, isEngineRequest, sendToBackground } from '../shared/messages';

const MAX_RESTARTS = 5;

let port: MessagePort | null = null;
let worker: Worker | null = null;
let restarts = 0;
/** Frames handed to the current worker and not yet answered: answered with an error if it dies. */
const pending = new Map<string, { participantId: string; frameId: number }>();

function startWorker(): void {
  const w = new Worker(new URL('./face-engine.worker.ts', import.meta.url), { type: 'module', name: 'unmask-face-engine' });
  w.onmessage = (event: MessageEvent<unknown>) => {
    const reply: unknown = event.data;
    if (!isEngineReply(reply)) return;
    if (reply.type === 'result') pending.delete(`${reply.result.participantId}/${reply.result.frameId}`);
    if (reply.type === 'frame-error') pending.delete(`${reply.participantId}/${reply.frameId}`);
    const transfer = reply.type === 'result' ? reply.result.faces.map((f) => f.landmarks.buffer as ArrayBuffer) : [];
    port?.postMessage(reply, transfer);
  };
  w.onerror = (event) => {
    event.preventDefault();
    onWorkerCrash(event.message || 'engine worker error');
  };
  w.onmessageerror = () => onWorkerCrash('engine worker sent an unreadable message');
  worker = w;
}

function onWorkerCrash(error: string): void {
  const message = error.slice(0, 300); // the contract bounds status messages
  worker?.terminate();
  worker = null;
  for (const { participantId, frameId } of pending.values()) send({ type: 'frame-error', participantId, frameId, message: `engine crashed: ${message}` });
  pending.clear();
  restarts++;
  if (restarts > MAX_RESTARTS) {
    send({ type: 'status', status: { kind: 'failed', message: `engine crashed ${restarts} times; last error: ${message}` } });
    return;
  }
  send({ type: 'status', status: { kind: 'crashed', message, restarts } });
  startWorker();
}

function send(reply: EngineReply): void {
  port?.postMessage(reply);
}

function onRequest(event: MessageEvent<unknown>): void {
  const request: unknown = event.data;
  if (!isEngineRequest(request)) return;
  forward(request);
}

function forward(request: EngineRequest): void {
  if (!worker) {
    if (request.type === 'frame') {
      request.bitmap.close();
      send({ type: 'frame-error', participantId: request.participantId, frameId: request.frameId, message: 'engine is not running' });
    }
    return;
  }
  if (request.type === 'frame') {
    pending.set(`${request.participantId}/${request.frameId}`, { participantId: request.participantId, frameId: request.frameId });
    worker.postMessage(request, [request.bitmap]);
  } else worker.postMessage(request);
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  // Only our parent (the call page's window, where the content script runs) may connect, once, with a valid token.
  if (port || event.source !== window.parent || !isEngineConnect(event.data) || event.ports.length !== 1) return;
  const offered = event.ports[0];
  if (!offered) return;
  const { token } = event.data;
  void sendToBackground({ type: 'engine/redeem-token', token })
    .then(({ ok }) => {
      if (!ok || port) {
        offered.close();
        return;
      }
      port = offered;
      port.onmessage = onRequest;
      port.start();
      startWorker();
    })
    .catch(() => offered.close());
});

if (__UNMASK_E2E__) {
  // End-to-end tests only (compiled out of release builds): simulate a worker crash.
  (globalThis as { __unmaskCrashWorker?: () => void }).__unmaskCrashWorker = () => onWorkerCrash('simulated crash (test)');
}
