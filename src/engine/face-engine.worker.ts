/**
 * The engine worker: one per browser (in the offscreen document), or one per tab in the fallback. Receives frames
 * (transferred ImageBitmaps) tagged with their connection (tab), answers with results whose landmark buffers are
 * transferred back. Frames are handled one at a time; each content script keeps at most one frame in flight per
 * participant, so nothing queues here beyond one frame per participant.
 */
import type { EngineReply, WorkerReply, WorkerRequest } from '../shared/engine-channel';
import { isWorkerRequest, resultBuffers } from '../shared/engine-channel';
import { ENGINE_ASSETS, FaceEngine } from './face-engine';

declare const self: DedicatedWorkerGlobalScope;

const post = (connection: number | null, reply: EngineReply, transfer: Transferable[] = []): void =>
  self.postMessage({ connection, reply } satisfies WorkerReply, transfer);

const loadStart = performance.now();
post(null, { type: 'status', status: { kind: 'loading' } });
const engineReady = FaceEngine.load(new URL(`/${ENGINE_ASSETS}`, self.location.origin).href).then(
  (engine) => {
    post(null, {
      type: 'status',
      status: {
        kind: 'ready',
        loadMs: Math.round(performance.now() - loadStart),
        backend: [
          `landmarks: MediaPipe wasm, ${engine.landmarkOutput}`,
          ...(engine.detector ? [`detector: TF.js ${engine.detector.backend}`] : []),
          'identity: faceres (on demand)',
        ].join('; '),
        detector: engine.detector ? engine.detector.backend : null,
        verdicts: engine.detector?.release.liveVerdicts ?? false,
      },
    });
    if (engine.detectorError) console.warn(`Unmask: ${engine.detectorError}`);
    return engine;
  },
  (error: unknown) => {
    post(null, { type: 'status', status: { kind: 'failed', message: `could not load the face model: ${String(error)}`.slice(0, 300) } });
    throw error;
  },
);
// The rejection is reported above; each request below awaits and reports it again for its own frame.
engineReady.catch(() => undefined);

if (__UNMASK_E2E__) {
  // End-to-end builds only: under `npm run soak -- --gc` (Chromium started with --expose-gc) this worker's heap is
  // collected every 10 s, so that the soak can tell held memory from garbage; without that flag `gc` is absent.
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) setInterval(gc, 10_000);
}

// Serialise behind the model load (MediaPipe's calls themselves are synchronous).
let chain: Promise<void> = Promise.resolve();

self.onmessage = (event: MessageEvent<unknown>) => {
  const message: unknown = event.data;
  if (!isWorkerRequest(message)) return;
  chain = chain.then(() => handle(message));
};

/** Participants are keyed by connection too: two tabs both have a "p1". */
const key = (connection: number, participantId: string): string => `${connection}/${participantId}`;

async function handle(message: WorkerRequest): Promise<void> {
  if ('type' in message) {
    const engine = await engineReady.catch(() => null);
    engine?.forgetWhere((k) => k.startsWith(`${message.connection}/`));
    return;
  }
  const { connection, request } = message;
  if (request.type === 'forget') {
    const engine = await engineReady.catch(() => null);
    engine?.forget(key(connection, request.participantId));
    return;
  }
  try {
    const engine = await engineReady;
    const result = engine.analyse(request, key(connection, request.participantId));
    if (__UNMASK_E2E__) result.engineMemory = engine.memory();
    post(connection, { type: 'result', result }, resultBuffers(result));
  } catch (error) {
    post(connection, { type: 'frame-error', participantId: request.participantId, frameId: request.frameId, message: String(error).slice(0, 300) });
  } finally {
    request.bitmap.close();
  }
}
