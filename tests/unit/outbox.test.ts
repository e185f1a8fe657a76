/**
 * The outbox against a real HTTP server on 127.0.0.1 and Node's real fetch; only the clock is in the test's hands
 * (advanced between flushes), so backoff and leases are exact while timeouts and sockets are real.
 */
import { IDBFactory } from 'fake-indexeddb';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Outbox, type OutboxDeps } from '../../src/core/outbox';
import { openReportStore, type ReportStore } from '../../src/core/report-store';
import { REPORT_FORMAT, REPORT_SCHEMA_VERSION, type CallReport } from '../../src/shared/report-types';

type Step =
  | { status: number; headers?: Record<string, string>; body?: string }
  /** Never answers (the client must time out). */
  | 'hang'
  /** Stores the report, then never answers: the receiver has it, but the sender never hears so. */
  | 'store-and-hang';

interface Received {
  method: string | undefined;
  key: string | undefined;
  reportId: string | undefined;
  contentType: string | undefined;
  body: string;
}

/** An organisation endpoint that follows a script, deduplicates by Idempotency-Key and records every request. */
class TestEndpoint {
  readonly requests: Received[] = [];
  /** Reports the receiver kept, by idempotency key. */
  readonly stored = new Map<string, string>();
  private readonly held: ServerResponse[] = [];
  url = '';

  private constructor(
    private readonly server: Server,
    public script: Step[],
  ) {}

