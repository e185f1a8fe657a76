import {
  IDBFactory,
  IDBObjectStore as FakeIDBObjectStore,
  IDBTransaction as FakeIDBTransaction,
} from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  openReportStore,
  REPORT_DB_NAME,
  REPORT_DB_VERSION,
  STORAGE_FULL_MESSAGE,
  StorageBlockedError,
  StorageDeniedError,
  StorageFullError,
  type OutboxItem,
  type ReportStore,
} from '../../src/core/report-store';
import { callReportProblem } from '../../src/core/report-format';
import { REPORT_FORMAT, REPORT_SCHEMA_VERSION, type CallReport, type KeyFrame } from '../../src/shared/report-types';
import type { RiskVerdict } from '../../src/shared/types';

const image = (n: number): string => `data:image/jpeg;base64,${'A'.repeat(64)}${n}`;

function frame(participantId: string, t: number): KeyFrame {
  return {
    participantId,
    t,
    score: 0.9,
    faceBox: { x: 0.1, y: 0.1, width: 0.3, height: 0.4 },
    othersBlurred: true,
    image: image(t),
  };
}

function makeReport(
  id: string,
  createdAt: number,
  opts: { frames?: number; verdicts?: RiskVerdict[][] } = {},
): CallReport {
  const verdicts = opts.verdicts ?? [['insufficient', 'genuine'], ['genuine']];
  return {
    format: REPORT_FORMAT,
    schemaVersion: REPORT_SCHEMA_VERSION,
    id,
    createdAt,
    call: {
      site: 'https://meet.google.com',
      meetingUrl: `https://meet.google.com/${id}`,
      startedAt: createdAt - 60_000,
      endedAt: createdAt,
    },
    participants: verdicts.map((timeline, i) => ({
      id: `p${i + 1}`,
      label: `Person ${i + 1}`,
      firstSeen: createdAt - 60_000,
      lastSeen: createdAt,
      finalVerdict: timeline[timeline.length - 1] ?? 'insufficient',
      peakScore: 0.5,
      reasons: [],
      timeline: timeline.map((verdict, k) => ({
        t: createdAt - 60_000 + k * 1000,
        state: 'face-tracked',
        verdict,
        score: null,
        reason: null,
      })),
    })),
    challenges: [],
    versions: {
      extension: '0.1.0',
      model: { name: 'unmask-swap', version: 'v0', releasedForVerdicts: false },
      userAgent: 'test',
    },
    keyFrames: Array.from({ length: opts.frames ?? 0 }, (_, k) => frame('p1', createdAt - 1000 + k)),
    note: '',
  };
}

const opened: ReportStore[] = [];
async function open(factory: IDBFactory, name?: string): Promise<ReportStore> {
  const store = await openReportStore(factory, name);
  opened.push(store);
  return store;
}

afterEach(() => {
  vi.restoreAllMocks();
  for (const store of opened.splice(0)) store.close();
});

/** Opens a raw connection (the test's own, not the store's). */
function rawOpen(
  factory: IDBFactory,
  name: string,
  version: number,
  upgrade?: (db: IDBDatabase) => void,
): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = factory.open(name, version);
    req.onupgradeneeded = () => upgrade?.(req.result);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('open failed'));
  });
}

