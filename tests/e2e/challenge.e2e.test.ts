/**
 * "Verify this caller", end to end: the built extension in Debian's Chromium, a local WebRTC call whose fake camera
 * plays a real person turning the head, driven from the side panel as a user would (start, say the words, "Start",
 * watch), then the same with a stand-in swap that smears past 25° of turn. The real caller must pass; the stand-in
 * must fail, raise the verdict to "Suspicious" in the page, and the result must be in the exported report.
 *
 * The clips come from the development data (tests/e2e/support/challenge-clips.ts): no npm package ships a real head
 * turn. Without the data this file is skipped, loudly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CHALLENGE_CONFIG } from '../../src/core/challenge/steps';
import { verifyExport } from '../../src/core/report-format';
import type { ReportExport } from '../../src/shared/report-types';
import { startCallServer } from './support/call-server';
import { ensurePaintedHandsClip, ensureRealHandPassClip, ensureRealHeadTurnClip, ensureSmearedSwapClip, ensureSplicedPeopleClip, ensureSwapDropClip, HAND_PASS_SOURCE, HEAD_TURN_SOURCE, PAINTED_HANDS_SOURCE, SECOND_PERSON_SOURCE, SWAP_DROP_PAIR } from './support/challenge-clips';
import { readOverlays, tabState, waitFor } from './support/browser';
import { afterBlackMarker, closeBrowser, HAND_PASS, runCheck, saveAndExportReport, type CheckRun } from './support/check-run';

const real = await ensureRealHeadTurnClip();
if (!real) console.warn(`\n*** SKIPPED: caller-verification e2e needs ${HEAD_TURN_SOURCE} (set UNMASK_DATA to the data folder) ***\n`);
const swap = real ? await ensureSmearedSwapClip(real) : null;
const spliced = await ensureSplicedPeopleClip();
if (!spliced) console.warn(`\n*** SKIPPED: the spliced-people e2e needs ${HEAD_TURN_SOURCE} and ${SECOND_PERSON_SOURCE} (set UNMASK_DATA) ***\n`);
const drop = await ensureSwapDropClip();
if (!drop) console.warn(`\n*** SKIPPED: the swap-drop e2e needs dfl/{fake,real}/${SWAP_DROP_PAIR}.mp4 in the data (set UNMASK_DATA) ***\n`);

const hands = await ensureRealHandPassClip();
if (!hands) console.warn(`\n*** SKIPPED: the hand-pass e2e needs ${HAND_PASS_SOURCE} (set UNMASK_DATA to the data folder) ***\n`);
const paintedHands = await ensurePaintedHandsClip();
if (!paintedHands) console.warn(`\n*** SKIPPED: the painted-over hand-pass e2e needs ${PAINTED_HANDS_SOURCE} (set UNMASK_DATA) ***\n`);

const downloads = mkdtempSync(join(tmpdir(), 'unmask-challenge-'));
afterAll(() => rmSync(downloads, { recursive: true, force: true }));

/** The call's report, exported as JSON and checked as an importer would check it, with the preview it showed. */
async function exportedReport(run: CheckRun, preview: RegExp): Promise<ReportExport> {
  const { exported, previewText } = await saveAndExportReport(run, downloads);
  expect(previewText).toMatch(preview);
  expect(await verifyExport(exported)).toMatchObject({ ok: true });
  expect(exported.schemaVersion).toBe(3);
  return exported;
}

