/**
 * Call reports kept on this computer, in the extension origin's IndexedDB (shared by the extension's pages and its
 * background service worker), and the organisation outbox's persistent items.
 *
 * Layout (version 3; version 3 only upgraded the stored reports to report schema 3):
 * - `reports`: `{ meta, report }` keyed by `meta.id`, with the report's `keyFrames` emptied so that listing reports
 *   never loads images; index `createdAt` on `meta.createdAt` for newest-first listing and retention.
 * - `keyFrames`: `{ reportId, index, frame }` keyed by `[reportId, index]`, index `reportId`, so one report's frames
 *   come back in order with one request and go away with it.
 * - `outbox`: `OutboxItem`s keyed by `key` (see core/outbox).
 *
 * Every write that touches several stores is one transaction, so a failure (a full disk, above all) rolls the whole
 * write back and leaves what was saved before as it was.
 *
 * Only callback-style requests are used inside a transaction (no awaits between requests): a transaction commits as
 * soon as no request is pending, and awaiting anything else would let it close under us.
 */
import type { CallReport, IntegrityCheck, KeyFrame, StoredReportMeta } from '../shared/report-types';
import type { RiskVerdict } from '../shared/types';
import { upgradeReport } from './report-format';

export const REPORT_DB_NAME = 'unmask-reports';
export const REPORT_DB_VERSION = 3;

const REPORTS = 'reports';
const KEY_FRAMES = 'keyFrames';
const OUTBOX = 'outbox';
type StoreName = typeof REPORTS | typeof KEY_FRAMES | typeof OUTBOX;

export type Delivery = StoredReportMeta['delivery'];

/** One report waiting for the organisation endpoint. */
export interface OutboxItem {
  /** Idempotency key, `${reportId}`: the same for every attempt, so the receiver can drop duplicates. */
  key: string;
  reportId: string;
  endpoint: string;
  /** Attempts started so far (counted when the attempt's lease is taken, before the request). */
  attempts: number;
  /** ms since the epoch: not tried again before this. */
  nextAttemptAt: number;
  lastError: string | null;
  /** ms since the epoch until which an attempt is in flight; 0 when none is. */
  leaseUntil: number;
  createdAt: number;
}

/** An item is due when its time has come and no live attempt holds it (an expired lease: the sender died). */
export function isOutboxItemDue(item: OutboxItem, now: number): boolean {
  return item.nextAttemptAt <= now && item.leaseUntil <= now;
}

export const STORAGE_FULL_MESSAGE =
  'Not enough storage space to save this report. Nothing already saved was lost. Free some disk space, or delete old ' +
  'reports on the Reports page, and try again (you can also export the report to a file instead).';

export class StorageFullError extends Error {
  override readonly name = 'StorageFullError';
  constructor(options?: { cause?: unknown }) {
    super(STORAGE_FULL_MESSAGE, options);
  }
}

export class StorageDeniedError extends Error {
  override readonly name = 'StorageDeniedError';
  constructor(detail: string, options?: { cause?: unknown }) {
    super(
      'This browser does not let Unmask store reports (IndexedDB is unavailable, as in some private or restricted ' +
        `profiles): ${detail}. Reports cannot be saved here, but you can still export them to a file.`,
      options,
    );
  }
}

/** Another tab or window of Unmask holds the previous version of the report database open and does not let go. */
export class StorageBlockedError extends Error {
  override readonly name = 'StorageBlockedError';
  constructor() {
    super(
      "Unmask's report storage is being upgraded, but another Unmask page still uses the old version. Close or " +
        "reload Unmask's other pages (Reports, report), then try again.",
    );
  }
}

const RANK: Record<RiskVerdict, number> = { insufficient: 0, genuine: 1, suspicious: 2, deepfake: 3 };

/** The worst verdict anyone in the report ever had: its own participants' final verdicts and timelines. */
function worstVerdictOf(report: CallReport): RiskVerdict {
  let worst: RiskVerdict = 'insufficient';
  const consider = (v: unknown): void => {
    if (typeof v === 'string' && v in RANK && RANK[v as RiskVerdict] > RANK[worst]) worst = v as RiskVerdict;
  };
  // Defensive reads: records converted from older layouts were never validated against today's shape.
  for (const p of Array.isArray(report.participants) ? report.participants : []) {
    consider(p.finalVerdict);
    for (const point of Array.isArray(p.timeline) ? p.timeline : []) consider(point.verdict);
  }
  return worst;
}

