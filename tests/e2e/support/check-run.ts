/**
 * One caller check, driven as a user drives it: a local WebRTC call whose fake camera plays a clip, the side panel on
 * that tab (steps fixed to one by the e2e build's hook), "Verify this caller", the words, "Start", then the result.
 * Shared by the caller-verification e2e tests and `npm run bench:challenge` (scripts/challenge-clips-run.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { DEFAULT_CHALLENGE_CONFIG } from '../../../src/core/challenge/steps';
import type { ReportExport } from '../../../src/shared/report-types';
import type { ParticipantSummary } from '../../../src/shared/types';
import { launchWithExtension, removeProfile, tabIdOf, tabState, waitFor, type ExtensionBrowser } from './browser';
import type { startCallServer } from './call-server';
import type { ChallengeClip } from './challenge-clips';

export interface CheckRun {
  browser: ExtensionBrowser;
  call: Page;
  panel: Page;
  tabId: number;
  outcome: string;
  text: string;
}

export type Person = () => Promise<ParticipantSummary | null>;

/** The head-turn clips: start at their calm, frontal start (after the mirrored turn, back to the front). */
export async function atCalmFront(person: Person): Promise<void> {
  const yaw = async (): Promise<number | null> => (await person())?.faces[0]?.pose.yawDeg ?? null;
  await waitFor(yaw, (y) => y !== null && y < -12, 40_000, 'the turn to the other side (clip loop)');
  await waitFor(yaw, (y) => y !== null && Math.abs(y) < 10, 20_000, 'the face back at the front');
}

/** The one step a check runs (a test build's hook fixes it), with the words and live feedback the panel must show. */
export interface CheckStep {
  id: string;
  say: RegExp;
  feedback: RegExp;
}

export const HEAD_TURN: CheckStep = {
  id: 'head-turn-left-first',
  say: /turn your head slowly to your left/,
  feedback: /turn further to their (left|right): \d+° of 40°|one side done|Face not seen/,
};
export const HAND_PASS: CheckStep = {
  id: 'hand-pass',
  say: /pass your open hand slowly in front of your face/,
  feedback: /hand detector not loaded yet|hand not seen yet|hand seen beside the face|hand over the face \(\d+%\)/,
};

/** Clips that open with a black marker: start when the face appears after it (the clip's calm stretch). */
export async function afterBlackMarker(person: Person): Promise<void> {
  await waitFor(person, (p) => (p?.faces.length ?? 0) === 0, 60_000, "the clip's black marker (no face)");
  await waitFor(person, (p) => (p?.faces.length ?? 0) === 1, 20_000, 'the face after the marker');
}

/**
 * Plays `clip` into a call, runs a one-step check from the side panel (started once `startWhen` returns), and returns
 * what the panel showed.
 */
