/**
 * Runs the engine worker and connects it to content scripts' ports: in the offscreen document (one engine for the
 * whole browser, every tab's port attached here) or, as a fallback, in a tab's engine page (that tab's port only).
 *
 * The host relays rather than handing ports to the worker, so that when the worker crashes it can be restarted
 * without the tabs reconnecting: frames it held are answered with an error (the content script's sampler moves on),
 * and every connection is told the engine is restarting, then ready.
 */
import type { EngineReply, WorkerRequest } from '../shared/engine-channel';
import { isEngineRequest, isWorkerReply, resultBuffers } from '../shared/engine-channel';
import type { EngineStatus } from '../shared/types';

const MAX_RESTARTS = 5;

export class EngineHost {
  private worker: Worker | null = null;
  private restarts = 0;
  private status: EngineStatus = { kind: 'idle' };
  private nextConnection = 1;
  private readonly ports = new Map<number, MessagePort>();
  /** Frames handed to the current worker and not yet answered, by "connection/participant/frame". */
  private readonly pending = new Map<string, { connection: number; participantId: string; frameId: number }>();

  constructor(private readonly createWorker: () => Worker) {}

  get connectionCount(): number {
    return this.ports.size;
  }

  /** Serves one tab's port from now on. */
  attach(port: MessagePort): void {
    const connection = this.nextConnection++;
    this.ports.set(connection, port);
    port.onmessage = (event: MessageEvent<unknown>) => this.onRequest(connection, event.data);
    // Chromium fires `close` on a port whose other end went away (tab closed or navigated).
    port.addEventListener('close', () => this.detach(connection));
    port.start();
    if (!this.worker && this.status.kind !== 'failed') this.start();
    this.sendTo(connection, { type: 'status', status: this.status });
  }

  private detach(connection: number): void {
    if (!this.ports.delete(connection)) return;
    for (const [key, p] of this.pending) if (p.connection === connection) this.pending.delete(key);
    this.worker?.postMessage({ type: 'drop-connection', connection } satisfies WorkerRequest);
  }

  private start(): void {
    const worker = this.createWorker();
    worker.onmessage = (event: MessageEvent<unknown>) => {
      const message: unknown = event.data;
      if (!isWorkerReply(message)) return;
      const { connection, reply } = message;
      if (reply.type === 'status') {
        this.setStatus(reply.status);
        return;
      }
      if (connection === null) return;
      const participantId = reply.type === 'result' ? reply.result.participantId : reply.participantId;
      const frameId = reply.type === 'result' ? reply.result.frameId : reply.frameId;
      this.pending.delete(`${connection}/${participantId}/${frameId}`);
      this.sendTo(connection, reply, reply.type === 'result' ? resultBuffers(reply.result) : []);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      this.crashed(event.message || 'engine worker error');
    };
    worker.onmessageerror = () => this.crashed('engine worker sent an unreadable message');
    this.worker = worker;
  }

  /** Terminates the worker as if it had crashed (used by end-to-end tests through a test-build hook). */
  crashed(error: string): void {
    const message = error.slice(0, 300); // the contract bounds status messages
    this.worker?.terminate();
    this.worker = null;
    for (const p of this.pending.values())
      this.sendTo(p.connection, { type: 'frame-error', participantId: p.participantId, frameId: p.frameId, message: `engine crashed: ${message}` });
    this.pending.clear();
    this.restarts++;
    if (this.restarts > MAX_RESTARTS) {
      this.setStatus({ kind: 'failed', message: `engine crashed ${this.restarts} times; last error: ${message}` });
      return;
    }
    this.setStatus({ kind: 'crashed', message, restarts: this.restarts });
    this.start();
  }

  private onRequest(connection: number, request: unknown): void {
    if (!isEngineRequest(request)) return;
    if (!this.worker) {
      if (request.type === 'frame') {
        request.bitmap.close();
        this.sendTo(connection, { type: 'frame-error', participantId: request.participantId, frameId: request.frameId, message: 'engine is not running' });
      }
      return;
    }
    if (request.type === 'frame') {
      this.pending.set(`${connection}/${request.participantId}/${request.frameId}`, { connection, participantId: request.participantId, frameId: request.frameId });
      this.worker.postMessage({ connection, request } satisfies WorkerRequest, [request.bitmap]);
    } else this.worker.postMessage({ connection, request } satisfies WorkerRequest);
  }

  private setStatus(status: EngineStatus): void {
    this.status = status;
    for (const connection of this.ports.keys()) this.sendTo(connection, { type: 'status', status });
  }

  private sendTo(connection: number, reply: EngineReply, transfer: Transferable[] = []): void {
    this.ports.get(connection)?.postMessage(reply, transfer);
  }
}

export function createEngineWorker(): Worker {
  return new Worker(new URL('./face-engine.worker.ts', import.meta.url), { type: 'module', name: 'unmask-face-engine' });
}
