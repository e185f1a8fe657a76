/**
 * How the background mirrors its call logs (core/call-log) to `chrome.storage.session`, so that a service worker that
 * was stopped and started again still has the call's timeline.
 *
 * Why not one value holding every log: a log gains a point a second per participant, up to 3,600 each, and handing
 * the whole of it to `storage.session.set` every two seconds made the service worker allocate more the longer a call
 * went on (0.15 MB/s in a call's first minute, 0.92 MB/s at minute 13, with 4 participants), until V8 grew the
 * worker's young generation to about 55 MB for it (docs/benchmarks.md). Points are only ever appended between two
 * thinnings of a participant's timeline, so each timeline is stored in fixed chunks under keys of their own, and a
 * save writes the small head of each ongoing call plus the chunks that gained points since the last save: its cost
 * stays the same however long the call has lasted. Ended calls never change, so they are written once.
 *
 * Points are stored compactly (times relative to the call's start, repeated words by index) so that ten ended calls of
 * several participants fit well within the session area's 10 MB quota. Browser-free: the storage area is passed in.
 */
import type { ChallengeResult } from '../shared/report-types';
import type { CallLogData, LoggedParticipant, LoggedPoint } from './call-log';

/** The part of `chrome.storage.session` the store uses. */
export interface SessionArea {
  get(keys: string[] | null): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(keys: string[]): Promise<void>;
}

export const INDEX_KEY = 'callLogIndex';
/** Written by versions that stored every log under one key; removed on load. */
export const LEGACY_KEY = 'callLogs';
const PREFIX = 'callLog/';
/** A minute of a participant's timeline at one sample a second. */
export const POINTS_PER_CHUNK = 60;

interface StoredIndex {
  active: string[];
  recent: string[];
}

type StoredParticipant = Omit<LoggedParticipant, 'points'> & { pointCount: number };
type StoredHead = Omit<CallLogData, 'participants'> & { participants: StoredParticipant[] };

/** One chunk of a timeline: rows of [t - base, state, verdict, score, reason (-1: none), change (0/1)]. */
interface StoredChunk {
  base: number;
  words: string[];
  rows: (number | null)[][];
}

export const headKey = (id: string): string => `${PREFIX}${id}`;
export const chunkKey = (id: string, participant: number, chunk: number): string => `${PREFIX}${id}/${participant}/${chunk}`;

export function encodeChunk(points: readonly LoggedPoint[], base: number): StoredChunk {
  const words: string[] = [];
  const word = (w: string): number => {
    const i = words.indexOf(w);
    return i >= 0 ? i : words.push(w) - 1;
  };
  const rows = points.map((p) => [p.t - base, word(p.state), word(p.verdict), p.score, p.reason === null ? -1 : word(p.reason), p.change ? 1 : 0]);
  return { base, words, rows };
}

/** The chunk's points, or null when it is not a chunk this store wrote. */
export function decodeChunk(value: unknown): LoggedPoint[] | null {
  if (!isRecord(value) || typeof value.base !== 'number' || !Array.isArray(value.words) || !Array.isArray(value.rows)) return null;
  const { base, words, rows } = value as { base: number; words: unknown[]; rows: unknown[] };
  const word = (i: unknown): string | null => {
    const w = typeof i === 'number' ? words[i] : undefined;
    return typeof w === 'string' ? w : null;
  };
  const points: LoggedPoint[] = [];
  for (const row of rows) {
    if (!Array.isArray(row) || row.length !== 6) return null;
    const [dt, s, v, score, r, change] = row as unknown[];
    const state = word(s);
    const verdict = word(v);
    if (typeof dt !== 'number' || state === null || verdict === null || (score !== null && typeof score !== 'number')) return null;
    const reason = r === -1 ? null : word(r);
    if (r !== -1 && reason === null) return null;
    points.push({ t: base + dt, state: state as LoggedPoint['state'], verdict: verdict as LoggedPoint['verdict'], score, reason, change: change === 1 });
  }
  return points;
}

/** What is known to be in storage for one participant's timeline. */
interface WrittenTimeline {
  /** The participant's `revision` when its chunks were written (NaN: damaged, rewrite them all). */
  revision: number;
  points: number;
  /** How many chunk keys there may be. */
  chunks: number;
}

interface WrittenLog {
  timelines: WrittenTimeline[];
  /** Written as an ended call: it will not change again. */
  ended: boolean;
}

export class CallLogStore {
  /** What the last successful saves (or the load) put in storage, by call id. */
  private written = new Map<string, WrittenLog>();

  constructor(
    private readonly area: SessionArea,
    private readonly pointsPerChunk = POINTS_PER_CHUNK,
  ) {}

