import { afterEach, describe, expect, it, vi } from 'vitest';
import { CallLogs } from '../../src/background/call-logs';
import { MAX_TIMELINE_POINTS, newCallLog, recordParticipants, type CallLogData } from '../../src/core/call-log';
import { CallLogStore, chunkKey, decodeChunk, encodeChunk, headKey, INDEX_KEY, LEGACY_KEY, POINTS_PER_CHUNK, type SessionArea } from '../../src/core/call-log-store';
import type { ParticipantSummary } from '../../src/shared/types';
import { participantSummary } from './fixtures/participant';

/** chrome.storage.session, faked: values are copied through JSON as the real one copies them; every set is recorded. */
class FakeArea implements SessionArea {
  data = new Map<string, string>();
  sets: Record<string, unknown>[] = [];
  failNextSet = false;

  get(keys: string[] | null): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of this.data) if (keys === null || keys.includes(k)) out[k] = JSON.parse(v) as unknown;
    return Promise.resolve(out);
  }
  set(items: Record<string, unknown>): Promise<void> {
    if (this.failNextSet) {
      this.failNextSet = false;
      return Promise.reject(new Error('QUOTA_BYTES quota exceeded'));
    }
    this.sets.push(items);
    for (const [k, v] of Object.entries(items)) this.data.set(k, JSON.stringify(v));
    return Promise.resolve();
  }
  remove(keys: string[]): Promise<void> {
    for (const k of keys) this.data.delete(k);
    return Promise.resolve();
  }
  bytes(items: Record<string, unknown>): number {
    return JSON.stringify(items).length;
  }
  storedBytes(): number {
    let n = 0;
    for (const [k, v] of this.data) n += k.length + v.length;
    return n;
  }
}

/** Participant `id` at second `t`: tracked with a varying score, and every 97th second no face (a change, with a reason). */
function summary(id: string, t: number): ParticipantSummary {
  const noFace = t % 97 === 0;
  return participantSummary({
    id,
    label: `Person ${id}`,
    state: noFace ? 'no-face' : 'face-tracked',
    detail: `Face tracked (${280 + (t % 20)} px, good quality).`,
    risk: { verdict: noFace ? 'insufficient' : 'genuine', score: noFace ? null : 0.1 + (t % 13) / 100, since: 0, reason: noFace ? 'No face in view.' : null },
  });
}

/** A call of `people` participants, one update a second for `seconds` (from t0). */
function callOf(id: string, people: number, seconds: number, t0 = 1_000_000): CallLogData {
  const log = newCallLog(id, 7, 'https://meet.example/abc', t0);
  for (let s = 0; s < seconds; s++) {
    recordParticipants(
      log,
      Array.from({ length: people }, (_, i) => summary(`p${i + 1}`, s + i)),
      t0 + s * 1000,
    );
  }
  return log;
}

function plain(log: CallLogData): unknown {
  return JSON.parse(JSON.stringify(log)) as unknown;
}