function metaOfReport(
  report: CallReport,
  extra: { imported: boolean; integrity: IntegrityCheck | null; delivery: Delivery },
): StoredReportMeta {
  return {
    id: report.id,
    createdAt: report.createdAt,
    site: report.call.site,
    meetingUrl: report.call.meetingUrl,
    participantCount: Array.isArray(report.participants) ? report.participants.length : 0,
    worstVerdict: worstVerdictOf(report),
    keyFrameCount: Array.isArray(report.keyFrames) ? report.keyFrames.length : 0,
    imported: extra.imported,
    integrity: extra.integrity,
    delivery: extra.delivery,
  };
}

interface ReportRecord {
  meta: StoredReportMeta;
  /** The report with `keyFrames: []`; its frames are in the `keyFrames` store. */
  report: CallReport;
}

interface KeyFrameRecord {
  reportId: string;
  index: number;
  frame: KeyFrame;
}

function splitReport(report: CallReport, meta: StoredReportMeta): { record: ReportRecord; frames: KeyFrameRecord[] } {
  const frames = (Array.isArray(report.keyFrames) ? report.keyFrames : []).map((frame, index) => ({
    reportId: report.id,
    index,
    frame,
  }));
  return { record: { meta, report: { ...report, keyFrames: [] } }, frames };
}

const isQuotaError = (e: unknown): boolean =>
  typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'QuotaExceededError';

/** A full disk becomes StorageFullError, whichever way IndexedDB reported it; anything else stays as it was. */
function toStorageError(e: unknown): Error {
  if (e instanceof StorageFullError) return e;
  if (isQuotaError(e)) return new StorageFullError({ cause: e });
  if (e instanceof Error) return e;
  return new Error(String(e));
}

const describe = (e: unknown): string =>
  e instanceof Error || (typeof e === 'object' && e !== null && 'name' in e)
    ? `${(e as { name: string }).name}: ${(e as { message?: string }).message ?? ''}`.trim()
    : String(e);

function openError(e: unknown): Error {
  if (isQuotaError(e)) return new StorageFullError({ cause: e });
  const name = typeof e === 'object' && e !== null ? (e as { name?: unknown }).name : undefined;
  if (name === 'VersionError') {
    return new Error(
      'The saved reports were written by a newer version of Unmask than this one. Update Unmask to open them.',
      { cause: e },
    );
  }
  if (name === 'AbortError' || e instanceof MigrationError) {
    return new Error(`Could not upgrade the saved reports to this version of Unmask (${describe(e)}).`, { cause: e });
  }
  // SecurityError, InvalidStateError, UnknownError, ...: the profile does not allow IndexedDB (or it is broken).
  return new StorageDeniedError(describe(e), { cause: e });
}

class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

/**
 * One migration step per version, from the version before it. A step may issue requests and calls `done` once they
 * have finished, so the next step sees its result (requests in one transaction run in order, but a cursor's later
 * requests would otherwise come after the next step's).
 */
type Migration = (db: IDBDatabase, tx: IDBTransaction, done: () => void, fail: (e: unknown) => void) => void;