  /**
   * Reads the logs back. Whatever does not read as a log is skipped, and keys no log refers to (left by a save cut
   * short, or by an older version) are removed; a timeline with a missing chunk keeps the points that are there.
   */
  async load(): Promise<{ active: CallLogData[]; recent: CallLogData[] }> {
    const all = await this.area.get(null);
    const index = readIndex(all[INDEX_KEY]);
    const referenced = new Set<string>([INDEX_KEY]);
    const read = (id: string, ended: boolean): CallLogData | null => {
      const head = readHead(all[headKey(id)]);
      if (!head || head.id !== id) return null;
      referenced.add(headKey(id));
      const timelines: WrittenTimeline[] = [];
      const participants = head.participants.map((stored, p): LoggedParticipant => {
        const chunks = Math.ceil(stored.pointCount / this.pointsPerChunk);
        const points: LoggedPoint[] = [];
        let complete = true;
        for (let c = 0; c < chunks; c++) {
          const key = chunkKey(id, p, c);
          const decoded = decodeChunk(all[key]);
          if (decoded) {
            referenced.add(key);
            points.push(...decoded);
          } else complete = false;
        }
        complete &&= points.length === stored.pointCount;
        timelines.push({ revision: complete ? stored.revision : Number.NaN, points: points.length, chunks });
        const { id: pid, label, firstSeen, lastSeen, peakScore, reasons, revision } = stored;
        return { id: pid, label, firstSeen, lastSeen, peakScore, reasons, revision, points };
      });
      // A damaged ended call is written again in full by the next save.
      this.written.set(id, { timelines, ended: ended && timelines.every((t) => Number.isFinite(t.revision)) });
      return { ...head, participants };
    };
    const active = index.active.map((id) => read(id, false)).filter((l): l is CallLogData => l !== null);
    const recent = index.recent.map((id) => read(id, true)).filter((l): l is CallLogData => l !== null);
    const stale = Object.keys(all).filter((k) => (k.startsWith(PREFIX) || k === LEGACY_KEY) && !referenced.has(k));
    if (stale.length > 0) await this.area.remove(stale);
    return { active, recent };
  }

  /**
   * Brings storage up to date with these logs, writing only what changed since the last save: each ongoing call's head
   * and the chunks that gained points; an ended call once; and removes the keys of calls no longer listed. If the
   * write fails, nothing is marked written, so the next save tries again.
   */
  async save(active: readonly CallLogData[], recent: readonly CallLogData[]): Promise<void> {
    const items: Record<string, unknown> = { [INDEX_KEY]: { active: active.map((l) => l.id), recent: recent.map((l) => l.id) } satisfies StoredIndex };
    const removals: string[] = [];
    const next = new Map<string, WrittenLog>();
    const write = (log: CallLogData, ended: boolean): void => {
      const before = this.written.get(log.id);
      if (ended && before?.ended) {
        next.set(log.id, before);
        return;
      }
      items[headKey(log.id)] = headOf(log);
      const timelines = log.participants.map((p, i) => this.writeTimeline(log, p, i, before?.timelines[i], items, removals));
      next.set(log.id, { timelines, ended });
    };
    for (const log of active) write(log, false);
    for (const log of recent) write(log, true);
    for (const [id, gone] of this.written) {
      if (next.has(id)) continue;
      removals.push(headKey(id));
      gone.timelines.forEach((t, p) => {
        for (let c = 0; c < t.chunks; c++) removals.push(chunkKey(id, p, c));
      });
    }
    await this.area.set(items);
    this.written = next;
    if (removals.length > 0) await this.area.remove(removals);
  }

  private writeTimeline(
    log: CallLogData,
    participant: LoggedParticipant,
    index: number,
    before: WrittenTimeline | undefined,
    items: Record<string, unknown>,
    removals: string[],
  ): WrittenTimeline {
    const n = participant.points.length;
    const chunks = Math.ceil(n / this.pointsPerChunk);
    const appendedOnly = before !== undefined && before.revision === participant.revision && before.points <= n;
    if (appendedOnly && before.points === n) return before;
    const from = appendedOnly ? Math.floor(before.points / this.pointsPerChunk) : 0;
    for (let c = from; c < chunks; c++) {
      items[chunkKey(log.id, index, c)] = encodeChunk(participant.points.slice(c * this.pointsPerChunk, (c + 1) * this.pointsPerChunk), log.startedAt);
    }
    // Thinning (or a repair) shortened the timeline: its last chunks are gone.
    if (before) for (let c = chunks; c < before.chunks; c++) removals.push(chunkKey(log.id, index, c));
    return { revision: participant.revision, points: n, chunks };
  }
}

function headOf(log: CallLogData): StoredHead {
  return { ...log, participants: log.participants.map(({ points, ...rest }) => ({ ...rest, pointCount: points.length })) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readIndex(value: unknown): StoredIndex {
  const ids = (list: unknown): string[] => (Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : []);
  return isRecord(value) ? { active: ids(value.active), recent: ids(value.recent) } : { active: [], recent: [] };
}

function readHead(value: unknown): StoredHead | null {
  if (!isRecord(value) || typeof value.id !== 'string' || typeof value.url !== 'string' || !Array.isArray(value.participants)) return null;
  if (typeof value.startedAt !== 'number' || typeof value.lastActiveAt !== 'number') return null;
  const participants: StoredParticipant[] = [];
  for (const p of value.participants as unknown[]) {
    if (!isRecord(p) || typeof p.id !== 'string' || typeof p.pointCount !== 'number' || typeof p.firstSeen !== 'number' || typeof p.lastSeen !== 'number') return null;
    participants.push({
      id: p.id,
      label: typeof p.label === 'string' ? p.label : p.id,
      firstSeen: p.firstSeen,
      lastSeen: p.lastSeen,
      peakScore: typeof p.peakScore === 'number' ? p.peakScore : null,
      reasons: Array.isArray(p.reasons) ? p.reasons.filter((r): r is string => typeof r === 'string') : [],
      pointCount: p.pointCount,
      revision: typeof p.revision === 'number' ? p.revision : 0,
    });
  }
  return {
    id: value.id,
    tabId: typeof value.tabId === 'number' ? value.tabId : null,
    url: value.url,
    startedAt: value.startedAt,
    lastActiveAt: value.lastActiveAt,
    participants,
    challenges: Array.isArray(value.challenges) ? (value.challenges as ChallengeResult[]) : [],
  };
}