describe('ReportStore', () => {
  it('saves, lists, gets and deletes reports with their key frames', async () => {
    const store = await open(new IDBFactory());
    const a = makeReport('a', 1000, { frames: 3, verdicts: [['insufficient', 'suspicious', 'genuine'], ['genuine']] });
    const b = makeReport('b', 2000, { frames: 0 });

    const metaA = await store.save(a);
    expect(metaA).toEqual({
      id: 'a',
      createdAt: 1000,
      site: 'https://meet.google.com',
      meetingUrl: 'https://meet.google.com/a',
      participantCount: 2,
      worstVerdict: 'suspicious', // from the timeline, though the final verdict is genuine
      keyFrameCount: 3,
      imported: false,
      integrity: null,
      delivery: { state: 'none' },
    });
    const integrity = { ok: true, mismatched: [], wholeMatches: true };
    await store.save(b, { imported: true, integrity });

    expect((await store.list()).map((m) => m.id)).toEqual(['b', 'a']);
    expect(await store.meta('b')).toMatchObject({
      imported: true,
      integrity,
      worstVerdict: 'genuine',
      keyFrameCount: 0,
    });
    expect(await store.get('a')).toEqual(a);
    expect(await store.get('b')).toEqual(b);
    expect(await store.get('nope')).toBeNull();
    expect(await store.meta('nope')).toBeNull();

    expect(await store.delete('a')).toBe(true);
    expect(await store.delete('a')).toBe(false);
    expect(await store.get('a')).toBeNull();
    expect((await store.list()).map((m) => m.id)).toEqual(['b']);
  });

  it('lists without key-frame images', async () => {
    const store = await open(new IDBFactory());
    await store.save(makeReport('a', 1000, { frames: 4 }));
    const listed = JSON.stringify(await store.list());
    expect(listed).not.toContain('data:image');
    expect(JSON.parse(listed)).toEqual([expect.objectContaining({ id: 'a', keyFrameCount: 4 })]);
  });

  it('replaces a report on a second save: fewer key frames, delivery and import flags kept', async () => {
    const store = await open(new IDBFactory());
    const a = makeReport('a', 1000, { frames: 5 });
    await store.save(a, { imported: true, integrity: null });
    await store.setDelivery('a', { state: 'delivered', at: 5 });
    const edited = { ...a, note: 'edited', keyFrames: a.keyFrames.slice(0, 2) };
    const meta = await store.save(edited);
    expect(meta).toMatchObject({ keyFrameCount: 2, imported: true, delivery: { state: 'delivered', at: 5 } });
    expect(await store.get('a')).toEqual(edited);
  });

  it('deletes a report together with its outbox item', async () => {
    const store = await open(new IDBFactory());
    await store.save(makeReport('a', 1000, { frames: 1 }));
    await store.putOutboxItem(item('a', 1000));
    await store.delete('a');
    expect(await store.outboxItems()).toEqual([]);
  });

  it('retention deletes old reports but keeps those still queued for delivery', async () => {
    const store = await open(new IDBFactory());
    await store.save(makeReport('old', 1000, { frames: 2 }));
    await store.save(makeReport('old-queued', 1500));
    await store.save(makeReport('old-item', 1600));
    await store.save(makeReport('old-delivered', 1700));
    await store.save(makeReport('new', 5000, { frames: 1 }));
    await store.setDelivery('old-queued', { state: 'queued', attempts: 1, nextAttemptAt: 9000, lastError: 'HTTP 503' });
    await store.putOutboxItem(item('old-item', 1600)); // an item whose report's state was not written yet
    await store.setDelivery('old-delivered', { state: 'delivered', at: 1800 });

    expect(await store.deleteOlderThan(5000)).toBe(2);
    expect((await store.list()).map((m) => m.id)).toEqual(['new', 'old-item', 'old-queued']);
    expect(await store.get('old')).toBeNull();
    expect((await store.get('new'))?.keyFrames).toHaveLength(1);
    expect(await store.deleteOlderThan(5000)).toBe(0);
  });

  it('keeps outbox items', async () => {
    const store = await open(new IDBFactory());
    const one = item('a', 10);
    await store.putOutboxItem(one);
    await store.putOutboxItem({ ...one, attempts: 2 });
    expect(await store.outboxItems()).toEqual([{ ...one, attempts: 2 }]);
    await store.deleteOutboxItem('a');
    expect(await store.outboxItems()).toEqual([]);
  });
});

function item(reportId: string, now: number): OutboxItem {
  return {
    key: reportId,
    reportId,
    endpoint: 'https://example.org/r',
    attempts: 0,
    nextAttemptAt: now,
    lastError: null,
    leaseUntil: 0,
    createdAt: now,
  };
}