const MIGRATIONS: Record<number, Migration> = {
  // v1, the first layout: whole reports, images included, in one store.
  1: (db, _tx, done) => {
    db.createObjectStore(REPORTS, { keyPath: 'id' });
    done();
  },
  // v2: images out of the report records (listing read every image), metadata kept next to each report, outbox.
  2: (db, tx, done, fail) => {
    // A store's key path cannot change, so the old store steps aside and its records are copied, one cursor step
    // at a time (never the whole database in memory at once), then it is dropped.
    const old = tx.objectStore(REPORTS);
    old.name = 'reports-v1';
    const reports = db.createObjectStore(REPORTS, { keyPath: 'meta.id' });
    reports.createIndex('createdAt', 'meta.createdAt');
    const frames = db.createObjectStore(KEY_FRAMES, { keyPath: ['reportId', 'index'] });
    frames.createIndex('reportId', 'reportId');
    db.createObjectStore(OUTBOX, { keyPath: 'key' });
    const cursor = old.openCursor();
    cursor.onsuccess = () => {
      try {
        const c = cursor.result;
        if (!c) {
          db.deleteObjectStore('reports-v1');
          done();
          return;
        }
        const v1 = c.value as CallReport;
        if (typeof v1 !== 'object' || v1 === null || typeof v1.id !== 'string' || typeof v1.call !== 'object') {
          throw new MigrationError(`a saved report (key ${JSON.stringify(c.key)}) is not a report`);
        }
        const meta = metaOfReport(v1, { imported: false, integrity: null, delivery: { state: 'none' } });
        const { record, frames: frameRecords } = splitReport(v1, meta);
        reports.put(record);
        for (const f of frameRecords) frames.put(f);
        c.continue();
      } catch (e) {
        fail(e);
      }
    };
  },
  // v3: the stored reports move to report schema 3 (caller verification steps), one cursor step at a time.
  3: (_db, tx, done, fail) => {
    const cursor = tx.objectStore(REPORTS).openCursor();
    cursor.onsuccess = () => {
      try {
        const c = cursor.result;
        if (!c) {
          done();
          return;
        }
        const record = c.value as { meta: unknown; report: unknown };
        const report = upgradeReport(record.report);
        if (report !== record.report) c.update({ ...record, report });
        c.continue();
      } catch (e) {
        fail(e);
      }
    };
  },
};

function migrate(db: IDBDatabase, tx: IDBTransaction, from: number, to: number, fail: (e: unknown) => void): void {
  const step = (version: number): void => {
    if (version > to) return;
    const migration = MIGRATIONS[version];
    if (!migration) {
      fail(new MigrationError(`no migration to version ${version}`));
      return;
    }
    try {
      migration(db, tx, () => step(version + 1), fail);
    } catch (e) {
      fail(e);
    }
  };
  step(from + 1);
}

/**
 * Opens (creating or upgrading as needed) the report database. Rejects with StorageDeniedError where IndexedDB
 * cannot be used, StorageBlockedError while another page holds an older version open, StorageFullError when the
 * upgrade has no room.
 */
export function openReportStore(
  factory: IDBFactory = globalThis.indexedDB,
  name: string = REPORT_DB_NAME,
): Promise<ReportStore> {
  return new Promise((resolve, reject) => {
    if ((factory as IDBFactory | undefined) === undefined) {
      reject(new StorageDeniedError('indexedDB is not defined'));
      return;
    }
    let request: IDBOpenDBRequest;
    try {
      request = factory.open(name, REPORT_DB_VERSION);
    } catch (e) {
      reject(openError(e));
      return;
    }
    let settled = false;
    let migrationFailure: unknown = null;
    request.onupgradeneeded = (event) => {
      const db = request.result;
      const tx = request.transaction;
      if (!tx) return;
      migrate(db, tx, event.oldVersion, event.newVersion ?? REPORT_DB_VERSION, (e) => {
        migrationFailure ??= e;
        try {
          tx.abort();
        } catch {
          // Already finished or aborting: the open request reports the failure either way.
        }
      });
    };
    request.onblocked = () => {
      // The open stays pending until the other page lets go; if it ever succeeds, onsuccess closes it again.
      settled = true;
      reject(new StorageBlockedError());
    };
    request.onsuccess = () => {
      const db = request.result;
      if (settled) {
        db.close();
        return;
      }
      settled = true;
      resolve(new ReportStore(db));
    };
    request.onerror = (event) => {
      event.preventDefault();
      if (settled) return;
      settled = true;
      reject(openError(migrationFailure ?? request.error));
    };
  });
}

interface TxContext {
  tx: IDBTransaction;
  store: (name: StoreName) => IDBObjectStore;
  /** Wraps a request callback: an exception in it aborts the transaction and becomes the promise's rejection. */
  safe: <A extends unknown[]>(fn: (...args: A) => void) => (...args: A) => void;
}

