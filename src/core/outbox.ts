/**
 * The persistent delivery queue for the organisation's report endpoint.
 *
 * Items live in the report store (IndexedDB), so a report queued before the browser closed is sent after it opens
 * again. Each attempt POSTs the report's export JSON once; failures that may pass (network, timeout, 408, 425, 429,
 * 5xx) are retried with exponential backoff and jitter; other 4xx answers are final ("rejected"): the item goes, the
 * report stays, and the user can export it or queue it again.
 *
 * Delivery contract with the receiver: at least once. Every attempt for a report carries the same
 * `Idempotency-Key` (the report id, also in `X-Unmask-Report-Id`) and the same body. A browser killed after sending
 * but before recording the answer sends the report again later with the same key, and two Unmask pages may, after an
 * expired lease, both send it; the receiver must treat a repeated Idempotency-Key as the same report (store it once
 * and answer 2xx again).
 */
import { isOutboxItemDue, type OutboxItem, type ReportStore } from './report-store';

export interface OutboxDeps {
  fetch: typeof fetch;
  now: () => number;
  random: () => number;
  /** The request body for a report (its export JSON); it should be the same for every attempt. */
  body: (reportId: string) => Promise<string>;
  timeoutMs: number;
  backoff: { baseMs: number; maxMs: number };
  /** How long an attempt holds its item; longer than `timeoutMs`, so a live attempt is never taken over. */
  leaseMs: number;
}

export const DEFAULT_OUTBOX_TIMING = {
  timeoutMs: 15_000,
  backoff: { baseMs: 30_000, maxMs: 3_600_000 },
  leaseMs: 60_000,
} as const satisfies Pick<OutboxDeps, 'timeoutMs' | 'backoff' | 'leaseMs'>;

export interface FlushSummary {
  attempted: number;
  delivered: number;
  rescheduled: number;
  rejected: number;
}

/** A server may ask for a longer pause than our backoff, but not to park a report for more than a day. */
const MAX_RETRY_AFTER_MS = 24 * 3_600_000;
/** How much of a rejection's response body is kept to show the user. */
const MAX_ERROR_TEXT = 200;
const MAX_ERROR_BODY_BYTES = 4096;

type AttemptResult =
  | { kind: 'delivered' }
  | { kind: 'retry'; error: string; retryAfterMs: number }
  | { kind: 'rejected'; error: string };

export class Outbox {
  private running: Promise<FlushSummary> | null = null;
  /** Called unbound: the browser's `fetch` throws "Illegal invocation" when called as a method of another object. */
  private readonly fetchFn: typeof fetch;

  constructor(
    private readonly store: ReportStore,
    private readonly deps: OutboxDeps,
  ) {
    this.fetchFn = deps.fetch;
  }

  /**
   * Queues a saved report for `endpoint` (which settings validation has checked: `endpointError` in shared/settings) and marks it queued.
   * Idempotent: a report already queued keeps its one item, attempts and schedule (only the endpoint is updated).
   */
  async enqueue(reportId: string, endpoint: string): Promise<void> {
    const now = this.deps.now();
    const queued = await this.store.enqueueOutboxItem({
      key: reportId,
      reportId,
      endpoint,
      attempts: 0,
      nextAttemptAt: now,
      lastError: null,
      leaseUntil: 0,
      createdAt: now,
    });
    if (!queued) throw new Error(`There is no saved report ${reportId} to send.`);
  }

  /**
   * Tries every due item once, one after the other. Never throws. While a flush runs, another call gets the running
   * flush's summary instead of starting a second one (which would send the same reports twice).
   */
  flush(): Promise<FlushSummary> {
    this.running ??= this.flushOnce().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** When the next item becomes due (an in-flight one: when its lease expires); null when the queue is empty. */
  async nextWakeAt(): Promise<number | null> {
    const items = await this.store.outboxItems();
    let earliest: number | null = null;
    for (const item of items) {
      const at = Math.max(item.nextAttemptAt, item.leaseUntil);
      if (earliest === null || at < earliest) earliest = at;
    }
    return earliest;
  }

  private async flushOnce(): Promise<FlushSummary> {
    const summary: FlushSummary = { attempted: 0, delivered: 0, rescheduled: 0, rejected: 0 };
    let items: OutboxItem[];
    try {
      items = await this.store.outboxItems();
    } catch (e) {
      console.warn('Unmask outbox: cannot read the queue', e);
      return summary;
    }
    const now = this.deps.now();
    const due = items
      .filter((item) => isOutboxItemDue(item, now))
      .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || a.createdAt - b.createdAt);
    for (const item of due) {
      try {
        const outcome = await this.attempt(item.key);
        if (outcome === null) continue;
        summary.attempted++;
        summary[outcome]++;
      } catch (e) {
        // A storage failure for this item: its lease (if taken) expires and a later flush tries it again.
        console.warn('Unmask outbox: could not process', item.key, e);
      }
    }
    return summary;
  }

