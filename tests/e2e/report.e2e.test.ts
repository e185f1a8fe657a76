/**
 * Reporting a call, end to end, in the built extension (dist-e2e) with the browser confined to loopback (its host
 * resolver knows no other address): the user reports a live call from the popup, sees what will be kept, saves it
 * with blurred key frames and a note, finds it again after a browser restart, exports it as HTML and JSON whose
 * hashes check out, sees an altered file flagged on import, and has it delivered to an organisation endpoint on
 * loopback that fails, times out and then accepts: delivered once, under one idempotency key. Through all of it the
 * only requests that leave the browser for anything but the call page are that endpoint's.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import modelRelease from '../../models/face-swap/release.json';
import { verifyExport } from '../../src/core/report-format';
import type { ReportExport } from '../../src/shared/report-types';
import { ensureFakeCameraClip } from './support/clip';
import { startCallServer } from './support/call-server';
import { isLoopback, isThisMachine, launchWithExtension, pageMessagesSeenByContentScript, readNetLog, removeProfile, tabIdOf, waitFor, type ExtensionBrowser } from './support/browser';
import { startReportEndpoint } from './support/report-endpoint';

let browser: ExtensionBrowser;
let server: Awaited<ReturnType<typeof startCallServer>>;
let endpoint: Awaited<ReturnType<typeof startReportEndpoint>>;
let profile: string;
let call: Page;
const downloads = mkdtempSync(join(tmpdir(), 'unmask-exports-'));
const ext = (path: string): string => `chrome-extension://${browser.extensionId}/${path}`;

async function openCall(): Promise<Page> {
  const page = await browser.context.newPage();
  // A meeting password in the query: it must not reach the report.
  await page.goto(`${server.origin}/?participants=1&pwd=hunter2#frag`);
  await page.waitForFunction(() => (window as { callReady?: boolean }).callReady === true, undefined, { timeout: 30_000 });
  return page;
}

async function saveExport(page: Page, button: string, name: string): Promise<string> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
  const path = join(downloads, name);
  await download.saveAs(path);
  return path;
}

beforeAll(async () => {
  profile = mkdtempSync(join(tmpdir(), 'unmask-profile-'));
  server = await startCallServer();
  endpoint = await startReportEndpoint(['fail', 'hang', 'accept']);
  browser = await launchWithExtension(ensureFakeCameraClip(), undefined, profile);
  call = await openCall();
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await server?.close();
  await endpoint?.close();
  rmSync(downloads, { recursive: true, force: true });
  if (profile) removeProfile(join(profile, 'netlog.json'));
});

describe('reporting a call', () => {
  let reportId = '';
  let jsonPath = '';
  let htmlPath = '';

  it('shows exactly what will be kept, then saves it with blurred key frames and a note', async () => {
    const tabId = await tabIdOf(browser.serviceWorker, call.url());
    // Let the call run a little: a timeline and a still of the participant.
    await waitFor(
      () => browser.serviceWorker.evaluate(async () => (await chrome.storage.session.get('tabStates')).tabStates as { tabId: number; participants: { state: string }[] }[]),
      (states) => (states ?? []).some((s) => s.tabId === tabId && s.participants[0]?.state === 'face-tracked'),
      60_000,
      'a tracked face',
    );
    await new Promise((r) => setTimeout(r, 3000));

    const popup = await browser.context.newPage();
    await popup.goto(ext(`src/ui/popup.html?tab=${tabId}`));
    const [report] = await Promise.all([browser.context.waitForEvent('page'), popup.click('#report-call')]);
    await report.waitForLoadState();
    expect(report.url()).toBe(ext(`src/ui/report.html?tab=${tabId}`));
    await report.locator('#form').waitFor({ state: 'visible', timeout: 20_000 });

    const preview = report.locator('#preview');
    const text = await preview.innerText();
    expect(text).toContain(server.origin);
    expect(text).toContain(`${server.origin}/ (anything after`);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('frag');
    expect(text).toContain('Alice');
    expect(text).toContain('No caller verification was run.');
    expect(text).toMatch(/Unmask version\s+0\.1\.0/);
    expect(text).toContain(`${modelRelease.model} ${modelRelease.version}`);
    expect(await preview.locator('svg.chart').count()).toBe(1);
    // No stills unless the user asks for them.
    expect(await preview.locator('.frames img').count()).toBe(0);
    expect(Number(await report.locator('#frames-available').innerText())).toBeGreaterThan(0);

    await report.check('#include-frames');
    await expect.poll(() => preview.locator('.frames img').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await preview.locator('.frames figcaption').first().innerText()).toContain('others blurred');
    await report.fill('#note', 'Asked me to wire 40,000 EUR <b>today</b>.');
    await report.click('#save');
    await report.locator('#saved').waitFor({ state: 'visible', timeout: 20_000 });
    expect(await report.locator('#saved h2').innerText()).toBe('Saved');
    reportId = (await (await report.waitForFunction(() => (window as unknown as { unmaskSavedReport?: string }).unmaskSavedReport)).jsonValue())!;
    expect(reportId).toMatch(/^[0-9a-f-]{36}$/);

    jsonPath = await saveExport(report, '#export-json', 'report.json');
    htmlPath = await saveExport(report, '#export-html', 'report.html');
    await report.close();
    await popup.close();
  });

  it('still has the call and its timeline after the service worker is stopped and started again', async () => {
    const tabId = await tabIdOf(browser.serviceWorker, call.url());
    const page = await browser.context.newPage();
    await page.goto(ext('src/ui/reports.html'));
    type Draft = { ok: true; report: { id: string; call: { startedAt: number }; participants: { timeline: { t: number }[] }[] } } | { ok: false; error: string };
    const draft = (): Promise<Draft> => page.evaluate((tab) => chrome.runtime.sendMessage<unknown, Draft>({ type: 'report/draft', tabId: tab }), tabId);
    // A few seconds of timeline first (the call has been running since the first test, unless run alone).
    const before = await waitFor(draft, (d) => d.ok && (d.report.participants[0]?.timeline.length ?? 0) > 3, 60_000, 'a timeline of a few points');
    if (!before.ok) throw new Error(before.error);
    const timelineBefore = before.report.participants[0]?.timeline ?? [];
    // The mirror is written every 2 s: let the points above reach it.
    await new Promise((r) => setTimeout(r, 2500));

    // Stop every service worker, as Chromium does to an idle one, and see the extension's go down (delivery).
    const cdp = await browser.context.newCDPSession(page);
    const statuses: string[] = [];
    cdp.on('ServiceWorker.workerVersionUpdated', ({ versions }: { versions: { scriptURL: string; runningStatus: string }[] }) => {
      for (const v of versions) if (v.scriptURL.startsWith(ext(''))) statuses.push(v.runningStatus);
    });
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    await expect.poll(() => statuses.includes('stopped'), { timeout: 10_000 }).toBe(true);

    // A new worker (started by this request) has the same call, from its start, and everything it had shown.
    const after = await draft();
    if (!after.ok) throw new Error(after.error);
    expect(statuses.lastIndexOf('running')).toBeGreaterThan(statuses.indexOf('stopped'));
    expect(after.report.call.startedAt).toBe(before.report.call.startedAt);
    const timelineAfter = after.report.participants[0]?.timeline ?? [];
    expect(timelineAfter.slice(0, timelineBefore.length).map((p) => p.t)).toEqual(timelineBefore.map((p) => p.t));
    await cdp.detach();
    await page.close();
  });

  it('exports files whose SHA-256 hashes check out, readable offline with nothing to run', async () => {
    const exported = JSON.parse(readFileSync(jsonPath, 'utf8')) as ReportExport;
    expect(exported.report.id).toBe(reportId);
    expect(exported.report.note).toBe('Asked me to wire 40,000 EUR <b>today</b>.');
    expect(exported.report.keyFrames.length).toBeGreaterThan(0);
    expect(exported.report.keyFrames.every((f) => f.othersBlurred && f.image.startsWith('data:image/jpeg;base64,'))).toBe(true);
    expect(exported.report.call.meetingUrl).toBe(`${server.origin}/`);
    expect(await verifyExport(exported)).toMatchObject({ ok: true, wholeMatches: true, mismatched: [] });

    const html = readFileSync(htmlPath, 'utf8');
    expect(html).toContain('Asked me to wire 40,000 EUR &lt;b&gt;today&lt;/b&gt;.');
    expect(html).not.toContain('hunter2');
    // The only script element is the inert JSON data; the page's own CSP forbids scripts anyway.
    expect(html.match(/<script\b[^>]*>/g)).toEqual(['<script type="application/json" id="unmask-report-data">']);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">`);
    // Opened as a file, offline: it shows the report.
    const page = await browser.context.newPage();
    await page.goto(`file://${htmlPath}`);
    expect(await page.locator('body').innerText()).toContain('Alice');
    expect(await page.locator('img').count()).toBe(exported.report.keyFrames.length);
    await page.close();
  });

  it('imports and verifies an exported file, and flags an altered one', async () => {
    const page = await browser.context.newPage();
    await page.goto(ext('src/ui/reports.html'));
    const rows = page.locator('#reports tr');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(1);
    expect(await rows.first().getAttribute('data-report-id')).toBe(reportId);

    const importFile = async (path: string): Promise<string> => {
      await page.setInputFiles('#import', path);
      await page.waitForFunction(() => (window as unknown as { unmaskImport?: Promise<void> }).unmaskImport !== undefined);
      await page.evaluate(() => (window as unknown as { unmaskImport: Promise<void> }).unmaskImport);
      await page.evaluate(() => delete (window as unknown as { unmaskImport?: Promise<void> }).unmaskImport);
      return page.locator('#import-result').innerText();
    };
    expect(await importFile(htmlPath)).toMatch(/already in your list\. The file matches its hashes/);

    // Someone edits the note and gives the file a new id: imported, and shown as altered.
    const altered = JSON.parse(readFileSync(jsonPath, 'utf8')) as ReportExport;
    altered.report.note = 'Nothing happened.';
    altered.report.id = '00000000-0000-4000-8000-000000000000';
    const alteredPath = join(downloads, 'altered.json');
    writeFileSync(alteredPath, JSON.stringify(altered));
    expect(await importFile(alteredPath)).toMatch(/ALTERED.*note/);
    await expect.poll(() => rows.count()).toBe(2);
    expect(await page.locator('#reports tr[data-report-id="00000000-0000-4000-8000-000000000000"]').innerText()).toContain('ALTERED');

    // Not a report at all: refused with a reason, nothing added.
    const junk = join(downloads, 'junk.json');
    writeFileSync(junk, '{"format":"something-else"}');
    expect(await importFile(junk)).toMatch(/junk\.json: .+/);
    expect(await rows.count()).toBe(2);
    await page.close();
  });

  it('delivers a report to the organisation endpoint once, through a failure and a timeout', async () => {
    const options = await browser.context.newPage();
    await options.goto(ext('src/ui/options.html'));
    await options.fill('#endpoint', endpoint.url);
    await options.click('#endpoint-save');
    await expect.poll(() => options.locator('#endpoint-error').innerText().catch(() => '')).toBe('');
    await options.close();

    const page = await browser.context.newPage();
    await page.goto(ext('src/ui/reports.html'));
    const row = page.locator(`#reports tr[data-report-id="${reportId}"]`);
    await row.getByRole('button', { name: 'Send' }).click();
    // 503, then no answer (the client gives up after its timeout), then 201: three tries of one report.
    await waitFor(() => Promise.resolve(endpoint.stored.size), (n) => n === 1, 60_000, 'the endpoint to store the report');
    expect(endpoint.posts.map((p) => p.answeredWith)).toEqual(['fail', 'hang', 'accept']);
    expect(new Set(endpoint.posts.map((p) => p.idempotencyKey))).toEqual(new Set([reportId]));
    expect(new Set(endpoint.posts.map((p) => p.reportId))).toEqual(new Set([reportId]));
    const delivered = JSON.parse(endpoint.stored.get(reportId)!) as ReportExport;
    expect(await verifyExport(delivered)).toMatchObject({ ok: true });
    await page.reload();
    await expect.poll(() => page.locator(`#reports tr[data-report-id="${reportId}"]`).getAttribute('data-delivery'), { timeout: 10_000 }).toBe('delivered');
    // Nothing is sent twice: no more requests come.
    await new Promise((r) => setTimeout(r, 3000));
    expect(endpoint.posts).toHaveLength(3);
    await page.close();
  });

  it('gives a hostile call page no way to make, read or send reports, or to read the settings', async () => {
    const postsBefore = endpoint.posts.length;
    const seenBefore = await pageMessagesSeenByContentScript(call);
    const engineUrl = await browser.serviceWorker.evaluate(() => chrome.runtime.getURL('src/engine/engine.html'));
    const attempts = await call.evaluate(async ([id, dynamicEngineUrl]) => {
      const outcomes: Record<string, string> = {};
      // The extension is not externally connectable: the page has no channel to its background at all.
      const runtime = (globalThis as { chrome?: { runtime?: { sendMessage?: unknown } } }).chrome?.runtime;
      outcomes.runtime = typeof runtime?.sendMessage === 'function' ? 'exposed' : 'absent';
      // Its pages and data are not web-accessible...
      const read = (url: string): Promise<string> => fetch(url).then((r) => `read ${r.status}`, () => 'refused');
      for (const path of ['src/ui/reports.html', 'src/ui/report.html', 'src/ui/options.html', 'manifest.json']) {
        outcomes[path] = await read(`chrome-extension://${id}/${path}`);
        // ...not even at the per-session URL that the one web-accessible page (the engine) is served from.
        outcomes[`dynamic ${path}`] = await read(dynamicEngineUrl.replace('src/engine/engine.html', path));
      }
      // Delivered: the same fetch does reach the extension where it may (the engine page, at its per-session URL).
      outcomes.engine = await read(dynamicEngineUrl);
      // Messages shaped like the extension's own, posted where the content script's world receives them.
      const forged = [
        { type: 'report/draft', tabId: 1 },
        { type: 'report/send', reportId: 'x' },
        { type: 'report/saved', reportId: 'x' },
        { type: 'content/key-frames' },
        { type: 'popup/get-state', tabId: 1 },
      ];
      for (const message of forged) window.postMessage(message, '*');
      await new Promise((r) => setTimeout(r, 1500));
      return outcomes;
    }, [browser.extensionId, engineUrl] as const);
    expect(attempts.engine).toBe('read 200');
    expect((await pageMessagesSeenByContentScript(call)) - seenBefore).toBe(5);
    expect(attempts).toEqual({
      runtime: 'absent',
      engine: 'read 200',
      ...Object.fromEntries(['src/ui/reports.html', 'src/ui/report.html', 'src/ui/options.html', 'manifest.json'].flatMap((p) => [[p, 'refused'], [`dynamic ${p}`, 'refused']])),
    });
    expect(endpoint.posts.length).toBe(postsBefore);
    const page = await browser.context.newPage();
    await page.goto(ext('src/ui/reports.html'));
    await expect.poll(() => page.locator('#reports tr').count(), { timeout: 10_000 }).toBe(2);
    await page.close();
  });

  it('sent nothing anywhere but the call page and the configured endpoint', async () => {
    await browser.close();
    const log = readNetLog(join(profile, 'netlog.json'));
    const endpointOrigin = new URL(endpoint.url).origin;
    const outside = log.requests.filter((u) => {
      const url = new URL(u);
      if (url.protocol === 'chrome-extension:' || url.protocol === 'data:' || url.protocol === 'blob:' || url.protocol === 'file:') return false;
      return url.origin !== server.origin && url.origin !== endpointOrigin;
    });
    expect(outside).toEqual([]);
    // The extension's own requests through the whole call, report, export and delivery: seen (the delivery to the
    // endpoint is one), and none to any host but this machine.
    expect(log.extensionRequests).toContain(endpoint.url);
    expect(log.extensionRequests.filter((u) => !u.startsWith('chrome-extension://') && !isLoopback(new URL(u).host))).toEqual([]);
    // Of the endpoint, only its one URL was asked for (the POSTs and their CORS preflights).
    expect(log.requests.filter((u) => u.startsWith(endpointOrigin))).toEqual([endpoint.url]);
    expect(log.connections.filter((a) => !isThisMachine(a))).toEqual([]);
  });

  it('keeps the reports, and their delivery state, through a browser restart', async () => {
    browser = await launchWithExtension(ensureFakeCameraClip(), undefined, profile);
    const page = await browser.context.newPage();
    await page.goto(ext('src/ui/reports.html'));
    await expect.poll(() => page.locator('#reports tr').count(), { timeout: 10_000 }).toBe(2);
    expect(await page.locator(`#reports tr[data-report-id="${reportId}"]`).getAttribute('data-delivery')).toBe('delivered');
    await page.close();
  });
});