export class ReportStore {
  private closedBecause: string | null = null;

  constructor(private readonly db: IDBDatabase) {
    db.onversionchange = () => {
      // A newer Unmask (another page, or the updated extension) wants to upgrade: let it, rather than block it.
      this.closedBecause =
        "Unmask's report storage was closed because a newer version of Unmask is upgrading it. Reload this page.";
      db.close();
    };
  }

  /**
   * Saves (or replaces) a report with its key frames in one transaction. A replaced report keeps its delivery state,
   * and its `imported` and `integrity` unless given.
   */
  save(
    report: CallReport,
    opts?: { imported?: boolean; integrity?: IntegrityCheck | null },
  ): Promise<StoredReportMeta> {
    return this.run([REPORTS, KEY_FRAMES], 'readwrite', ({ store, safe }) => {
      let meta: StoredReportMeta | null = null;
      const reports = store(REPORTS);
      const frames = store(KEY_FRAMES);
      const previous = reports.get(report.id);
      previous.onsuccess = safe(() => {
        const prev = previous.result as ReportRecord | undefined;
        const m = metaOfReport(report, {
          imported: opts?.imported ?? prev?.meta.imported ?? false,
          integrity: opts?.integrity !== undefined ? opts.integrity : (prev?.meta.integrity ?? null),
          delivery: prev?.meta.delivery ?? { state: 'none' },
        });
        const { record, frames: frameRecords } = splitReport(report, m);
        reports.put(record);
        const oldKeys = frames.index('reportId').getAllKeys(report.id);
        oldKeys.onsuccess = safe(() => {
          for (const key of oldKeys.result) frames.delete(key);
          for (const f of frameRecords) frames.put(f);
          meta = m;
        });
      });
      return () => {
        if (!meta) throw new Error('The report was not saved.');
        return meta;
      };
    });
  }

  /** Every report's metadata, newest first. Reads no key frame. */
  list(): Promise<StoredReportMeta[]> {
    return this.run([REPORTS], 'readonly', ({ store, safe }) => {
      const out: StoredReportMeta[] = [];
      const cursor = store(REPORTS).index('createdAt').openCursor(null, 'prev');
      cursor.onsuccess = safe(() => {
        const c = cursor.result;
        if (!c) return;
        out.push((c.value as ReportRecord).meta);
        c.continue();
      });
      return () => out;
    });
  }

  /** The whole report, key frames included and in order; null if there is none with this id. */
  get(id: string): Promise<CallReport | null> {
    return this.run([REPORTS, KEY_FRAMES], 'readonly', ({ store }) => {
      const record = store(REPORTS).get(id);
      const frames = store(KEY_FRAMES).index('reportId').getAll(id);
      return () => {
        const r = record.result as ReportRecord | undefined;
        if (!r) return null;
        // Index order is [reportId, index], so the frames are already in their report order.
        return { ...r.report, keyFrames: (frames.result as KeyFrameRecord[]).map((f) => f.frame) };
      };
    });
  }

  meta(id: string): Promise<StoredReportMeta | null> {
    return this.run([REPORTS], 'readonly', ({ store }) => {
      const record = store(REPORTS).get(id);
      return () => (record.result as ReportRecord | undefined)?.meta ?? null;
    });
  }

  /** Deletes a report, its key frames and its outbox item. False if there was no such report. */
  delete(id: string): Promise<boolean> {
    return this.run([REPORTS, KEY_FRAMES, OUTBOX], 'readwrite', ({ store, safe }) => {
      const count = store(REPORTS).count(id);
      deleteReport(store, safe, id);
      store(OUTBOX).delete(id);
      return () => count.result > 0;
    });
  }

