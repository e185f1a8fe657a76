/**
 * Enterprise policy, end to end: Chromium reads an extension's `storage.managed` values from a policy file under
 * /etc/chromium/policies/managed (validated against our public/managed-schema.json). The test writes one for the
 * e2e build's extension id, so it needs to write there (root, as CI runs); elsewhere it is skipped, loudly. The policy
 * file is removed afterwards, whatever happens.
 *
 * What a user under policy sees: the managed settings locked in the options page and the popup, the policy's values
 * in force in the call (no badges), and every saved report sent to the organisation's endpoint without asking.
 */
import { createHash } from 'node:crypto';
import { accessSync, constants, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFakeCameraClip } from './support/clip';
import { startCallServer } from './support/call-server';
import { E2E_DIST, launchWithExtension, readOverlays, removeProfile, tabIdOf, tabState, waitFor, type ExtensionBrowser } from './support/browser';
import { startReportEndpoint } from './support/report-endpoint';

const POLICY_DIR = '/etc/chromium/policies/managed';
const POLICY_FILE = join(POLICY_DIR, 'unmask-e2e-test.json');

function canWritePolicy(): boolean {
  try {
    mkdirSync(POLICY_DIR, { recursive: true });
    accessSync(POLICY_DIR, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Chromium's id for an unpacked extension: the first 128 bits of SHA-256 of its absolute path, as letters a-p. */
const unpackedId = (path: string): string =>
  [...createHash('sha256').update(path).digest('hex').slice(0, 32)].map((h) => String.fromCharCode(97 + parseInt(h, 16))).join('');

const WRITABLE = canWritePolicy();
// A policy file left behind would lock the settings in every later browser run: remove it even if the run dies.
process.on('exit', () => rmSync(POLICY_FILE, { force: true }));
if (!WRITABLE) console.warn(`SKIPPED: the enterprise policy tests need to write ${POLICY_DIR} (run as root, as CI does).`);

describe.runIf(WRITABLE)('under an enterprise policy', () => {
  let browser: ExtensionBrowser;
  let server: Awaited<ReturnType<typeof startCallServer>>;
  let endpoint: Awaited<ReturnType<typeof startReportEndpoint>>;
  const ext = (path: string): string => `chrome-extension://${browser.extensionId}/${path}`;

  beforeAll(async () => {
    server = await startCallServer();
    endpoint = await startReportEndpoint(['accept']);
    const policy = { showOverlay: false, retentionDays: 30, reportEndpoint: endpoint.url, autoSendReports: true, sensitivity: 'high' };
    writeFileSync(POLICY_FILE, JSON.stringify({ '3rdparty': { extensions: { [unpackedId(E2E_DIST)]: policy } } }));
    browser = await launchWithExtension(ensureFakeCameraClip());
    expect(browser.extensionId).toBe(unpackedId(E2E_DIST));
  });

  afterAll(async () => {
    rmSync(POLICY_FILE, { force: true });
    await browser?.close().catch(() => undefined);
    await server?.close();
    await endpoint?.close();
    if (browser) removeProfile(browser.netLogPath);
  });

  it('shows the managed settings as set by the organisation, locked', async () => {
    const page = await browser.context.newPage();
    await page.goto(ext('src/ui/options.html'));
    await page.waitForSelector('body[data-ready="true"]');
    for (const field of ['overlay', 'retention', 'endpoint', 'auto-send', 'sensitivity']) {
      expect(await page.getAttribute(`#field-${field}`, 'data-managed'), field).toBe('true');
      expect(await page.locator(`#field-${field} .managed-note`).isVisible(), field).toBe(true);
    }
    expect(await page.locator('#overlay').isDisabled()).toBe(true);
    expect(await page.locator('#overlay').isChecked()).toBe(false);
    expect(await page.locator('#endpoint').inputValue()).toBe(endpoint.url);
    expect(await page.locator('#endpoint').isDisabled()).toBe(true);
    expect(await page.locator('#sensitivity-high').isChecked()).toBe(true);
    // Not managed: still the user's to change.
    expect(await page.getAttribute('#field-notifications', 'data-managed')).not.toBe('true');
    await page.close();
  });

  it('applies the policy in the call, and the popup cannot override it', async () => {
    const call = await browser.context.newPage();
    await call.goto(`${server.origin}/?participants=1`);
    await call.waitForFunction(() => (window as { callReady?: boolean }).callReady === true, undefined, { timeout: 30_000 });
    const tabId = await tabIdOf(browser.serviceWorker, call.url());
    await waitFor(() => tabState(browser.serviceWorker, call.url()), (s) => s?.participants[0]?.state === 'face-tracked', 60_000, 'a tracked face');
    // The policy hides the badges: the participant is analysed, but nothing is drawn over the tile.
    expect(await readOverlays(call)).toEqual([]);

    const popup = await browser.context.newPage();
    await popup.goto(ext(`src/ui/popup.html?tab=${tabId}`));
    const toggle = popup.locator('#show-overlay');
    await expect.poll(() => toggle.isChecked()).toBe(false);
    expect(await toggle.isDisabled()).toBe(true);
    expect(await popup.locator('label:has(#show-overlay)').getAttribute('data-managed')).toBe('true');
    // Even a message sent as if from the popup is refused by the background.
    const forced = await popup.evaluate(() => chrome.runtime.sendMessage<unknown, { ok: boolean; error?: string }>({ type: 'popup/set-overlay', show: true }));
    expect(forced.ok).toBe(false);
    expect(forced.error).toMatch(/set by your organisation/i);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await readOverlays(call)).toEqual([]);
    await popup.close();

    // A report saved from this call goes to the organisation's endpoint without being asked.
    const report = await browser.context.newPage();
    await report.goto(ext(`src/ui/report.html?tab=${tabId}`));
    await report.locator('#form').waitFor({ state: 'visible', timeout: 20_000 });
    await report.click('#save');
    await report.locator('#saved').waitFor({ state: 'visible', timeout: 20_000 });
    const id = (await (await report.waitForFunction(() => (window as unknown as { unmaskSavedReport?: string }).unmaskSavedReport)).jsonValue())!;
    await expect.poll(() => report.locator('#send-status').innerText(), { timeout: 5000 }).toMatch(/Queued for your organisation/);
    await waitFor(() => Promise.resolve([...endpoint.stored.keys()]), (keys) => keys.includes(id), 30_000, 'the report at the endpoint');
    expect(endpoint.posts).toHaveLength(1);
    await report.close();
    await call.close();
  });
});