describe('ReportStore migration', () => {
  it('upgrades a version 1 database (whole reports with images in one store) to version 2', async () => {
    const factory = new IDBFactory();
    const one = makeReport('r1', 1000, { frames: 3, verdicts: [['genuine', 'deepfake']] });
    const two = makeReport('r2', 3000, { frames: 0, verdicts: [['insufficient'], ['genuine'], ['suspicious']] });
    const v1 = await rawOpen(factory, REPORT_DB_NAME, 1, (db) => {
      db.createObjectStore('reports', { keyPath: 'id' });
    });
    await new Promise<void>((resolve, reject) => {
      const tx = v1.transaction('reports', 'readwrite');
      tx.objectStore('reports').put(one);
      tx.objectStore('reports').put(two);
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error('v1 write failed'));
    });
    v1.close();

    const store = await open(factory);
    expect(await store.list()).toEqual([
      {
        id: 'r2',
        createdAt: 3000,
        site: 'https://meet.google.com',
        meetingUrl: 'https://meet.google.com/r2',
        participantCount: 3,
        worstVerdict: 'suspicious',
        keyFrameCount: 0,
        imported: false,
        integrity: null,
        delivery: { state: 'none' },
      },
      expect.objectContaining({ id: 'r1', participantCount: 1, worstVerdict: 'deepfake', keyFrameCount: 3 }),
    ]);
    expect(await store.get('r1')).toEqual(one);
    expect(await store.get('r2')).toEqual(two);
    expect(await store.outboxItems()).toEqual([]);
    store.close();

    const db = await rawOpen(factory, REPORT_DB_NAME, REPORT_DB_VERSION);
    expect([...db.objectStoreNames].sort()).toEqual(['keyFrames', 'outbox', 'reports']);
    // The images moved out of the report records.
    const record = await new Promise<unknown>((resolve) => {
      const r = db.transaction('reports').objectStore('reports').get('r1');
      r.onsuccess = () => resolve(r.result);
    });
    expect(JSON.stringify(record)).not.toContain('data:image');
    db.close();
  });

  it('upgrades stored reports of report schema 2 to schema 3 (caller verification steps), keeping the rest as it was', async () => {
    const factory = new IDBFactory();
    const current = makeReport('r1', 1000, { frames: 1, verdicts: [['genuine', 'suspicious']] });
    // A schema-2 report as an earlier Unmask stored it: its challenge entries had no steps (the list was always empty
    // in practice; one entry here proves an entry is carried over, not dropped).
    const old = { ...current, schemaVersion: 2, challenges: [{ participantId: 'p1', t: 1500, challenge: 'turn left', outcome: 'failed', detail: 'lost' }] };
    const v1 = await rawOpen(factory, REPORT_DB_NAME, 1, (db) => {
      db.createObjectStore('reports', { keyPath: 'id' });
    });
    await new Promise<void>((resolve, reject) => {
      const tx = v1.transaction('reports', 'readwrite');
      tx.objectStore('reports').put(old);
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error('v1 write failed'));
    });
    v1.close();
    const store = await open(factory);
    const upgraded = await store.get('r1');
    expect(upgraded?.schemaVersion).toBe(3);
    expect(upgraded?.challenges).toEqual([
      { participantId: 'p1', t: 1500, endedAt: 1500, challenge: 'turn left', outcome: 'failed', counted: true, detail: 'lost', reasons: [], steps: [], advice: [] },
    ]);
    expect({ ...upgraded, schemaVersion: 2, challenges: old.challenges }).toEqual(old);
    // What the store gives back now passes the export's validator (an export of a stored report must work).
    expect(callReportProblem(upgraded)).toBeNull();
  });

  it('creates version 3 from nothing (0 → 1 → 2 → 3)', async () => {
    const factory = new IDBFactory();
    const store = await open(factory, 'fresh');
    expect(await store.list()).toEqual([]);
    store.close();
    const db = await rawOpen(factory, 'fresh', REPORT_DB_VERSION);
    expect(db.version).toBe(3);
    expect([...db.objectStoreNames].sort()).toEqual(['keyFrames', 'outbox', 'reports']);
    db.close();
  });

  it('refuses, with a clear message, when another page holds the old version open', async () => {
    const factory = new IDBFactory();
    const old = await rawOpen(factory, REPORT_DB_NAME, 1, (db) => {
      db.createObjectStore('reports', { keyPath: 'id' });
    });
    // This connection ignores versionchange, as an old page without the handler would.
    await expect(openReportStore(factory)).rejects.toBeInstanceOf(StorageBlockedError);
    old.close();
    // The pending upgrade then completes and its connection is closed, so a new open works.
    const store = await open(factory);
    expect(await store.list()).toEqual([]);
  });

  it('closes itself when a newer version wants to upgrade, and says so', async () => {
    const factory = new IDBFactory();
    const store = await open(factory);
    const newer = await rawOpen(factory, REPORT_DB_NAME, REPORT_DB_VERSION + 1);
    await expect(store.list()).rejects.toThrow(/newer version of Unmask is upgrading/);
    newer.close();
    await expect(openReportStore(factory)).rejects.toThrow(/written by a newer version of Unmask/);
  });
});