  /**
   * Retention: deletes the reports created before `cutoffMs` (ms since the epoch), except those still waiting to be
   * delivered (evidence the organisation has not received yet). Returns how many were deleted.
   */
  deleteOlderThan(cutoffMs: number): Promise<number> {
    return this.run([REPORTS, KEY_FRAMES, OUTBOX], 'readwrite', ({ store, safe }) => {
      let deleted = 0;
      const outbox = store(OUTBOX).getAll();
      outbox.onsuccess = safe(() => {
        const waiting = new Set((outbox.result as OutboxItem[]).map((item) => item.reportId));
        const cursor = store(REPORTS).index('createdAt').openCursor();
        cursor.onsuccess = safe(() => {
          const c = cursor.result;
          if (!c) return;
          const { meta } = c.value as ReportRecord;
          if (meta.createdAt >= cutoffMs) return; // ascending: everything after is newer
          if (meta.delivery.state !== 'queued' && !waiting.has(meta.id)) {
            deleteReport(store, safe, meta.id);
            deleted++;
          }
          c.continue();
        });
      });
      return () => deleted;
    });
  }

  /** Sets a report's delivery state; does nothing if the report is gone. */
  setDelivery(id: string, delivery: Delivery): Promise<void> {
    return this.run([REPORTS], 'readwrite', ({ store, safe }) => {
      const reports = store(REPORTS);
      const record = reports.get(id);
      record.onsuccess = safe(() => {
        const r = record.result as ReportRecord | undefined;
        if (r) reports.put({ ...r, meta: { ...r.meta, delivery } });
      });
      return () => undefined;
    });
  }

  putOutboxItem(item: OutboxItem): Promise<void> {
    return this.run([OUTBOX], 'readwrite', ({ store }) => {
      store(OUTBOX).put(item);
      return () => undefined;
    });
  }

  outboxItems(): Promise<OutboxItem[]> {
    return this.run([OUTBOX], 'readonly', ({ store }) => {
      const all = store(OUTBOX).getAll();
      return () => all.result as OutboxItem[];
    });
  }

  deleteOutboxItem(key: string): Promise<void> {
    return this.run([OUTBOX], 'readwrite', ({ store }) => {
      store(OUTBOX).delete(key);
      return () => undefined;
    });
  }

  /*
   * The outbox's own steps. Each is one transaction over the item and its report, so the item and the report's
   * delivery state never disagree, and (IndexedDB runs overlapping read-write transactions one after the other, in
   * every page and worker of the origin) two senders cannot both take the same item.
   */

  /**
   * Queues a report: keeps an existing item (updating only its endpoint), else adds `item`; sets the report's
   * delivery to queued. False (and nothing written) if the report does not exist.
   */
  enqueueOutboxItem(item: OutboxItem): Promise<boolean> {
    return this.run([REPORTS, OUTBOX], 'readwrite', ({ store, safe }) => {
      let queued = false;
      const reports = store(REPORTS);
      const outbox = store(OUTBOX);
      const record = reports.get(item.reportId);
      const existing = outbox.get(item.key);
      existing.onsuccess = safe(() => {
        const r = record.result as ReportRecord | undefined;
        if (!r) return;
        const prev = existing.result as OutboxItem | undefined;
        const kept = prev ? { ...prev, endpoint: item.endpoint } : item;
        outbox.put(kept);
        reports.put({ ...r, meta: { ...r.meta, delivery: queuedDelivery(kept) } });
        queued = true;
      });
      return () => queued;
    });
  }

  /**
   * Takes the lease on a due item for one attempt: `attempts + 1`, `leaseUntil = now + leaseMs`, written before any
   * request goes out, so that a sender killed mid-request leaves an item that becomes due again when the lease
   * expires. Null if the item is gone, not due, or held by a live attempt; an item whose report is gone is dropped.
   */
  claimOutboxItem(key: string, now: number, leaseMs: number): Promise<OutboxItem | null> {
    return this.run([REPORTS, OUTBOX], 'readwrite', ({ store, safe }) => {
      let claimed: OutboxItem | null = null;
      const reports = store(REPORTS);
      const outbox = store(OUTBOX);
      const existing = outbox.get(key);
      existing.onsuccess = safe(() => {
        const item = existing.result as OutboxItem | undefined;
        if (!item || !isOutboxItemDue(item, now)) return;
        const record = reports.get(item.reportId);
        record.onsuccess = safe(() => {
          const r = record.result as ReportRecord | undefined;
          if (!r) {
            outbox.delete(key);
            return;
          }
          const leased: OutboxItem = { ...item, attempts: item.attempts + 1, leaseUntil: now + leaseMs };
          outbox.put(leased);
          reports.put({ ...r, meta: { ...r.meta, delivery: queuedDelivery(leased) } });
          claimed = leased;
        });
      });
      return () => claimed;
    });
  }