describe.skipIf(!real || !swap)('verify this caller (side panel, real clip and stand-in swap)', () => {
  // Measured (docs/benchmarks.md "Caller verification"): before the engine took a second look around a face it had
  // just lost (core/face-roi.ts), this real clip ended "not performed" or "failed" in most runs, the real face lost
  // from about 32° of turn; and before faces were compared by identity (core/face-identity.ts), nothing but the
  // unreleased detector's score could back a pass. Now the turn is seen, the face is not lost, and its identity
  // holds across the step: the bar, a real person is not failed, and here passes.
  it('passes a real person turning the head, on tracking and identity, and changes no verdict', async () => {
    const server = await startCallServer();
    const run = await runCheck(real!, server);
    try {
      expect(run.outcome).toBe('passed');
      expect(run.text).toContain('Verification: Passed');
      expect(run.text).toMatch(/does not prove/);
      expect(run.text).toMatch(/call back on a number you already have/);
      // A pass changes no verdict: the badge does not turn "Suspicious".
      const overlays = await readOverlays(run.call);
      expect(overlays[0]?.text ?? '').not.toMatch(/Suspicious|Likely deepfake/);
      // What the pass rests on, from the exported report: the turn both ways, no loss counted, the same face.
      const step = (await exportedReport(run, /Head turn \(left first\): passed/)).report.challenges[0]?.steps[0];
      console.log(`real head turn measurements: ${JSON.stringify(step?.measurements)}`);
      expect(step?.failedOn).toEqual([]);
      expect(step?.measurements.unexplainedGaps).toBe(0);
      expect(step?.measurements.identityCompared).toBeGreaterThanOrEqual(3);
      expect(step?.measurements.identityLowFrames).toBeLessThan(DEFAULT_CHALLENGE_CONFIG.identity.minLowFrames);
      expect(step?.reasons.join(' ')).toMatch(/The face matched the one before the check/);
    } finally {
      console.log(`real head turn: ${run.outcome}\n${run.text}`);
      await closeBrowser(run.browser);
      await server.close();
    }
  }, 240_000);

  // The stand-in's face is gone for 4-5 s per side: in the live engine the check ends "failed" (the loss is counted),
  // "inconclusive" (no face for 5 s ends it first) or "not performed" (the smeared face followed to past 30° by the
  // second look, so the loss is put down to the turn, and the turn never seen reaching 40°), run to run. Never
  // "passed": that is what this test holds.
  it('never passes a stand-in swap that smears past 25° of turn, and puts the result in the exported report', async () => {
    const server = await startCallServer();
    const run = await runCheck(swap!, server);
    try {
      expect(['failed', 'inconclusive', 'not-performed']).toContain(run.outcome);
      expect(run.text).not.toContain('Verification: Passed');
      const state = await tabState(run.browser.serviceWorker, run.call.url());
      expect(state?.participants[0]?.verification?.outcome).toBe(run.outcome);
      if (run.outcome === 'failed') {
        expect(run.text).toMatch(/The face was lost at \d+° of turn for \d+\.\d s while the head was still in view/);
        // The failure raises the verdict even though the detector's own verdicts are not released.
        await waitFor(() => readOverlays(run.call), (o) => /Suspicious/.test(o[0]?.text ?? ''), 10_000, 'a Suspicious badge');
        expect(state?.participants[0]?.verification?.raised).toBe(true);
      } else if (run.outcome === 'inconclusive') expect(run.text).toMatch(/no face was in view for 5 s/);
      else expect(run.text).toMatch(/The step was not done within 25 s/);

      // The report of this call carries the check, step by step.
      const exported = await exportedReport(run, /Head turn \(left first\): (failed|inconclusive|not performed)/);
      const check = exported.report.challenges[0];
      expect(check).toMatchObject({ participantId: state?.participants[0]?.id, outcome: run.outcome, counted: run.outcome === 'failed', challenge: 'Head turn (left first)' });
      expect(check?.steps[0]?.measurements.yawTargetDeg).toBe(40);
      if (run.outcome === 'failed') expect(check?.steps[0]?.failedOn).toContain('tracking');
    } finally {
      console.log(`stand-in swap: ${run.outcome}\n${run.text}`);
      await closeBrowser(run.browser);
      await server.close();
    }
  }, 240_000);
});