describe('ReportStore errors', () => {
  const quota = (): DOMException => new DOMException('The quota has been exceeded.', 'QuotaExceededError');

  it('turns a quota error thrown by put into StorageFullError and loses nothing saved before', async () => {
    const store = await open(new IDBFactory());
    const a = makeReport('a', 1000, { frames: 2 });
    await store.save(a);
    await store.save(makeReport('b', 2000, { frames: 1 }));

    const proto = FakeIDBObjectStore.prototype as unknown as { put: IDBObjectStore['put'] };
    const put = proto.put;
    vi.spyOn(proto, 'put').mockImplementation(function (
      this: IDBObjectStore,
      ...args: Parameters<IDBObjectStore['put']>
    ) {
      if (this.name === 'keyFrames') throw quota();
      return put.apply(this, args);
    });

    const failed = store.save(makeReport('c', 3000, { frames: 2 }));
    await expect(failed).rejects.toBeInstanceOf(StorageFullError);
    await expect(failed).rejects.toThrow(STORAGE_FULL_MESSAGE);
    // Replacing a report that fails keeps the old version whole.
    const replaced = store.save({ ...a, note: 'new', keyFrames: [frame('p1', 1)] });
    await expect(replaced).rejects.toBeInstanceOf(StorageFullError);
    vi.restoreAllMocks();

    expect((await store.list()).map((m) => m.id)).toEqual(['b', 'a']);
    expect(await store.get('c')).toBeNull();
    expect(await store.get('a')).toEqual(a);
  });

  it('turns a transaction aborted by a quota error (as at commit time) into StorageFullError', async () => {
    const store = await open(new IDBFactory());
    const a = makeReport('a', 1000, { frames: 2 });
    await store.save(a);

    // The request itself fails asynchronously with QuotaExceededError, which aborts the transaction with that error,
    // as Chrome does when the disk fills while writing. (fake-indexeddb 6.2.8 internals.)
    type ExecArg = { operation: () => unknown; source?: { name?: string } | null };
    const proto = FakeIDBTransaction.prototype as unknown as { _execRequestAsync: (arg: ExecArg) => IDBRequest };
    const exec = proto._execRequestAsync;
    vi.spyOn(proto, '_execRequestAsync').mockImplementation(function (this: unknown, arg: ExecArg) {
      const failing =
        arg.source?.name === 'keyFrames'
          ? {
              ...arg,
              operation: () => {
                throw quota();
              },
            }
          : arg;
      return exec.call(this, failing);
    });

    await expect(store.save(makeReport('c', 3000, { frames: 1 }))).rejects.toThrow(STORAGE_FULL_MESSAGE);
    vi.restoreAllMocks();
    expect((await store.list()).map((m) => m.id)).toEqual(['a']);
    expect(await store.get('a')).toEqual(a);
  });

  it('reports an IndexedDB that cannot be opened as StorageDeniedError', async () => {
    const throwing = {
      open: () => {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      },
    } as unknown as IDBFactory;
    await expect(openReportStore(throwing)).rejects.toBeInstanceOf(StorageDeniedError);
    await expect(openReportStore(throwing)).rejects.toThrow(/does not let Unmask store reports.*SecurityError/);

    // An open request that fails later, as in a restricted profile.
    const failing = {
      open: () => {
        const req = {
          error: new DOMException('The database is not available in this profile.', 'InvalidStateError'),
          onerror: null as ((ev: { preventDefault: () => void }) => void) | null,
        };
        setTimeout(() => req.onerror?.({ preventDefault: () => undefined }), 0);
        return req;
      },
    } as unknown as IDBFactory;
    await expect(openReportStore(failing)).rejects.toBeInstanceOf(StorageDeniedError);

    // No IndexedDB at all (Node has none: the default factory is undefined here).
    await expect(openReportStore()).rejects.toBeInstanceOf(StorageDeniedError);
  });
});
