/**
 * The options page in the built extension: what the user changes is stored and reaches the other parts (the call
 * page's content script follows a site switch; the report page lists the chosen country's channels), and what it
 * refuses, it says why, keeping the old value.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Settings } from '../../src/shared/types';
import { launchWithExtension, removeProfile, type ExtensionBrowser } from './support/browser';

let browser: ExtensionBrowser;
let options: Page;

const stored = (): Promise<Partial<Settings>> =>
  browser.serviceWorker.evaluate(async () => ((await chrome.storage.local.get('settings')).settings ?? {}) as Partial<Settings>);

beforeAll(async () => {
  browser = await launchWithExtension(null);
  options = await browser.context.newPage();
  await options.goto(`chrome-extension://${browser.extensionId}/src/ui/options.html`);
  await options.waitForSelector('body[data-ready="true"]');
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  if (browser) removeProfile(browser.netLogPath);
});

describe('the options page', () => {
  it('stores sensitivity, badges, notifications and retention as the user sets them', async () => {
    await options.check('#sensitivity-high');
    await options.uncheck('#notifications');
    await options.selectOption('#retention', '365');
    await expect.poll(async () => (await stored()).sensitivity).toBe('high');
    await expect.poll(async () => (await stored()).notifications).toBe(false);
    await expect.poll(async () => (await stored()).retentionDays).toBe(365);
    expect(await options.locator('#sensitivity-status').innerText()).toMatch(/Saved/);
  });

  it('refuses an endpoint that is not plain HTTPS, says why, and keeps the old one', async () => {
    await options.fill('#endpoint', 'https://reports.example.org/unmask');
    await options.click('#endpoint-save');
    await expect.poll(async () => (await stored()).reportEndpoint).toBe('https://reports.example.org/unmask');
    for (const bad of ['http://reports.example.org/unmask', 'https://user:secret@reports.example.org/', 'javascript:alert(1)']) {
      await options.fill('#endpoint', bad);
      await options.click('#endpoint-save');
      await expect.poll(() => options.locator('#endpoint-error').innerText(), { timeout: 5000 }).not.toBe('');
      expect((await stored()).reportEndpoint).toBe('https://reports.example.org/unmask');
    }
  });

  it('turns a meeting site off and on', async () => {
    await options.uncheck('#site-google-meet');
    await expect.poll(async () => (await stored()).disabledSites).toContain('meet.google.com');
    await options.check('#site-google-meet');
    await expect.poll(async () => (await stored()).disabledSites ?? []).not.toContain('meet.google.com');
  });

  it('shows the chosen country\'s official fraud-reporting channels, where the report page lists them too', async () => {
    await options.selectOption('#country', 'GB');
    await expect.poll(async () => (await stored()).country).toBe('GB');
    await expect.poll(() => options.locator('#country-channels').innerText()).toMatch(/Action Fraud/);
    const reports = await browser.context.newPage();
    await reports.goto(`chrome-extension://${browser.extensionId}/src/ui/reports.html`);
    await expect.poll(() => reports.locator('#channels').innerText()).toMatch(/Action Fraud/);
    const link = reports.locator('#channels a').first();
    expect(await link.getAttribute('href')).toMatch(/^https:\/\//);
    expect(await link.getAttribute('rel')).toContain('noopener');
    await reports.close();
  });
});
