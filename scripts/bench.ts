/**
 * `npm run bench`: the foundation's figures, measured in Debian's Chromium with the built extension (dist-e2e) on the
 * local WebRTC call, for 1 and for 4 simultaneous participants:
 * - engine time per frame (the worker's time: landmarks, quality, face-swap detector), the landmarker call alone and
 *   the detector alone (per face), median and p95;
 * - sample-to-result latency (content script: sampled -> result back), median and p95;
 * - analysed frames per second per participant;
 * - the browser's CPU use (all its processes, in % of one core) and the engine's memory (resident size of the
 *   extension's renderer process, where the engine worker runs).
 * Prints a Markdown table for docs/benchmarks.md and the raw figures as JSON.
 *
 * Usage: npm run bench [-- --seconds 60]
 * 60 s per row by default: about 300 samples per participant, so that a p95 rests on some 15 values rather than the
 * 5 of a 20 s run (two 20 s runs of the same setup gave a detector p95 of 8.2 and 12.3 ms).
 */
import { cpus, totalmem } from 'node:os';
import type { Page } from 'playwright-core';
import type { BenchRecord } from '../src/content/bench-probe';
import { median, percentile } from '../src/core/stats';
import { attachContentWorld, contentScriptEval } from './lib/content-world';
import { chromiumProcesses } from './lib/processes';
import { launchWithExtension, removeProfile, waitFor, tabState } from '../tests/e2e/support/browser';
import { startCallServer } from '../tests/e2e/support/call-server';
import { ensureFakeCameraClip } from '../tests/e2e/support/clip';

const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 60;
const CLK_TCK = 100;

interface ProcSample {
  ticks: number;
  extensionRssKb: number;
}

/** CPU ticks of every process of this Chromium (matched by its profile dir) and RSS of its extension renderers. */
function sampleProcesses(profileDir: string): ProcSample {
  const processes = chromiumProcesses(profileDir);
  return {
    ticks: processes.reduce((sum, p) => sum + p.ticks, 0),
    extensionRssKb: processes.filter((p) => p.kind === 'extension').reduce((sum, p) => sum + p.rssKb, 0),
  };
}

interface Figures {
  participants: number;
  seconds: number;
  engineMs: { median: number | null; p95: number | null };
  landmarkMs: { median: number | null; p95: number | null };
  /** Face-swap detector per frame (alignment, crop, model) over frames with one face. */
  detectorMs: { median: number | null; p95: number | null };
  latencyMs: { median: number | null; p95: number | null };
  fpsPerParticipant: number[];
  framesWithFace: number;
  frames: number;
  cpuPercentOfOneCore: number;
  extensionProcessRssMb: number;
}

async function measure(page: Page, participants: number, profileDir: string, origin: string): Promise<Figures> {
  const { cdp, contexts } = await attachContentWorld(page);
  await page.goto(`${origin}/?participants=${participants}`);
  await page.waitForFunction(() => (window as { callReady?: boolean }).callReady === true, undefined, { timeout: 60_000 });
  // Warm up until every participant is tracked, then a few seconds more for the sampler to settle.
  const sw = page.context().serviceWorkers()[0];
  if (!sw) throw new Error('no extension service worker');
  await waitFor(() => tabState(sw, origin), (s) => (s?.participants ?? []).filter((p) => p.state === 'face-tracked').length === participants, 60_000, `${participants} tracked participants`);
  await new Promise((r) => setTimeout(r, 3000));
  await contentScriptEval(cdp, contexts, 'globalThis.__unmaskBench = []; 0');
  const before = sampleProcesses(profileDir);
  const started = Date.now();
  let rssPeakKb = 0;
  while (Date.now() - started < seconds * 1000) {
    await new Promise((r) => setTimeout(r, 1000));
    rssPeakKb = Math.max(rssPeakKb, sampleProcesses(profileDir).extensionRssKb);
  }
  const elapsed = (Date.now() - started) / 1000;
  const after = sampleProcesses(profileDir);
  const records = await contentScriptEval<BenchRecord[]>(cdp, contexts, 'globalThis.__unmaskBench ?? []');
  await cdp.detach();
  const round = (v: number | null): number | null => (v === null ? null : Math.round(v * 10) / 10);
  const stat = (values: number[]): { median: number | null; p95: number | null } => ({ median: round(median(values)), p95: round(percentile(values, 95)) });
  const ids = [...new Set(records.map((r) => r.participantId))].sort();
  return {
    participants,
    seconds: Math.round(elapsed),
    engineMs: stat(records.map((r) => r.engineMs)),
    landmarkMs: stat(records.map((r) => r.landmarkMs)),
    detectorMs: stat(records.filter((r) => r.faces === 1).map((r) => r.detectorMs)),
    latencyMs: stat(records.map((r) => r.latencyMs)),
    fpsPerParticipant: ids.map((id) => Math.round((records.filter((r) => r.participantId === id).length / elapsed) * 10) / 10),
    framesWithFace: records.filter((r) => r.faces > 0).length,
    frames: records.length,
    cpuPercentOfOneCore: Math.round(((after.ticks - before.ticks) / CLK_TCK / elapsed) * 100),
    extensionProcessRssMb: Math.round(rssPeakKb / 1024),
  };
}

const clip = ensureFakeCameraClip();
const server = await startCallServer();
const browser = await launchWithExtension(clip);
const profileDir = browser.netLogPath.replace(/\/netlog\.json$/, '');
const results: Figures[] = [];
try {
  for (const participants of [1, 4]) {
    const page = await browser.context.newPage();
    results.push(await measure(page, participants, profileDir, server.origin));
    await page.close();
    await new Promise((r) => setTimeout(r, 2000));
  }
} finally {
  await browser.close();
  await server.close();
  removeProfile(browser.netLogPath);
}

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, no GPU (Chromium --disable-gpu)`;
console.log(`\nUnmask bench — ${new Date().toISOString()} — ${machine}\n`);
console.log('| participants | engine ms/frame median (p95) | landmarker ms median (p95) | detector ms per face median (p95) | sample→result ms median (p95) | analysed fps per participant | frames with a face | browser CPU (% of one core) | extension process RSS (MB) |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of results)
  console.log(
    `| ${r.participants} | ${r.engineMs.median} (${r.engineMs.p95}) | ${r.landmarkMs.median} (${r.landmarkMs.p95}) | ${r.detectorMs.median} (${r.detectorMs.p95}) | ${r.latencyMs.median} (${r.latencyMs.p95}) | ${r.fpsPerParticipant.join(', ')} | ${r.framesWithFace}/${r.frames} | ${r.cpuPercentOfOneCore} | ${r.extensionProcessRssMb} |`,
  );
console.log(`\n${JSON.stringify(results)}`);