describe.skipIf(!spliced)('verify this caller (side panel, two real people spliced at profile moments)', () => {
  // A stand-in, not real swapper output: the head turns to profile as one real person and comes back as another, as a
  // live swap that drops past its yaw limit shows the person underneath. Both faces are real, so only identity
  // continuity can tell; tracking may lose either face near profile, which the check explains by the turn.
  it('fails a caller who turns away as one real person and comes back as another: another face appeared', async () => {
    const server = await startCallServer();
    // atCalmFront starts at the clip's loop point: the first person, calm and frontal, is the check's reference.
    const run = await runCheck(spliced!, server);
    try {
      expect(run.outcome).toBe('failed');
      expect(run.text).toMatch(/Another face appeared: \d+ frames looked like someone else \(similarity down to 0\.\d\d/);
      await waitFor(() => readOverlays(run.call), (o) => /Suspicious/.test(o[0]?.text ?? ''), 10_000, 'a Suspicious badge');
      const step = (await exportedReport(run, /Head turn \(left first\): failed/)).report.challenges[0]?.steps[0];
      console.log(`spliced people measurements: ${JSON.stringify(step?.measurements)}`);
      expect(step?.failedOn).toContain('identity');
      expect(step?.measurements.identityLowFrames).toBeGreaterThanOrEqual(DEFAULT_CHALLENGE_CONFIG.identity.minLowFrames);
    } finally {
      console.log(`spliced people: ${run.outcome}\n${run.text}`);
      await closeBrowser(run.browser);
      await server.close();
    }
  }, 240_000);
});

describe.skipIf(!drop)('verify this caller (side panel, real swapper output whose swap drops)', () => {
  // Real DeepFaceLive output, then the same webcam frames without the swap: mid-check, the swap drops and the person
  // underneath shows. The caller barely moves (a webcam clip), so the turn is not done; the identity break is what
  // decides, and a failure outranks "not performed".
  it('fails a caller whose live swap drops mid-check: another face appeared, and the verdict is raised', async () => {
    const server = await startCallServer();
    // Start at the clip's black marker: the swap plays from there, and drops 16.8 s later, inside the step.
    const run = await runCheck(drop!, server, afterBlackMarker);
    try {
      expect(run.outcome).toBe('failed');
      expect(run.text).toMatch(/Another face appeared: \d+ frames looked like someone else \(similarity down to 0\.\d\d/);
      await waitFor(() => readOverlays(run.call), (o) => /Suspicious/.test(o[0]?.text ?? ''), 10_000, 'a Suspicious badge');
      const step = (await exportedReport(run, /Head turn \(left first\): failed/)).report.challenges[0]?.steps[0];
      console.log(`swap drop measurements: ${JSON.stringify(step?.measurements)}`);
      expect(step?.failedOn).toContain('identity');
      expect(step?.measurements.identityLowFrames).toBeGreaterThanOrEqual(DEFAULT_CHALLENGE_CONFIG.identity.minLowFrames);
    } finally {
      console.log(`swap drop: ${run.outcome}\n${run.text}`);
      await closeBrowser(run.browser);
      await server.close();
    }
  }, 240_000);
});

describe.skipIf(!hands)('verify this caller (side panel, a real hand pass)', () => {
  // A real person's hands over her face (real footage, not a swap): the hand model must see them, the step counts as
  // performed, and the face must hold up (tracked throughout, the same person before and after; frames with a hand
  // over the face are not compared).
  it('passes a real person passing her hands over her face, on the hand model, tracking and identity', async () => {
    const server = await startCallServer();
    const run = await runCheck(hands!, server, afterBlackMarker, HAND_PASS);
    try {
      expect(run.outcome).toBe('passed');
      const step = (await exportedReport(run, /Hand pass: passed/)).report.challenges[0]?.steps[0];
      console.log(`hand pass measurements: ${JSON.stringify(step?.measurements)}\n${step?.reasons.join('\n')}`);
      expect(step?.reasons.join(' ')).toMatch(/A hand covered up to \d+% of the face\./);
      expect(step?.reasons.join(' ')).toMatch(/The face matched the one before the check \(similarity at least 0\.\d\d\)/);
      expect(step?.measurements.handPeakCoverage).toBeGreaterThanOrEqual(DEFAULT_CHALLENGE_CONFIG.steps.handCoverage);
      expect(step?.measurements.handHeldFrames).toBeGreaterThanOrEqual(DEFAULT_CHALLENGE_CONFIG.steps.handFrames);
      expect(step?.measurements.identityCompared).toBeGreaterThan(0);
      expect(step?.failedOn ?? []).toEqual([]);
    } finally {
      console.log(`hand pass: ${run.outcome}\n${run.text}`);
      await closeBrowser(run.browser);
      await server.close();
    }
  }, 240_000);
});

describe.skipIf(!paintedHands)('verify this caller (side panel, real swapper output that paints over the hands)', () => {
  // faceswap-GAN without its occlusion mask draws the swapped face over the hands that cross it: the hand model then
  // catches her half-visible hands only in flashes (0.1-0.2 s at a time, see challenge-clips.ts), never held over the
  // face as a real hand is. The caller did raise her hands; the check must never call it a pass. (It did once, on 2
  // flashes counted in total: the rule is now two consecutive analysed frames.)
  it('never passes a hand pass whose hands the swap paints over', async () => {
    const server = await startCallServer();
    const run = await runCheck(paintedHands!, server, afterBlackMarker, HAND_PASS);
    try {
      expect(['failed', 'not-performed', 'inconclusive']).toContain(run.outcome);
      const step = (await exportedReport(run, /Hand pass: (failed|not performed|inconclusive)/)).report.challenges[0]?.steps[0];
      console.log(`painted-over hand pass measurements: ${JSON.stringify(step?.measurements)}\n${step?.reasons.join('\n')}`);
      if (run.outcome === 'not-performed') expect(step?.reasons.join(' ')).toMatch(/No hand was seen over the face|A hand covered at most \d+% of the face|A hand covered \d+% of the face or more only in flashes/);
      expect(step?.measurements.handHeldFrames ?? 0).toBeLessThan(DEFAULT_CHALLENGE_CONFIG.steps.handFrames);
    } finally {
      console.log(`painted-over hand pass: ${run.outcome}\n${run.text}`);
      await closeBrowser(run.browser);
      await server.close();
    }
  }, 240_000);
});
