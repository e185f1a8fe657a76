/**
 * The content script's side of the engine: a hidden extension-origin iframe (in a closed shadow root, so the page's
 * scripts and styles cannot reach it through the DOM) that runs the engine worker, and the MessagePort to it.
 * Started lazily, on the first participant; if the page removes the iframe, it is put back and the sessions go on
 * (their in-flight frame is given up by the sampler's timeout).
 */
import type { EngineReply, EngineRequest } from '../shared/messages';
import { isEngineReply, sendToBackground } from '../shared/messages';
import { GuardedHost } from './guarded-host';
import type { EngineStatus } from '../shared/types';

const ENGINE_PAGE = 'src/engine/engine.html';
const MAX_REATTACH = 5;

export class EngineClient {
  private port: MessagePort | null = null;
  private host: GuardedHost | null = null;
  /** Ends the current host's guard (and removes it) when the engine is detached. */
  private hostLifetime: AbortController | null = null;
  private status: EngineStatus = { kind: 'idle' };
  private attachments = 0;
  private readonly listeners = new Set<(reply: EngineReply) => void>();

  constructor(private readonly signal: AbortSignal) {
    signal.addEventListener('abort', () => this.detach(), { once: true });
  }

  get engineStatus(): EngineStatus {
    return this.status;
  }

  /** Starts the engine if it is not running; idempotent. */
  ensureStarted(): void {
    if (this.host || this.signal.aborted) return;
    if (this.attachments >= MAX_REATTACH) {
      this.setStatus({ kind: 'failed', message: 'the page keeps removing the Unmask engine frame' });
      return;
    }
    this.attachments++;
    this.setStatus({ kind: 'loading' });
    const lifetime = new AbortController();
    // Put the engine back if the page removes it (a single-page app rebuilding its body, or a hostile page): a new
    // frame with a new port and token, within MAX_REATTACH; a style the page changes is put back by the guard.
    const host = new GuardedHost(
      document,
      { position: 'fixed', width: '1px', height: '1px', left: '-10px', top: '-10px', opacity: '0', 'pointer-events': 'none', display: 'block' },
      lifetime.signal,
      {
        onRemoved: () => {
          if (this.host !== host) return;
          this.detach();
          this.ensureStarted();
        },
      },
    );
    const iframe = document.createElement('iframe');
    iframe.src = chrome.runtime.getURL(ENGINE_PAGE);
    iframe.setAttribute('aria-hidden', 'true');
    iframe.tabIndex = -1;
    iframe.style.cssText = 'width:1px;height:1px;border:0;';
    iframe.addEventListener('load', () => void this.connect(iframe), { once: true, signal: this.signal });
    host.shadow.append(iframe);
    this.host = host;
    this.hostLifetime = lifetime;
  }

  private async connect(iframe: HTMLIFrameElement): Promise<void> {
    try {
      const { token } = await sendToBackground({ type: 'engine/issue-token' });
      const channel = new MessageChannel();
      const port = channel.port1;
      port.onmessage = (event: MessageEvent<unknown>) => {
        const reply: unknown = event.data;
        if (!isEngineReply(reply)) return;
        if (reply.type === 'status') {
          if (reply.status.kind === 'ready') this.attachments = 0; // a working engine resets the retry budget
          this.setStatus(reply.status);
        } else for (const listener of this.listeners) listener(reply);
      };
      // The engine's end went away (the shared engine was closed while idle, or the extension restarted it):
      // start over with a fresh engine page and port.
      port.addEventListener('close', () => {
        if (this.port !== port || this.signal.aborted) return;
        this.detach();
        this.ensureStarted();
      });
      port.start();
      this.port = port;
      // The frame is loaded from the per-session dynamic URL (use_dynamic_url), but Chromium serves the document under
      // the extension's own origin (the frame's URL reads chrome-extension://<id>/...; Chromium 156): only a frame at
      // that origin, never one the page may have navigated ours to, can receive the token and the port.
      const engineOrigin = `chrome-extension://${chrome.runtime.id}`;
      iframe.contentWindow?.postMessage({ type: 'unmask/engine-connect', token }, engineOrigin, [channel.port2]);
    } catch (error) {
      this.setStatus({ kind: 'failed', message: `could not start the engine: ${String(error)}` });
    }
  }

  /** Sends a request; a frame's bitmap is transferred. Returns false if the engine is not connected. */
  send(request: EngineRequest): boolean {
    if (!this.port) return false;
    this.port.postMessage(request, request.type === 'frame' ? [request.bitmap] : []);
    return true;
  }

  onReply(listener: (reply: EngineReply) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private setStatus(status: EngineStatus): void {
    this.status = status;
    for (const listener of this.listeners) listener({ type: 'status', status });
  }

  private detach(): void {
    this.port?.close();
    this.port = null;
    this.hostLifetime?.abort();
    this.hostLifetime = null;
    this.host = null;
  }
}
