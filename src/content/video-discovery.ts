/**
 * Finds the call's participant videos as they come and go: in the document, in same-origin iframes and in open
 * shadow roots (closed ones are invisible to us by design). Each video is re-classified when something about it
 * changes (DOM mutation, media events, resize) and on a slow timer, because visibility and size can change through
 * styles without any event we can observe cheaply.
 */
import type { SiteAdapter } from '../core/sites';
import { classifyVideo, type VideoVerdict } from '../core/video-rules';
import { readVideoFacts } from './video-facts';

const RECHECK_MS = 1000;
const MEDIA_EVENTS = ['loadedmetadata', 'resize', 'play', 'playing', 'pause', 'emptied', 'ended'] as const;

export interface DiscoveryEvents {
  added(video: HTMLVideoElement, tile: Element | null): void;
  removed(video: HTMLVideoElement, reason: string): void;
  /** A participant video was paused or resumed. */
  paused(video: HTMLVideoElement, paused: boolean): void;
}

export class VideoDiscovery {
  private readonly videos = new Map<HTMLVideoElement, AbortController>();
  private readonly participants = new Set<HTMLVideoElement>();
  private readonly roots = new WeakSet<Node>();
  private scheduled = false;
  /** Why each known non-participant video is ignored: for diagnostics and tests. */
  readonly ignored = new Map<HTMLVideoElement, VideoVerdict>();

  constructor(
    private readonly adapter: SiteAdapter,
    private readonly events: DiscoveryEvents,
    private readonly signal: AbortSignal,
  ) {}

  start(): void {
    this.watchRoot(document);
    const timer = setInterval(() => this.evaluateAll(), RECHECK_MS);
    this.signal.addEventListener('abort', () => {
      clearInterval(timer);
      for (const video of this.participants) this.events.removed(video, 'analysis stopped');
      this.participants.clear();
      for (const controller of this.videos.values()) controller.abort();
      this.videos.clear();
    }, { once: true });
    this.evaluateAll();
  }

  private watchRoot(root: Document | ShadowRoot): void {
    if (this.roots.has(root)) return;
    this.roots.add(root);
    const observer = new MutationObserver((records) => {
      for (const record of records) for (const node of record.addedNodes) this.scan(node);
      this.schedule();
    });
    observer.observe(root, { childList: true, subtree: true });
    this.signal.addEventListener('abort', () => observer.disconnect(), { once: true });
    this.scan(root);
  }

  /**
   * Registers the videos, shadow roots and same-origin iframes under `node`. Node types are checked with `nodeType`,
   * not `instanceof`: nodes of a same-origin iframe belong to another realm, whose `Element` is not ours.
   */
  private scan(node: Node): void {
    const type = node.nodeType;
    if (type !== Node.ELEMENT_NODE && type !== Node.DOCUMENT_NODE && type !== Node.DOCUMENT_FRAGMENT_NODE) return;
    const doc = type === Node.DOCUMENT_NODE ? (node as Document) : node.ownerDocument;
    if (!doc) return;
    const walker = doc.createTreeWalker(node, NodeFilter.SHOW_ELEMENT);
    for (let current: Node | null = walker.currentNode; current; current = walker.nextNode()) {
      if (current.nodeType !== Node.ELEMENT_NODE) continue;
      const el = current as Element;
      if (el.localName === 'video') this.track(el as HTMLVideoElement);
      else if (el.localName === 'iframe') this.watchFrame(el as HTMLIFrameElement);
      if (el.shadowRoot) this.watchRoot(el.shadowRoot);
    }
  }

  private watchFrame(frame: HTMLIFrameElement): void {
    const attach = (): void => {
      try {
        // Same-origin frames only: a cross-origin frame's document is null to us (its own content script, if the
        // site is one we run on, handles it).
        const doc = frame.contentDocument;
        if (doc) this.watchRoot(doc);
      } catch {
        /* cross-origin */
      }
    };
    attach();
    frame.addEventListener('load', attach, { signal: this.signal });
  }

  private track(video: HTMLVideoElement): void {
    if (this.videos.has(video)) return;
    const controller = new AbortController();
    this.videos.set(video, controller);
    const onChange = (): void => this.schedule();
    for (const type of MEDIA_EVENTS) video.addEventListener(type, onChange, { signal: controller.signal });
    video.addEventListener('pause', () => this.participants.has(video) && this.events.paused(video, true), { signal: controller.signal });
    video.addEventListener('play', () => this.participants.has(video) && this.events.paused(video, false), { signal: controller.signal });
  }

  private schedule(): void {
    if (this.scheduled || this.signal.aborted) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.evaluateAll();
    });
  }

  evaluateAll(): void {
    if (this.signal.aborted) return;
    for (const [video, controller] of this.videos) {
      if (!video.isConnected) {
        controller.abort();
        this.videos.delete(video);
        this.ignored.delete(video);
        this.drop(video, 'video removed from the page');
        continue;
      }
      const tile = this.adapter.tileOf(video);
      const verdict = classifyVideo(readVideoFacts(video, this.adapter, tile));
      if (verdict.kind === 'participant') {
        this.ignored.delete(video);
        if (!this.participants.has(video)) {
          this.participants.add(video);
          this.events.added(video, tile);
        }
      } else {
        this.ignored.set(video, verdict);
        this.drop(video, verdict.reason);
      }
    }
  }

  private drop(video: HTMLVideoElement, reason: string): void {
    if (this.participants.delete(video)) this.events.removed(video, reason);
  }
}