  /**
   * Records an attempt's outcome. `next` is the rescheduled item, or null to remove it (delivered or rejected).
   * "delivered" always wins (the receiver has the report, whoever sent it). Any other outcome is written only while
   * the attempt still holds its lease (`leaseUntil` unchanged): an attempt that outlived its lease, and was taken
   * over by another sender, must not undo what that sender recorded. Returns "settled", "stale" (nothing written)
   * or "gone" (the report was deleted meanwhile; its item is dropped).
   */
  settleOutboxItem(
    key: string,
    leaseUntil: number,
    next: OutboxItem | null,
    delivery: Delivery,
  ): Promise<'settled' | 'stale' | 'gone'> {
    return this.run([REPORTS, OUTBOX], 'readwrite', ({ store, safe }) => {
      let outcome: 'settled' | 'stale' | 'gone' = 'stale';
      const reports = store(REPORTS);
      const outbox = store(OUTBOX);
      const existing = outbox.get(key);
      existing.onsuccess = safe(() => {
        const item = existing.result as OutboxItem | undefined;
        const reportId = item?.reportId ?? next?.reportId ?? key;
        const rec = reports.get(reportId);
        rec.onsuccess = safe(() => {
          const r = rec.result as ReportRecord | undefined;
          if (!r) {
            outbox.delete(key);
            outcome = 'gone';
            return;
          }
          if (delivery.state !== 'delivered' && (!item || item.leaseUntil !== leaseUntil)) return;
          if (next && delivery.state !== 'delivered') outbox.put(next);
          else outbox.delete(key);
          reports.put({ ...r, meta: { ...r.meta, delivery } });
          outcome = 'settled';
        });
      });
      return () => outcome;
    });
  }

  close(): void {
    this.closedBecause ??= 'The report store is closed.';
    this.db.close();
  }

  private run<T>(names: StoreName[], mode: IDBTransactionMode, body: (ctx: TxContext) => () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.closedBecause) {
        reject(new Error(this.closedBecause));
        return;
      }
      let tx: IDBTransaction;
      try {
        // Strict durability for writes: a saved report is evidence and must survive a crash right after "Saved".
        tx = this.db.transaction(names, mode, mode === 'readwrite' ? { durability: 'strict' } : undefined);
      } catch (e) {
        reject(toStorageError(e));
        return;
      }
      let failure: unknown = null;
      const fail = (e: unknown): void => {
        failure ??= e;
        try {
          tx.abort();
        } catch {
          // Already finished or aborting: onabort reports `failure`.
        }
      };
      const ctx: TxContext = {
        tx,
        store: (name) => tx.objectStore(name),
        safe:
          (fn) =>
          (...args) => {
            try {
              fn(...args);
            } catch (e) {
              fail(e);
            }
          },
      };
      let result: (() => T) | null = null;
      tx.oncomplete = () => {
        try {
          resolve((result ?? (() => undefined as T))());
        } catch (e) {
          reject(toStorageError(e));
        }
      };
      // A failed request aborts the transaction (its error event is not prevented), so onabort sees every failure;
      // a quota failure at commit time shows up only there, as tx.error.
      tx.onabort = () =>
        reject(toStorageError(failure ?? tx.error ?? new Error('The storage transaction was aborted.')));
      try {
        result = body(ctx);
      } catch (e) {
        fail(e);
      }
    });
  }
}

function queuedDelivery(item: OutboxItem): Delivery {
  return { state: 'queued', attempts: item.attempts, nextAttemptAt: item.nextAttemptAt, lastError: item.lastError };
}

function deleteReport(store: TxContext['store'], safe: TxContext['safe'], id: string): void {
  store(REPORTS).delete(id);
  const frames = store(KEY_FRAMES);
  const keys = frames.index('reportId').getAllKeys(id);
  keys.onsuccess = safe(() => {
    for (const key of keys.result) frames.delete(key);
  });
}
