import { newCallLog, recordChallenge, recordParticipants, sameCall, type CallLogData } from '../core/call-log';
import { CallLogStore, type SessionArea } from '../core/call-log-store';
import type { ChallengeResult } from '../shared/report-types';
import type { ParticipantSummary } from '../shared/types';

/**
 * The background's log of each tab's call (core/call-log), and of calls that ended recently, so that "Report this
 * call" still works after the meeting tab was closed. Mirrored to `chrome.storage.session`: memory only, gone when
 * the browser closes; nothing of a call reaches the disk unless the user saves a report. The mirror is written a chunk
 * of timeline at a time (core/call-log-store), so its cost does not grow with the call's length.
 */
/** Ended calls are offered for reporting for this long, at most this many. */
export const RECENT_CALL_MS = 24 * 3600_000;
export const MAX_RECENT_CALLS = 10;
/** The mirror to session storage is written at most this often (updates come ~2 a second per tab). */
const PERSIST_INTERVAL_MS = 2000;

export class CallLogs {
  private active = new Map<number, CallLogData>();
  private recent: CallLogData[] = [];
  private readonly loaded: Promise<void>;
  private persistTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly store: CallLogStore;
  private persistFailed = false;
  private persisting: Promise<void> = Promise.resolve();

  constructor(
    private readonly now: () => number = Date.now,
    area: SessionArea = chrome.storage.session,
  ) {
    this.store = new CallLogStore(area);
    this.loaded = this.store
      .load()
      .then((saved) => {
        for (const log of saved.active) if (log.tabId !== null) this.active.set(log.tabId, log);
        this.recent = saved.recent;
      })
      .catch((error: unknown) => console.warn('Unmask: the call logs kept for this session could not be read back.', error));
  }

  async record(tabId: number, url: string, participants: ParticipantSummary[]): Promise<void> {
    await this.loaded;
    const now = this.now();
    let log = this.active.get(tabId);
    if (log && !sameCall(log, url)) {
      this.retire(log);
      log = undefined;
    }
    if (!log) {
      // A page with no participants yet is not a call: start the log with the first participant.
      if (participants.length === 0) return;
      log = newCallLog(crypto.randomUUID(), tabId, url, now);
      this.active.set(tabId, log);
    }
    recordParticipants(log, participants, now);
    this.schedulePersist();
  }

  /** A check's result from the tab's content script: into the tab's current call (none: there is no call to add it to). */
  async recordChallenge(tabId: number, challenge: ChallengeResult): Promise<void> {
    await this.loaded;
    const log = this.active.get(tabId);
    if (!log) return;
    recordChallenge(log, challenge, this.now());
    this.schedulePersist();
  }

  async endTab(tabId: number): Promise<void> {
    await this.loaded;
    const log = this.active.get(tabId);
    if (!log) return;
    this.active.delete(tabId);
    this.retire(log);
    this.schedulePersist();
  }

  async forTab(tabId: number): Promise<CallLogData | null> {
    await this.loaded;
    return this.active.get(tabId) ?? null;
  }

  async byId(id: string): Promise<CallLogData | null> {
    await this.loaded;
    for (const log of this.active.values()) if (log.id === id) return log;
    return this.recent.find((l) => l.id === id) ?? null;
  }

  /** Calls that can be reported: the ones going on, then the ended ones, newest first. */
  async list(): Promise<{ log: CallLogData; ongoing: boolean }[]> {
    await this.loaded;
    this.dropExpired();
    return [
      ...[...this.active.values()].map((log) => ({ log, ongoing: true })),
      ...[...this.recent].reverse().map((log) => ({ log, ongoing: false })),
    ];
  }

  private retire(log: CallLogData): void {
    if (log.participants.length === 0) return;
    this.recent.push({ ...log, tabId: null });
    this.dropExpired();
  }

  private dropExpired(): void {
    const cutoff = this.now() - RECENT_CALL_MS;
    this.recent = this.recent.filter((l) => l.lastActiveAt >= cutoff).slice(-MAX_RECENT_CALLS);
  }

  private schedulePersist(): void {
    if (this.persistTimer !== null) return;
    this.persistTimer = setTimeout(() => {
      this.persistTimer = null;
      // One save at a time, each knowing what the one before it wrote.
      this.persisting = this.persisting.then(() => this.store.save([...this.active.values()], this.recent)).then(
        () => {
          this.persistFailed = false;
        },
        (error: unknown) => {
          // Kept in memory all the same: only a stopped service worker would lose it. Said once, tried again next time.
          if (!this.persistFailed) console.warn('Unmask: the call log could not be mirrored to session storage; retrying.', error);
          this.persistFailed = true;
          this.schedulePersist();
        },
      );
    }, PERSIST_INTERVAL_MS);
  }
}