  static async start(script: Step[] = []): Promise<TestEndpoint> {
    const server = createServer();
    const endpoint = new TestEndpoint(server, script);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const header = (name: string): string | undefined => {
          const v = req.headers[name];
          return Array.isArray(v) ? v.join(',') : v;
        };
        const received: Received = {
          method: req.method,
          key: header('idempotency-key'),
          reportId: header('x-unmask-report-id'),
          contentType: header('content-type'),
          body: Buffer.concat(chunks).toString('utf8'),
        };
        endpoint.requests.push(received);
        endpoint.answer(received, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/reports`;
    return endpoint;
  }

  private answer(r: Received, res: ServerResponse): void {
    // A repeated key is the same report: keep it once and acknowledge it again.
    if (r.key !== undefined && this.stored.has(r.key)) {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"duplicate":true}');
      return;
    }
    const step = this.script.shift() ?? { status: 201 };
    if (step === 'hang' || step === 'store-and-hang') {
      if (step === 'store-and-hang' && r.key !== undefined) this.stored.set(r.key, r.body);
      this.held.push(res);
      return;
    }
    if (step.status >= 200 && step.status < 300 && r.key !== undefined) this.stored.set(r.key, r.body);
    res.writeHead(step.status, step.headers).end(step.body ?? '');
  }

  /** Cuts the connections of requests left unanswered. */
  dropHeld(): void {
    for (const res of this.held.splice(0)) res.socket?.destroy();
  }

  async close(): Promise<void> {
    this.dropHeld();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function makeReport(id: string, createdAt = 1_000): CallReport {
  return {
    format: REPORT_FORMAT,
    schemaVersion: REPORT_SCHEMA_VERSION,
    id,
    createdAt,
    call: { site: 'https://meet.example', meetingUrl: 'https://meet.example/abc', startedAt: 0, endedAt: 900 },
    participants: [],
    challenges: [],
    versions: { extension: '0.1.0', model: { name: 'm', version: 'v0', releasedForVerdicts: false }, userAgent: 'ua' },
    keyFrames: [],
    note: '',
  };
}

const clock = { now: 0 };
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function endpoint(script: Step[] = []): Promise<TestEndpoint> {
  const e = await TestEndpoint.start(script);
  cleanups.push(() => e.close());
  return e;
}

async function storeOn(factory: IDBFactory): Promise<ReportStore> {
  const store = await openReportStore(factory);
  cleanups.push(() => store.close());
  return store;
}

function outboxOver(store: ReportStore, overrides: Partial<OutboxDeps> = {}): Outbox {
  return new Outbox(store, {
    fetch: globalThis.fetch,
    now: () => clock.now,
    random: () => 0.5, // jitter factor exactly 1
    // The same bytes every attempt, as the receiver's deduplication expects.
    body: (reportId) => Promise.resolve(JSON.stringify({ format: REPORT_FORMAT, reportId })),
    timeoutMs: 1_000, // generous: a loaded CI machine must not turn a prompt answer into a "timeout"
    backoff: { baseMs: 1_000, maxMs: 8_000 },
    leaseMs: 5_000,
    ...overrides,
  });
}

async function setup(
  script: Step[] = [],
  overrides: Partial<OutboxDeps> = {},
): Promise<{ server: TestEndpoint; store: ReportStore; outbox: Outbox; factory: IDBFactory }> {
  clock.now = 1_700_000_000_000;
  const server = await endpoint(script);
  const factory = new IDBFactory();
  const store = await storeOn(factory);
  await store.save(makeReport('r1'));
  return { server, store, outbox: outboxOver(store, overrides), factory };
}

async function until(condition: () => boolean, ms = 3_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('Outbox', () => {
  it('retries a 500 and a timeout with the same key and body, then delivers once', async () => {
    const { server, store, outbox } = await setup([{ status: 500 }, 'hang', { status: 201 }]);
    await outbox.enqueue('r1', server.url);
    expect((await store.meta('r1'))?.delivery).toEqual({
      state: 'queued',
      attempts: 0,
      nextAttemptAt: clock.now,
      lastError: null,
    });

    expect(await outbox.flush()).toEqual({ attempted: 1, delivered: 0, rescheduled: 1, rejected: 0 });
    expect((await store.meta('r1'))?.delivery).toEqual({
      state: 'queued',
      attempts: 1,
      nextAttemptAt: clock.now + 1_000,
      lastError: 'HTTP 500',
    });
    expect(await outbox.nextWakeAt()).toBe(clock.now + 1_000);
    // Not due yet: nothing is sent.
    expect(await outbox.flush()).toEqual({ attempted: 0, delivered: 0, rescheduled: 0, rejected: 0 });

    clock.now += 1_000;
    const started = Date.now();
    expect(await outbox.flush()).toEqual({ attempted: 1, delivered: 0, rescheduled: 1, rejected: 0 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect((await store.meta('r1'))?.delivery).toEqual({
      state: 'queued',
      attempts: 2,
      nextAttemptAt: clock.now + 2_000,
      lastError: 'timed out after 1 s',
    });

    clock.now += 2_000;
    expect(await outbox.flush()).toEqual({ attempted: 1, delivered: 1, rescheduled: 0, rejected: 0 });
    expect((await store.meta('r1'))?.delivery).toEqual({ state: 'delivered', at: clock.now });
    expect(await store.outboxItems()).toEqual([]);
    expect(await outbox.nextWakeAt()).toBeNull();

    expect(server.requests).toHaveLength(3);
    const body = JSON.stringify({ format: REPORT_FORMAT, reportId: 'r1' });
    for (const r of server.requests) {
      expect(r).toEqual({ method: 'POST', key: 'r1', reportId: 'r1', contentType: 'application/json', body });
    }
    expect([...server.stored.keys()]).toEqual(['r1']);
  });

  it('backs off exponentially up to maxMs, with ±20% jitter', async () => {
    const { server, store, outbox } = await setup(Array.from({ length: 7 }, () => ({ status: 503 })));
    await outbox.enqueue('r1', server.url);
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      await outbox.flush();
      const delivery = (await store.meta('r1'))?.delivery;
      if (delivery?.state !== 'queued') throw new Error('not queued');
      delays.push(delivery.nextAttemptAt - clock.now);
      clock.now = delivery.nextAttemptAt;
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);

    const low = outboxOver(store, { random: () => 0 });
    await low.flush();
    const delivery = (await store.meta('r1'))?.delivery;
    expect(delivery?.state === 'queued' && delivery.nextAttemptAt - clock.now).toBe(0.8 * 8_000);
  });

  it('honours a longer Retry-After (seconds or date), not a shorter one', async () => {
    const { server, store, outbox } = await setup([
      { status: 429, headers: { 'Retry-After': '120' } },
      { status: 503, headers: { 'Retry-After': new Date(1_700_000_000_000 + 120_000 + 300_000).toUTCString() } },
      { status: 429, headers: { 'Retry-After': '0' } },
    ]);
    await outbox.enqueue('r1', server.url);
    const next = async (): Promise<number> => {
      await outbox.flush();
      const d = (await store.meta('r1'))?.delivery;
      if (d?.state !== 'queued') throw new Error('not queued');
      const delay = d.nextAttemptAt - clock.now;
      clock.now = d.nextAttemptAt;
      return delay;
    };
    expect(await next()).toBe(120_000);
    expect(await next()).toBe(300_000);
    expect(await next()).toBe(4_000); // the third attempt's own backoff
    expect((await store.meta('r1'))?.delivery).toMatchObject({ lastError: 'HTTP 429', attempts: 3 });
  });

  it('rejects for good on another 4xx, keeping the report and the reason', async () => {
    const reason = `missing field "participants"\n${'x'.repeat(500)}`;
    const { server, store, outbox } = await setup([{ status: 400, body: reason }]);
    await outbox.enqueue('r1', server.url);
    expect(await outbox.flush()).toEqual({ attempted: 1, delivered: 0, rescheduled: 0, rejected: 1 });
    const delivery = (await store.meta('r1'))?.delivery;
    expect(delivery).toMatchObject({ state: 'rejected', at: clock.now });
    const error = delivery?.state === 'rejected' ? delivery.error : '';
    expect(error.startsWith('HTTP 400: missing field "participants" xxx')).toBe(true);
    expect(error.length).toBeLessThanOrEqual('HTTP 400: '.length + 200);
    expect(await store.outboxItems()).toEqual([]);
    expect(await store.get('r1')).toEqual(makeReport('r1'));

    clock.now += 3_600_000;
    expect((await outbox.flush()).attempted).toBe(0);
    expect(server.requests).toHaveLength(1);

    // The user can queue it again.
    await outbox.enqueue('r1', server.url);
    expect(await outbox.flush()).toMatchObject({ delivered: 1 });
  });

  it('reschedules with a network error when the endpoint is unreachable', async () => {
    const { server, store, outbox } = await setup();
    await server.close(); // nothing listens on the port any more: connection refused
    await outbox.enqueue('r1', server.url);
    expect(await outbox.flush()).toEqual({ attempted: 1, delivered: 0, rescheduled: 1, rejected: 0 });
    const delivery = (await store.meta('r1'))?.delivery;
    expect(delivery).toMatchObject({ state: 'queued', attempts: 1, nextAttemptAt: clock.now + 1_000 });
    expect(delivery?.state === 'queued' ? delivery.lastError : null).toMatch(/^network error: .*ECONNREFUSED/);
    expect(await store.outboxItems()).toHaveLength(1);
  });

  it('survives the browser dying mid-request: another instance resends with the same key after the lease', async () => {
    const { server, factory, outbox } = await setup(['store-and-hang', { status: 201 }], {
      timeoutMs: 10_000, // the first sender would wait long: it is "killed" before then
    });
    await outbox.enqueue('r1', server.url);
    const zombie = outbox.flush(); // not awaited: this browser dies while the request is out
    await until(() => server.requests.length === 1);

    // The browser starts again: a new connection to the same database and a new outbox.
    const store2 = await storeOn(factory);
    const outbox2 = outboxOver(store2);
    expect(await outbox2.nextWakeAt()).toBe(clock.now + 5_000); // the lease's end
    expect((await outbox2.flush()).attempted).toBe(0); // still leased: not sent twice while it may be alive
    clock.now += 5_001;
    expect(await outbox2.flush()).toEqual({ attempted: 1, delivered: 1, rescheduled: 0, rejected: 0 });

    expect(server.requests.map((r) => r.key)).toEqual(['r1', 'r1']);
    expect(server.requests[1]?.body).toBe(server.requests[0]?.body);
    expect(server.stored.size).toBe(1); // the receiver deduplicated the resend
    expect((await store2.meta('r1'))?.delivery).toEqual({ state: 'delivered', at: clock.now });
    expect(await store2.outboxItems()).toEqual([]);

    // Had the first sender only been slow, its late failure would not undo the delivery.
    server.dropHeld();
    await zombie;
    expect((await store2.meta('r1'))?.delivery).toEqual({ state: 'delivered', at: clock.now });
    expect(await store2.outboxItems()).toEqual([]);
  });

  it('keeps one item when a report is queued twice', async () => {
    const { server, store, outbox } = await setup([{ status: 503 }]);
    await outbox.enqueue('r1', server.url);
    await outbox.enqueue('r1', server.url);
    expect(await store.outboxItems()).toHaveLength(1);
    await outbox.flush();
    await outbox.enqueue('r1', `${server.url}?v=2`); // a changed endpoint: same item, attempts and schedule kept
    expect(await store.outboxItems()).toEqual([
      expect.objectContaining({ key: 'r1', attempts: 1, endpoint: `${server.url}?v=2`, lastError: 'HTTP 503' }),
    ]);
    await expect(outbox.enqueue('missing', server.url)).rejects.toThrow(/no saved report/);
  });

  it('sends each item once when flushes overlap, in one instance or two', async () => {
    const { server, factory, store, outbox } = await setup();
    await store.save(makeReport('r2', 2_000));
    await outbox.enqueue('r1', server.url);
    await outbox.enqueue('r2', server.url);
    const first = outbox.flush();
    const second = outbox.flush();
    expect(second).toBe(first);
    expect(await second).toEqual({ attempted: 2, delivered: 2, rescheduled: 0, rejected: 0 });
    expect(server.requests.map((r) => r.key).sort()).toEqual(['r1', 'r2']);

    // Two pages (two connections, two outboxes) flushing at once: the lease is taken atomically.
    await store.save(makeReport('r3', 3_000));
    await outbox.enqueue('r3', server.url);
    const other = outboxOver(await storeOn(factory));
    const [a, b] = await Promise.all([outbox.flush(), other.flush()]);
    expect(a.attempted + b.attempted).toBe(1);
    expect(server.requests.filter((r) => r.key === 'r3')).toHaveLength(1);
  });

  it('drops the item of a report deleted before or during its attempt', async () => {
    const { server, store, outbox } = await setup();
    await store.save(makeReport('r2', 2_000));
    await outbox.enqueue('r1', server.url);
    await store.delete('r1');
    expect(await outbox.flush()).toEqual({ attempted: 0, delivered: 0, rescheduled: 0, rejected: 0 });

    await outbox.enqueue('r2', server.url);
    await store.delete('r2');
    await store.save(makeReport('r2', 2_000)); // present again, without its item: nothing to send
    expect((await outbox.flush()).attempted).toBe(0);

    server.script = ['hang'];
    await outbox.enqueue('r2', server.url);
    const flushing = outbox.flush();
    await until(() => server.requests.length === 1);
    await store.delete('r2'); // while the request is out; it then times out
    expect(await flushing).toMatchObject({ attempted: 1, rescheduled: 1 });
    expect(await store.outboxItems()).toEqual([]);
    expect(await store.meta('r2')).toBeNull();
  });

  it('never throws: one bad item does not stop the others, and a broken store yields an empty summary', async () => {
    const { server, store } = await setup();
    await store.save(makeReport('bad', 500));
    const outbox = outboxOver(store, {
      body: (id) =>
        id === 'bad' ? Promise.reject(new Error('cannot hash')) : Promise.resolve(JSON.stringify({ id })),
    });
    await outbox.enqueue('bad', server.url);
    await outbox.enqueue('r1', server.url);
    expect(await outbox.flush()).toEqual({ attempted: 2, delivered: 1, rescheduled: 1, rejected: 0 });
    expect((await store.meta('bad'))?.delivery).toMatchObject({
      state: 'queued',
      lastError: 'could not prepare the report: cannot hash',
    });

    store.close();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(await outbox.flush()).toEqual({ attempted: 0, delivered: 0, rescheduled: 0, rejected: 0 });
    expect(warn).toHaveBeenCalledWith('Unmask outbox: cannot read the queue', expect.any(Error));
    warn.mockRestore();
  });
});