export async function runCheck(
  clip: ChallengeClip,
  server: Awaited<ReturnType<typeof startCallServer>>,
  startWhen: (person: Person) => Promise<void> = atCalmFront,
  step: CheckStep = HEAD_TURN,
  /** Return a check that ends before its step could begin (the bench over arbitrary clips); the tests want the step. */
  acceptEndBeforeStep = false,
): Promise<CheckRun> {
  const browser = await launchWithExtension(clip.y4m);
  try {
    const call = await browser.context.newPage();
    await call.goto(`${server.origin}/?participants=1`);
    await call.waitForFunction(() => (window as { callReady?: boolean }).callReady === true, undefined, { timeout: 30_000 });
    const tabId = await tabIdOf(browser.serviceWorker, call.url());
    const person = async (): Promise<ParticipantSummary | null> => (await tabState(browser.serviceWorker, call.url()))?.participants[0] ?? null;
    await waitFor(person, (p) => p?.state === 'face-tracked', 60_000, 'a tracked face');

    // The panel as the side panel shows it, on this tab; the steps fixed to one step (a test build's hook).
    const panel = await browser.context.newPage();
    await panel.goto(`chrome-extension://${browser.extensionId}/src/ui/panel.html?tab=${tabId}&steps=${step.id}`);
    const item = panel.locator('#participants > li').first();
    // Headless, the panel is a tab of its own, not a side panel beside the call: in front it would put the call tab
    // in the background, where Chromium throttles it to about one analysed frame a second (measured). The call stays
    // in front, as beside a real side panel, and the panel is driven from behind: its buttons are pressed with a
    // click event once enabled (a page in the background does not render, so pointer clicks would wait for it).
    await call.bringToFront();
    const press = async (action: string, timeout: number): Promise<void> => {
      const button = item.locator(`button[data-action="${action}"]`);
      // A button not there yet reads as not enabled (as the poll it replaces retried), until the timeout.
      await waitFor(() => button.isEnabled({ timeout: 1000 }).catch(() => false), (enabled) => enabled, timeout, `the panel's "${action}" button enabled`);
      await button.dispatchEvent('click');
    };
    // Start when the caller is ready (the clip's moment for it): the words, then "Start" a moment later.
    await startWhen(person);
    const calmEngineMs = (await person())?.engineMsMedian ?? null;
    await press('start', 20_000);
    await waitFor(() => item.locator('.say').innerText({ timeout: 1000 }).catch(() => ''), (text) => step.say.test(text), 10_000, 'the words to say');
    // Until the check has learnt the caller's face (models load when it starts), it says so and "Start" waits.
    const waiting = await item.locator('.feedback').innerText();
    if (!/Say the words to the caller, then press Start|Getting ready: .*Say the words meanwhile/.test(waiting)) throw new Error(`unexpected feedback before "Start": ${waiting}`);
    // The user reads the words out (a couple of seconds): the calm frontal frames meanwhile are the check's reference.
    await call.waitForTimeout(2_500);
    // For the notes: the engine's time per frame over the last 3 s, calm before the check and now, with the caller's
    // near-frontal face described by the identity model on every frame.
    const checkEngineMs = (await person())?.engineMsMedian ?? null;
    console.log(`engine ms per frame (median of the last 3 s): calm ${calmEngineMs?.toFixed(1)}, during the check's words ${checkEngineMs?.toFixed(1)}`);
    // "Start" is enabled once the check has its reference face (and hand model): up to prepareLimitSeconds.
    const ended = item.locator('.challenge[data-outcome]');
    const prepareMs = (DEFAULT_CHALLENGE_CONFIG.session.prepareLimitSeconds + 3) * 1000;
    const finished = async (): Promise<CheckRun> => ({ browser, call, panel, tabId, outcome: (await ended.getAttribute('data-outcome')) ?? '', text: await item.innerText() });
    if (acceptEndBeforeStep) {
      // A check that cannot get ready (no reference face in time, the caller gone) ends before "Start" is enabled.
      const beginStep = item.locator('button[data-action="begin-step"]');
      const readyOrEnded = async (): Promise<boolean> => (await ended.count()) > 0 || (await beginStep.isEnabled({ timeout: 1000 }).catch(() => false));
      await waitFor(readyOrEnded, (yes) => yes, prepareMs, 'the panel\'s "begin-step" button enabled, or the check ended');
      if ((await ended.count()) > 0) return await finished();
    }
    await press('begin-step', prepareMs);
    // Live feedback while the caller moves.
    await waitFor(() => item.locator('.feedback').innerText({ timeout: 1000 }).catch(() => ''), (text) => step.feedback.test(text), 10_000, 'live feedback during the step');
    await ended.waitFor({ state: 'attached', timeout: 60_000 });
    return await finished();
  } catch (error) {
    // A check that did not get to its end leaves no browser behind to starve the next test of CPU.
    await closeBrowser(browser);
    throw error;
  }
}


/** Ends a check's browser and removes its profile, whatever state the browser is in. */
export async function closeBrowser(browser: ExtensionBrowser): Promise<void> {
  await browser.close().catch(() => undefined);
  removeProfile(browser.netLogPath);
}

/** The call's report as a user makes it: the report page's preview, "Save", then "Export JSON" into `folder`. */
export async function saveAndExportReport(run: CheckRun, folder: string): Promise<{ exported: ReportExport; previewText: string }> {
  const report = await run.browser.context.newPage();
  await report.goto(`chrome-extension://${run.browser.extensionId}/src/ui/report.html?tab=${run.tabId}`);
  await report.locator('#form').waitFor({ state: 'visible', timeout: 20_000 });
  const previewText = await report.locator('#preview').innerText();
  await report.click('#save');
  await report.locator('#saved').waitFor({ state: 'visible', timeout: 20_000 });
  const [download] = await Promise.all([report.waitForEvent('download'), report.click('#export-json')]);
  const path = join(folder, `report-${run.tabId}.json`);
  await download.saveAs(path);
  return { exported: JSON.parse(readFileSync(path, 'utf8')) as ReportExport, previewText };
}
