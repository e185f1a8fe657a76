/**
 * `npm run demo`: Unmask's main job on a built-in example. Opens the local test call (a real face clip from an npm
 * package, played by Chromium's fake camera and looped through WebRTC) in Debian's Chromium with the built extension,
 * waits until the participant's face is tracked, and saves what the user would see:
 *   demo-output/call.png        the call with Unmask's badge on the remote tile
 *   demo-output/popup.png       the extension popup for that tab
 *   demo-output/popup-state.json  the participants as the popup lists them
 *   demo-output/report.html     the call reported from the popup ("Report this call"), exported as the
 *                               self-contained HTML file a user would hand to their security team
 * Usage: npm run demo [-- --out DIR]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { launchWithExtension, readOverlays, removeProfile, tabState, waitFor } from '../tests/e2e/support/browser';
import { startCallServer } from '../tests/e2e/support/call-server';
import { ensureFakeCameraClip, SOURCE_CLIP } from '../tests/e2e/support/clip';

const outIndex = process.argv.indexOf('--out');
const outDir = resolve(outIndex > 0 ? (process.argv[outIndex + 1] ?? 'demo-output') : 'demo-output');
mkdirSync(outDir, { recursive: true });

console.log(`Example clip: ${SOURCE_CLIP}`);
const clip = ensureFakeCameraClip();
const server = await startCallServer();
const browser = await launchWithExtension(clip);
try {
  const page = await browser.context.newPage();
  await page.goto(`${server.origin}/?participants=1`);
  console.log(`Local call open at ${server.origin} — waiting for Unmask to track the participant's face…`);
  // A verdict with a released face-swap model; face tracking while the model is in development.
  const VERDICT = /Looks genuine|Suspicious|Likely deepfake|Face tracked/;
  const overlays = await waitFor(() => readOverlays(page), (o) => o.some((v) => VERDICT.test(v.text)), 60_000, 'the badge to give a verdict');
  await new Promise((r) => setTimeout(r, 1500));
  await page.screenshot({ path: resolve(outDir, 'call.png') });

  const state = await tabState(browser.serviceWorker, server.origin);
  if (!state) throw new Error('the extension reported no state for the call tab');
  const popup = await browser.context.newPage();
  await popup.setViewportSize({ width: 390, height: 420 });
  await popup.goto(`chrome-extension://${browser.extensionId}/src/ui/popup.html?tab=${state.tabId}`);
  await popup.locator('#participants li[data-state="face-tracked"]').first().waitFor({ timeout: 20_000 });
  await popup.screenshot({ path: resolve(outDir, 'popup.png') });
  const listed = await popup.$$eval('#participants li', (items) =>
    items.map((li) => ({
      name: li.querySelector('.name')?.textContent,
      state: li.querySelector('.state')?.textContent,
      detail: li.querySelector('.detail')?.textContent,
      figures: li.querySelector('.figures')?.textContent,
    })),
  );
  writeFileSync(resolve(outDir, 'popup-state.json'), `${JSON.stringify({ popup: listed, engine: state.engine, participants: state.participants }, null, 2)}\n`);

  // Report the call, as a user would from the popup: key frames included (blurred around the face), then export.
  const [report] = await Promise.all([browser.context.waitForEvent('page'), popup.click('#report-call')]);
  await report.locator('#form').waitFor({ state: 'visible', timeout: 20_000 });
  await report.check('#include-frames');
  await report.fill('#note', 'Demo: the caller asked for an urgent transfer.');
  await report.click('#save');
  await report.locator('#saved').waitFor({ state: 'visible', timeout: 20_000 });
  const [download] = await Promise.all([report.waitForEvent('download'), report.click('#export-html')]);
  await download.saveAs(resolve(outDir, 'report.html'));

  console.log(`\nBadge on the remote tile: "${overlays.find((o) => VERDICT.test(o.text))?.text ?? ''}"`);
  for (const p of listed) console.log(`Popup: ${p.name} — ${p.state} — ${p.detail} (${p.figures})`);
  console.log(`\nSaved ${['call.png', 'popup.png', 'popup-state.json', 'report.html'].map((f) => resolve(outDir, f)).join(', ')}`);
} finally {
  await browser.close();
  await server.close();
  removeProfile(browser.netLogPath);
}