  /** One attempt at one item; null when there was nothing to do (not due any more, taken, or its report gone). */
  private async attempt(key: string): Promise<'delivered' | 'rescheduled' | 'rejected' | null> {
    const claimed = await this.store.claimOutboxItem(key, this.deps.now(), this.deps.leaseMs);
    if (!claimed) return null;
    const result = await this.send(claimed);
    const at = this.deps.now();
    switch (result.kind) {
      case 'delivered':
        await this.store.settleOutboxItem(key, claimed.leaseUntil, null, { state: 'delivered', at });
        return 'delivered';
      case 'rejected':
        await this.store.settleOutboxItem(key, claimed.leaseUntil, null, {
          state: 'rejected',
          at,
          error: result.error,
        });
        return 'rejected';
      case 'retry': {
        const nextAttemptAt = at + Math.max(this.backoffMs(claimed.attempts), result.retryAfterMs);
        const next: OutboxItem = { ...claimed, nextAttemptAt, lastError: result.error, leaseUntil: 0 };
        await this.store.settleOutboxItem(key, claimed.leaseUntil, next, {
          state: 'queued',
          attempts: next.attempts,
          nextAttemptAt,
          lastError: result.error,
        });
        return 'rescheduled';
      }
    }
  }

  /** Exponential backoff from `baseMs`, capped at `maxMs`, with ±20% jitter so many browsers do not retry at once. */
  private backoffMs(attempts: number): number {
    const { baseMs, maxMs } = this.deps.backoff;
    const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
    return exp * (0.8 + 0.4 * this.deps.random());
  }

  private async send(item: OutboxItem): Promise<AttemptResult> {
    let body: string;
    try {
      body = await this.deps.body(item.reportId);
    } catch (e) {
      return { kind: 'retry', error: short(`could not prepare the report: ${errorText(e)}`), retryAfterMs: 0 };
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.deps.timeoutMs);
    try {
      const response = await this.fetchFn(item.endpoint, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'Idempotency-Key': item.key,
          'X-Unmask-Report-Id': item.reportId,
        },
        body,
        signal: controller.signal,
        // No cookies or HTTP auth of the user's go along, a redirect cannot take the report elsewhere, and no cache
        // answers in the endpoint's place.
        credentials: 'omit',
        redirect: 'error',
        cache: 'no-store',
      });
      const status = response.status;
      if (response.ok) {
        discard(response);
        return { kind: 'delivered' };
      }
      if (isRetryableStatus(status)) {
        discard(response);
        return {
          kind: 'retry',
          error: `HTTP ${status}`,
          retryAfterMs: retryAfterMs(response.headers.get('Retry-After'), this.deps.now()),
        };
      }
      if (status >= 400 && status < 500) {
        const text = await readSnippet(response);
        return { kind: 'rejected', error: text ? `HTTP ${status}: ${text}` : `HTTP ${status}` };
      }
      // Anything else (a 1xx or 3xx that fetch let through) is unexpected but may be a passing misconfiguration.
      discard(response);
      return { kind: 'retry', error: `HTTP ${status}`, retryAfterMs: 0 };
    } catch (e) {
      if (controller.signal.aborted) {
        return { kind: 'retry', error: `timed out after ${seconds(this.deps.timeoutMs)} s`, retryAfterMs: 0 };
      }
      return { kind: 'retry', error: short(`network error: ${errorText(e)}`), retryAfterMs: 0 };
    } finally {
      clearTimeout(timer);
    }
  }
}

const isRetryableStatus = (status: number): boolean =>
  status === 408 || status === 425 || status === 429 || (status >= 500 && status <= 599);

/** Retry-After as delay-seconds or an HTTP date; 0 when absent or unreadable. */
function retryAfterMs(header: string | null, now: number): number {
  if (header === null) return 0;
  const value = header.trim();
  let ms: number;
  if (/^\d+$/.test(value)) ms = Number(value) * 1000;
  else {
    const date = Date.parse(value);
    if (Number.isNaN(date)) return 0;
    ms = date - now;
  }
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

/** Up to MAX_ERROR_TEXT characters of the response body, on one line; '' if it cannot be read. */
async function readSnippet(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  try {
    while (bytes < MAX_ERROR_BODY_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // Timed out or cut off: keep what arrived.
  } finally {
    reader.cancel().catch(() => undefined);
  }
  // Control characters out: the text comes from the server and is shown to the user.
  // eslint-disable-next-line no-control-regex
  return short(text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim());
}

/** Frees the connection without reading an answer we do not need. */
function discard(response: Response): void {
  response.body?.cancel().catch(() => undefined);
}

function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  // Node's fetch says only "fetch failed" and puts the reason (ECONNREFUSED, ...) in `cause`.
  const cause = (e as { cause?: unknown }).cause;
  if (cause && typeof cause === 'object') {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') return `${e.message} (${code})`;
    if (cause instanceof Error && cause.message) return `${e.message} (${cause.message})`;
  }
  return e.message || e.name;
}

const short = (text: string): string =>
  text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT - 1)}…` : text;

const seconds = (ms: number): string => String(Math.round(ms / 100) / 10);
