/**
 * The engine worker. Receives frames (transferred ImageBitmaps) from the engine page, answers with results whose
 * landmark buffers are transferred back. Frames are handled one at a time; the content script keeps at most one in
 * flight per participant, so nothing queues here beyond one frame per participant.
 */
import type { EngineReply, EngineRequest } from '../shared/messages';
import { isEngineRequest } from '../shared/messages';
import { ENGINE_ASSETS, FaceEngine } from './face-engine';

declare const self: DedicatedWorkerGlobalScope;

const post = (reply: EngineReply, transfer: Transferable[] = []): void => self.postMessage(reply, transfer);

const loadStart = performance.now();
post({ type: 'status', status: { kind: 'loading' } });
const engineReady = FaceEngine.load(new URL(`/${ENGINE_ASSETS}`, self.location.origin).href).then(
  (engine) => {
    post({ type: 'status', status: { kind: 'ready', loadMs: Math.round(performance.now() - loadStart), backend: 'mediapipe-wasm-cpu' } });
    return engine;
  },
  (error: unknown) => {
    post({ type: 'status', status: { kind: 'failed', message: `could not load the face model: ${String(error)}`.slice(0, 300) } });
    throw error;
  },
);
// The rejection is reported above; each request below awaits and reports it again for its own frame.
engineReady.catch(() => undefined);

// Serialise behind the model load (MediaPipe's calls themselves are synchronous).
let chain: Promise<void> = Promise.resolve();

self.onmessage = (event: MessageEvent<unknown>) => {
  const request: unknown = event.data;
  if (!isEngineRequest(request)) return;
  chain = chain.then(() => handle(request));
};

async function handle(request: EngineRequest): Promise<void> {
  if (request.type === 'forget') {
    const engine = await engineReady.catch(() => null);
    engine?.forget(request.participantId);
    return;
  }
  try {
    const engine = await engineReady;
    const result = engine.analyse(request);
    post({ type: 'result', result }, result.faces.map((f) => f.landmarks.buffer as ArrayBuffer));
  } catch (error) {
    request.bitmap.close();
    post({ type: 'frame-error', participantId: request.participantId, frameId: request.frameId, message: String(error).slice(0, 300) });
  }
}