describe('call log store (session-storage mirror of the call logs)', () => {
  it('reads back exactly what it wrote: ongoing and ended calls, every point, state, verdict, score and reason', async () => {
    const area = new FakeArea();
    const ongoing = callOf('c-now', 3, 500);
    const ended = { ...callOf('c-old', 2, 130), tabId: null };
    await new CallLogStore(area).save([ongoing], [ended]);
    // Delivered: the timeline went out in chunks of its own, not inside one value.
    expect(area.data.has(chunkKey('c-now', 2, Math.floor(499 / POINTS_PER_CHUNK)))).toBe(true);
    expect(ongoing.participants[0]?.points.some((p) => p.reason === 'No face in view.' && p.score === null)).toBe(true);

    const back = await new CallLogStore(area).load();
    expect(back.active.map(plain)).toEqual([plain(ongoing)]);
    expect(back.recent.map(plain)).toEqual([plain(ended)]);
  });

  it('writes the same small amount every save however long the call has lasted (4 participants, over an hour)', async () => {
    const area = new FakeArea();
    const store = new CallLogStore(area);
    const log = newCallLog('c1', 7, 'https://meet.example/abc', 0);
    const perSave: number[] = [];
    for (let s = 0; s < 4000; s++) {
      recordParticipants(log, [1, 2, 3, 4].map((i) => summary(`p${i}`, s + i)), s * 1000);
      if (s % 2 === 1) {
        await store.save([log], []);
        perSave.push(area.bytes(area.sets[area.sets.length - 1] ?? {}));
      }
    }
    // The input was an hour of timeline: the whole log is large...
    const whole = JSON.stringify(log).length;
    expect(log.participants.every((p) => p.points.length >= MAX_TIMELINE_POINTS * 0.75)).toBe(true);
    expect(whole).toBeGreaterThan(1_000_000);
    // ...and a save at the end costs what one did in the first minute, a small fraction of the log.
    const early = Math.max(...perSave.slice(10, 30));
    const late = perSave.slice(-100).sort((a, b) => a - b)[50] ?? Infinity;
    expect(late).toBeLessThan(early * 1.5);
    expect(late).toBeLessThan(whole / 50);
    // Thinning rewrote whole timelines a few times (the only saves allowed to be large), and storage matches memory.
    expect(log.participants[0]?.revision).toBeGreaterThan(0);
    expect((await new CallLogStore(area).load()).active.map(plain)).toEqual([plain(log)]);
  });

  it('removes the chunks a thinning made unnecessary, and keys of calls no longer listed', async () => {
    const area = new FakeArea();
    const store = new CallLogStore(area);
    const log = callOf('c1', 1, MAX_TIMELINE_POINTS);
    await store.save([log], []);
    const chunksBefore = [...area.data.keys()].filter((k) => k.startsWith('callLog/c1/0/')).length;
    expect(chunksBefore).toBe(MAX_TIMELINE_POINTS / POINTS_PER_CHUNK);
    recordParticipants(log, [summary('p1', MAX_TIMELINE_POINTS + 1)], 1_000_000 + (MAX_TIMELINE_POINTS + 1) * 1000);
    expect(log.participants[0]?.revision).toBe(1);
    await store.save([log], []);
    const chunksAfter = [...area.data.keys()].filter((k) => k.startsWith('callLog/c1/0/')).length;
    expect(chunksAfter).toBe(Math.ceil((log.participants[0]?.points.length ?? 0) / POINTS_PER_CHUNK));
    expect(chunksAfter).toBeLessThan(chunksBefore);
    expect((await new CallLogStore(area).load()).active.map(plain)).toEqual([plain(log)]);

    // The call is no longer listed (expired): every key of it goes.
    await store.save([], []);
    expect([...area.data.keys()]).toEqual([INDEX_KEY]);
  });

  it('writes an ended call once', async () => {
    const area = new FakeArea();
    const store = new CallLogStore(area);
    const log = callOf('c1', 2, 200);
    await store.save([log], []);
    await store.save([], [{ ...log, tabId: null }]);
    // Retired: its head is written again (it has no tab any more), its timeline is already there.
    expect(Object.keys(area.sets[1] ?? {}).sort()).toEqual([INDEX_KEY, headKey('c1')].sort());
    await store.save([], [{ ...log, tabId: null }]);
    expect(Object.keys(area.sets[2] ?? {})).toEqual([INDEX_KEY]);
  });

  it('after a failed write, the next save writes what was missed', async () => {
    const area = new FakeArea();
    const store = new CallLogStore(area);
    const log = callOf('c1', 1, 100);
    await store.save([log], []);
    for (let s = 100; s < 250; s++) recordParticipants(log, [summary('p1', s)], 1_000_000 + s * 1000);
    area.failNextSet = true;
    await expect(store.save([log], [])).rejects.toThrow(/quota/);
    expect(area.sets).toHaveLength(1); // the failed write reached the area and stored nothing
    await store.save([log], []);
    expect((await new CallLogStore(area).load()).active.map(plain)).toEqual([plain(log)]);
  });

  it('loads what it can from damaged storage, cleans what nothing refers to, and repairs on the next save', async () => {
    const area = new FakeArea();
    const log = callOf('c1', 2, 300);
    await new CallLogStore(area).save([log], []);
    area.data.delete(chunkKey('c1', 1, 2)); // a chunk lost
    area.data.set(headKey('junk'), JSON.stringify({ nonsense: true }));
    area.data.set(chunkKey('orphan', 0, 0), JSON.stringify(encodeChunk([], 0)));
    area.data.set(LEGACY_KEY, JSON.stringify({ active: [], recent: [] }));
    area.data.set('tabStates', JSON.stringify([]));

    const store = new CallLogStore(area);
    const back = (await store.load()).active[0];
    expect(back?.participants[0]?.points).toHaveLength(300);
    expect(back?.participants[1]?.points).toHaveLength(300 - POINTS_PER_CHUNK);
    // Keys no call refers to are gone; others' keys are untouched.
    expect(area.data.has(headKey('junk'))).toBe(false);
    expect(area.data.has(chunkKey('orphan', 0, 0))).toBe(false);
    expect(area.data.has(LEGACY_KEY)).toBe(false);
    expect(area.data.has('tabStates')).toBe(true);
    // The damaged timeline is written again in full by the next save.
    if (!back) throw new Error('no call read back');
    await store.save([back], []);
    const again = (await new CallLogStore(area).load()).active[0];
    expect(again?.participants[1]?.points).toHaveLength(300 - POINTS_PER_CHUNK);
    expect(area.data.has(chunkKey('c1', 1, 3))).toBe(true);
    expect(area.data.has(chunkKey('c1', 1, 4))).toBe(false);
  });

  it('refuses chunks it did not write', () => {
    expect(decodeChunk(null)).toBeNull();
    expect(decodeChunk({ base: 0, words: ['a'], rows: [[0, 0, 5, null, -1, 0]] })).toBeNull(); // verdict word missing
    expect(decodeChunk({ base: 0, words: ['a'], rows: [[0, 0, 0, 'x', -1, 0]] })).toBeNull(); // score not a number
    expect(decodeChunk({ base: 5, words: ['face-tracked', 'genuine'], rows: [[3, 0, 1, 0.5, -1, 1]] })).toEqual([
      { t: 8, state: 'face-tracked', verdict: 'genuine', score: 0.5, reason: null, change: true },
    ]);
  });

  it('keeps ten ended hour-long calls of four people within the session area quota (10 MB)', async () => {
    const area = new FakeArea();
    const calls = Array.from({ length: 10 }, (_, i) => ({ ...callOf(`c${i}`, 4, MAX_TIMELINE_POINTS), tabId: null }));
    await new CallLogStore(area).save([], calls);
    expect(calls[0]?.participants[3]?.points.length).toBe(MAX_TIMELINE_POINTS);
    expect(area.storedBytes()).toBeLessThan(10 * 1024 * 1024 * 0.6);
  });
});

describe('call logs (background) across a service-worker restart', () => {
  afterEach(() => vi.useRealTimers());

  it('a restarted worker has the call with its timeline, losing at most the last two seconds', async () => {
    vi.useFakeTimers({ now: 5_000_000 });
    const area = new FakeArea();
    const before = new CallLogs(Date.now, area);
    for (let s = 0; s < 120; s++) {
      await before.record(9, 'https://meet.example/abc', [summary('p1', s)]);
      await vi.advanceTimersByTimeAsync(1000);
    }
    const log = await before.forTab(9);
    expect(log?.participants[0]?.points.length).toBeGreaterThan(100);
    await vi.advanceTimersByTimeAsync(2000);

    const after = new CallLogs(Date.now, area);
    const restored = await after.forTab(9);
    expect(restored && plain(restored)).toEqual(log && plain(log));
    // And it goes on recording into the same call.
    await after.record(9, 'https://meet.example/abc?x=1', [summary('p1', 121)]);
    expect((await after.forTab(9))?.id).toBe(log?.id);
  });
});
