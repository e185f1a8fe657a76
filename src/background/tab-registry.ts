import type { EngineStatus, ParticipantSummary, TabState } from '../shared/types';

/**
 * Per-tab participant state, held by the background. The service worker may be stopped whenever it is idle, so every
 * change is mirrored to `chrome.storage.session` (memory-only, cleared when the browser closes: nothing of the call
 * reaches the disk) and reloaded on start.
 */
const STORAGE_KEY = 'tabStates';

export class TabRegistry {
  private states = new Map<number, TabState>();
  private readonly loaded: Promise<void>;
  private readonly listeners = new Set<(state: TabState) => void>();

  constructor() {
    this.loaded = chrome.storage.session
      .get(STORAGE_KEY)
      .then((stored) => {
        const list = (stored[STORAGE_KEY] ?? []) as TabState[];
        for (const state of list) if (!this.states.has(state.tabId)) this.states.set(state.tabId, state);
      })
      .catch(() => undefined);
  }

  async get(tabId: number): Promise<TabState | null> {
    await this.loaded;
    return this.states.get(tabId) ?? null;
  }

  async update(tabId: number, url: string, engine: EngineStatus, participants: ParticipantSummary[]): Promise<TabState> {
    await this.loaded;
    const previous = this.states.get(tabId);
    const state: TabState = { tabId, url, enabled: previous?.enabled ?? true, engine, participants, updatedAt: Date.now() };
    this.states.set(tabId, state);
    await this.persist();
    this.emit(state);
    return state;
  }

  async setEnabled(tabId: number, enabled: boolean): Promise<void> {
    await this.loaded;
    const state = this.states.get(tabId);
    if (!state) return;
    state.enabled = enabled;
    if (!enabled) state.participants = [];
    await this.persist();
    this.emit(state);
  }

  async remove(tabId: number): Promise<void> {
    await this.loaded;
    if (this.states.delete(tabId)) await this.persist();
  }

  async totalParticipants(): Promise<number> {
    await this.loaded;
    let total = 0;
    for (const state of this.states.values()) if (state.enabled) total += state.participants.length;
    return total;
  }

  onChange(listener: (state: TabState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(state: TabState): void {
    for (const listener of this.listeners) listener(state);
  }

  private async persist(): Promise<void> {
    await chrome.storage.session.set({ [STORAGE_KEY]: [...this.states.values()] }).catch(() => undefined);
  }
}
