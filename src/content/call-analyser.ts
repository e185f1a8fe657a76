/**
 * Everything Unmask does in one call page, from start to stop: discovers participant videos, runs a session for
 * each, and reports the tab's participants to the background (throttled). `stop()` (or the page going away) aborts
 * the one signal that every observer, listener, port and overlay below hangs on.
 */
import { DEFAULT_FUSION, type FusionConfig } from '../core/risk-fusion';
import type { SiteAdapter } from '../core/sites';
import type { StepId } from '../core/challenge/steps';
import { sendToBackground, type ChallengeAction } from '../shared/messages';
import { EngineClient } from './engine-client';
import { ParticipantSession } from './participant-session';
import { VideoDiscovery } from './video-discovery';

/** Reports to the background at most this often: the popup and badge need ~2 updates a second, not 25. */
const REPORT_INTERVAL_MS = 400;

export class CallAnalyser {
  private controller: AbortController | null = null;
  private sessions = new Map<HTMLVideoElement, { session: ParticipantSession; controller: AbortController; tile: Element | null }>();
  /** Participant ids belong to the tile (site adapter) or, failing that, the video: stable for the tile's life. */
  private readonly ids = new WeakMap<Element, string>();
  private nextId = 1;
  private engine: EngineClient | null = null;
  private reportTimer: ReturnType<typeof setTimeout> | null = null;
  private lastReport = 0;
  private showOverlay = true;
  private fusion: FusionConfig = DEFAULT_FUSION;

  constructor(private readonly adapter: SiteAdapter) {}

  get running(): boolean {
    return this.controller !== null;
  }

  start(showOverlay: boolean): void {
    if (this.controller) return;
    this.showOverlay = showOverlay;
    const controller = new AbortController();
    this.controller = controller;
    const signal = controller.signal;
    this.engine = new EngineClient(signal);
    this.engine.onReply((reply) => reply.type === 'status' && this.scheduleReport());
    const discovery = new VideoDiscovery(
      this.adapter,
      {
        added: (video, tile) => this.addParticipant(video, tile, signal),
        removed: (video) => this.removeParticipant(video),
        paused: (video, paused) => this.sessions.get(video)?.session.setVideoPaused(paused),
      },
      signal,
    );
    window.addEventListener('pagehide', () => this.stop(), { signal });
    discovery.start();
  }

  stop(): void {
    this.controller?.abort();
    this.controller = null;
    this.sessions.clear();
    this.engine = null;
    this.report();
  }

  /** The user's sensitivity, as thresholds: for participants and face tracks that start from now on. */
  setFusionConfig(fusion: FusionConfig): void {
    this.fusion = fusion;
    for (const { session } of this.sessions.values()) session.status.fusionConfig = fusion;
  }

  setOverlayShown(shown: boolean): void {
    this.showOverlay = shown;
    for (const { session } of this.sessions.values()) session.setOverlayShown(shown);
  }

  /** The side panel's "Verify this caller" actions, for one participant of this tab. */
  challenge(participantId: string, action: ChallengeAction, steps: readonly StepId[] | null): { ok: true } | { ok: false; error: string } {
    const entry = [...this.sessions.values()].find(({ session }) => session.id === participantId);
    if (!entry) return { ok: false, error: 'That participant is no longer in the call.' };
    const challenge = entry.session.challenge;
    let answer: { ok: true } | { ok: false; error: string } = { ok: true };
    if (action === 'start') answer = challenge.start(steps);
    else if (action === 'begin-step') answer = challenge.beginStep();
    else challenge.cancel();
    this.scheduleReport();
    return answer;
  }

  /** Every participant's kept stills, for a report the user is preparing. */
  keyFrameStills(): ReturnType<ParticipantSession['keyFrameStills']> {
    return [...this.sessions.values()].flatMap(({ session }) => session.keyFrameStills());
  }

  private addParticipant(video: HTMLVideoElement, tile: Element | null, signal: AbortSignal): void {
    if (!this.engine || this.sessions.has(video)) return;
    const key = tile ?? video;
    let id = this.ids.get(key);
    if (!id) {
      id = `p${this.nextId++}`;
      this.ids.set(key, id);
    }
    const label = (tile && this.adapter.displayName(tile)) || `Participant ${id.slice(1)}`;
    const controller = new AbortController();
    signal.addEventListener('abort', () => controller.abort(), { once: true });
    const session = new ParticipantSession(id, label, video, this.engine, () => this.scheduleReport(), this.showOverlay, controller.signal, this.fusion, (challenge) => {
      // Into the call's log at once (the report is built from it), whatever happens to this tab afterwards.
      sendToBackground({ type: 'tab/challenge-result', challenge }).catch(() => undefined);
    });
    this.sessions.set(video, { session, controller, tile });
    this.scheduleReport();
  }

  private removeParticipant(video: HTMLVideoElement): void {
    const entry = this.sessions.get(video);
    if (!entry) return;
    entry.controller.abort();
    this.sessions.delete(video);
    this.scheduleReport();
  }

  private scheduleReport(): void {
    if (this.reportTimer !== null) return;
    const wait = Math.max(0, this.lastReport + REPORT_INTERVAL_MS - Date.now());
    this.reportTimer = setTimeout(() => {
      this.reportTimer = null;
      this.report();
    }, wait);
  }

  private report(): void {
    this.lastReport = Date.now();
    const engine = this.engine?.engineStatus ?? { kind: 'idle' as const };
    // Sites often render a participant's name after the video: pick it up when it appears or changes.
    for (const { session, tile } of this.sessions.values()) {
      const name = tile && this.adapter.displayName(tile);
      if (name) session.setLabel(name);
    }
    const participants = [...this.sessions.values()].map(({ session }) => session.summary(engine));
    sendToBackground({ type: 'tab/participants', engine, participants }).catch(() => {
      // The extension was reloaded or updated under this page: this content script is orphaned; stop quietly.
      if (!chrome.runtime?.id) this.stop();
    });
  }
}
