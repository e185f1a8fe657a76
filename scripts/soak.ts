/**
 * `npm run soak -- --minutes N [--participants 1,4] [--interval 30] [--json OUT] [--dist DIR]`: a long call in Debian's Chromium
 * with the built extension (dist-e2e), to see whether memory stays flat while Unmask analyses a call.
 *
 * For each participant count, one browser holds two copies of the local WebRTC call page side by side:
 * - the analysed call, on 127.0.0.1 (the e2e build's content script runs there);
 * - the control, the same page on `localhost` (another site, so another renderer process, where no content script
 *   runs): what the call costs without Unmask, under the same load, at the same time.
 * Every `--interval` seconds it records the memory of every Chromium process (resident and private, from /proc): the
 * call tab's renderer, the control's, the extension's renderer (engine worker, offscreen document, service worker),
 * the GPU process and the browser; and the engine's timings and analysed frames per second from the content script's
 * bench probe. It prints a table per run, and the figures the hardening issue asks for: each process's growth from the
 * first sample (taken once every participant is tracked), the call tab's growth over the control's, and the growth
 * over the second half of the run (flat means little).
 *
 * Processes are told apart by when they appear: the renderers alive before a tab is opened are noted, and the one that
 * appears with the tab (and holds its page) is that tab's. Chromium's spare renderer is turned off so it cannot be
 * taken for a tab's.
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { Page } from 'playwright-core';
import type { BenchRecord } from '../src/content/bench-probe';
import { median, percentile } from '../src/core/stats';
import { attachContentWorld, contentScriptEval } from './lib/content-world';
import { extensionHeaps } from './lib/target-heaps';
import { largestChanges, memoryDump, type AllocatorSizes } from './lib/memory-dumps';
import { chromiumProcesses, type ChromiumProcess } from './lib/processes';
import { launchWithExtension, removeProfile, tabState, waitFor } from '../tests/e2e/support/browser';
import { startCallServer } from '../tests/e2e/support/call-server';
import { ensureFakeCameraClip } from '../tests/e2e/support/clip';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const minutes = Number(arg('minutes', '10'));
const counts = arg('participants', '1,4').split(',').map(Number);
const intervalS = Number(arg('interval', '30'));
const jsonOut = arg('json', '');
/** Another copy of the e2e build (so that a rebuild during a long soak does not change the running extension). */
const dist = arg('dist', '');
/**
 * `parallel`: the control runs beside the analysed call, the whole time (the same conditions at the same moment).
 * `before`: the control runs alone first, for the same minutes, then the analysed call alone; for 4 participants on
 * this 2-core machine, where two copies of a 4-person call (8 WebRTC loops) starve the engine of CPU.
 */
const controlMode = arg('control', 'parallel');
/**
 * `--gc`: Chromium with `--js-flags=--expose-gc`, and a full garbage collection in the extension's contexts (service
 * worker, offscreen document and engine frames, and the engine worker, which collects every 10 s in the e2e build
 * when it can) before each sample: to tell memory that is held from garbage not yet collected.
 */
const forceGc = process.argv.includes('--gc');
/** `--detector-off`: the analysed call runs without the face-swap detector (e2e builds run it on every frame otherwise). */
const detectorOff = process.argv.includes('--detector-off');
/** `--landmarks-off`: the engine answers every frame without running the landmarker (frames still travel). */
const landmarksOff = process.argv.includes('--landmarks-off');
/**
 * `--restart-engine-every S`: end the engine worker every S seconds through the e2e build's crash hook (the host starts
 * a new one at once): whether memory the extension renderer gained goes with the worker.
 */
const restartEvery = Number(arg('restart-engine-every', '0'));
/** `--heaps`: also print the JS heap (and backing stores) of each of the extension's contexts at every sample. */
const printHeaps = process.argv.includes('--heaps');
/**
 * `--dumps`: at every sample, Chromium's memory-infra dump of the extension renderer (lib/memory-dumps.ts): its
 * allocators (malloc/PartitionAlloc partitions, V8 and Oilpan per thread, Skia, ...), and at the end the ones that
 * changed most: which allocator holds what the process gains.
 */
const printDumps = process.argv.includes('--dumps');
if (!(minutes > 0) || counts.some((n) => !(n >= 1 && n <= 5)) || !(intervalS >= 1) || !['parallel', 'before', 'none'].includes(controlMode)) {
  console.error('usage: npm run soak -- --minutes N [--participants 1,4] [--interval 30] [--control parallel|before|none] [--gc] [--detector-off] [--landmarks-off] [--restart-engine-every S] [--heaps] [--dumps] [--json OUT] [--dist DIR]');
  process.exit(2);
}

interface Sample {
  /** Seconds since the first sample. */
  t: number;
  callTabMb: number;
  controlTabMb: number;
  extensionMb: number;
  gpuMb: number;
  browserMb: number;
  /** Private memory of every process of this browser together. */
  allMb: number;
  /** Over the interval that ends here: engine time per frame (median, p95) and analysed frames per second. */
  engineMedianMs: number | null;
  engineP95Ms: number | null;
  fps: number;
  /** The engine worker's wasm heaps (MediaPipe + TF.js) and TF.js tensors at the interval's last frame (e2e build). */
  mediapipeWasmMb: number | null;
  tfWasmMb: number | null;
  tfTensorMb: number | null;
  /** The JS heap in use on the extension renderer's main thread (offscreen document and engine frames). Workers have
   * no `performance.memory`: the engine worker's heap was read once over CDP instead (docs/benchmarks.md). */
  extensionMainJsMb: number | null;
}

interface Run {
  participants: number;
  minutes: number;
  control: string;
  samples: Sample[];
  growthMb: { callTab: number; controlTab: number; callOverControl: number; extension: number; gpu: number };
  secondHalfGrowthMb: { callTab: number; controlTab: number; callOverControl: number; extension: number };
  /** `--dumps`: the extension renderer's allocators (bytes by name) at each sample. */
  extensionDumps?: { t: number; allocators: Record<string, number> }[];
}

const mb = (kb: number): number => Math.round(kb / 102.4) / 10;

function renderers(profileDir: string): Set<number> {
  return new Set(chromiumProcesses(profileDir).filter((p) => p.kind === 'renderer').map((p) => p.pid));
}

/**
 * Opens `url` in `page` and returns the renderer process that came with it. `before`: the renderers alive before the
 * page was created (its blank first document may already have the process that the call then uses).
 */
async function openTab(page: Page, url: string, profileDir: string, before: Set<number>): Promise<number> {
  await page.goto(url);
  await page.waitForFunction(() => (window as { callReady?: boolean }).callReady === true, undefined, { timeout: 60_000 });
  const fresh = [...renderers(profileDir)].filter((pid) => !before.has(pid));
  if (fresh.length !== 1) throw new Error(`expected one new renderer for ${url}, found ${fresh.length} (${fresh.join(', ')})`);
  return fresh[0]!;
}

async function soak(participants: number, clip: string, origin: string): Promise<Run> {
  const browser = await launchWithExtension(clip, dist || undefined, undefined, {
    disableFeatures: ['SpareRendererForSitePerProcess'],
    extraArgs: forceGc ? ['--js-flags=--expose-gc'] : [],
  });
  const profileDir = browser.netLogPath.replace(/\/netlog\.json$/, '');
  try {
    const controlOrigin = origin.replace('127.0.0.1', 'localhost');
    /** Samples every interval for the run's minutes; `read` records one sample. */
    const sampleFor = async (read: (t: number) => Promise<void> | void): Promise<void> => {
      const started = Date.now();
      await read(0);
      while (Date.now() - started < minutes * 60_000) {
        await new Promise((r) => setTimeout(r, Math.min(intervalS * 1000, started + minutes * 60_000 - Date.now())));
        await read(Math.round((Date.now() - started) / 1000));
      }
    };
    let before = renderers(profileDir);
    const control = controlMode === 'none' ? null : await browser.context.newPage();
    const controlPid = control ? await openTab(control, `${controlOrigin}/?participants=${participants}`, profileDir, before) : -1;
    const controlAlone: { t: number; mb: number }[] = [];
    if (controlMode === 'before') {
      await sampleFor((t) => {
        controlAlone.push({ t, mb: mb(chromiumProcesses(profileDir).find((p) => p.pid === controlPid)?.privateKb ?? 0) });
        process.stderr.write(`  ${participants}p control alone t=${t}s ${controlAlone[controlAlone.length - 1]!.mb} MB\n`);
      });
      await control?.close();
    }
    before = renderers(profileDir);
    const call = await browser.context.newPage();
    const { cdp, contexts } = await attachContentWorld(call);
    const callPid = await openTab(call, `${origin}/?participants=${participants}${detectorOff ? '&unmaskDetectorOff' : ''}${landmarksOff ? '&unmaskLandmarksOff' : ''}`, profileDir, before);
    if (callPid === controlPid) throw new Error('the call and the control share a renderer: the comparison would mean nothing');
    // With the landmarker off no face is ever tracked: then every participant analysed at all is the start.
    const started = (p: { state: string; framesAnalysed: number }): boolean => (landmarksOff ? p.framesAnalysed > 0 : p.state === 'face-tracked');
    await waitFor(() => tabState(browser.serviceWorker, origin), (s) => (s?.participants ?? []).filter(started).length === participants, 180_000, `${participants} tracked participants`);
    const controlState = await tabState(browser.serviceWorker, controlOrigin);
    if (controlState !== null) throw new Error('the control tab is being analysed: it is no control');

    const samples: Sample[] = [];
    let lastAt = performance.now();
    const controlAt = (t: number, processes: ChromiumProcess[]): number =>
      controlMode === 'before'
        ? (controlAlone.reduce((best, c) => (Math.abs(c.t - t) < Math.abs(best.t - t) ? c : best), controlAlone[0]!).mb)
        : mb(processes.find((p) => p.pid === controlPid)?.privateKb ?? 0);
    await contentScriptEval(cdp, contexts, 'globalThis.__unmaskBench = []; 0');
    const engineFrameNow = () => call.frames().find((f) => f.url().endsWith('/src/engine/engine.html'));
    const collect = async (): Promise<void> => {
      const gc = '(globalThis.gc ?? (() => undefined))()';
      await browser.serviceWorker.evaluate(gc).catch(() => undefined);
      // The engine frame shares its thread, and so its heap, with the offscreen document.
      await engineFrameNow()?.evaluate(gc).catch(() => undefined);
    };
    let lastRestart = 0;
    const dumps: { t: number; sizes: AllocatorSizes }[] = [];
    await sampleFor(async (t) => {
      if (forceGc) await collect();
      const processes = chromiumProcesses(profileDir);
      const privateOf = (pred: (p: ChromiumProcess) => boolean): number => mb(processes.filter(pred).reduce((sum, p) => sum + p.privateKb, 0));
      const records = await contentScriptEval<BenchRecord[]>(cdp, contexts, '(() => { const r = globalThis.__unmaskBench ?? []; globalThis.__unmaskBench = []; return r; })()');
      const now = performance.now();
      const engine = records.map((r) => r.engineMs);
      const memory = records.findLast((r) => r.engineMemory)?.engineMemory;
      const mainJs = await engineFrameNow()
        ?.evaluate(() => (performance as { memory?: { usedJSHeapSize?: number } }).memory?.usedJSHeapSize ?? null)
        .catch(() => null);
      const extensionMainJsMb = typeof mainJs === 'number' ? Math.round((mainJs / 2 ** 20) * 10) / 10 : null;
      const round = (v: number | null): number | null => (v === null ? null : Math.round(v * 10) / 10);
      samples.push({
        t,
        callTabMb: privateOf((p) => p.pid === callPid),
        controlTabMb: controlAt(t, processes),
        extensionMb: privateOf((p) => p.kind === 'extension'),
        gpuMb: privateOf((p) => p.kind === 'gpu'),
        browserMb: privateOf((p) => p.kind === 'browser'),
        allMb: privateOf(() => true),
        engineMedianMs: round(median(engine)),
        engineP95Ms: round(percentile(engine, 95)),
        fps: Math.round((records.length / participants / ((now - lastAt) / 1000)) * 10) / 10,
        mediapipeWasmMb: memory?.mediapipeWasmMb ?? null,
        tfWasmMb: memory?.tfWasmMb ?? null,
        tfTensorMb: memory?.tfTensorMb ?? null,
        extensionMainJsMb,
      });
      lastAt = now;
      const last = samples[samples.length - 1]!;
      if (printHeaps) {
        const heaps = await extensionHeaps(cdp, browser.extensionId).catch(() => []);
        process.stderr.write(`  heaps: ${heaps.map((h) => `${h.type} ${h.url.split('?')[0]} ${h.usedMb} MB${h.backingMb === null ? '' : ` (+${h.backingMb} MB backing)`}`).join('; ')}\n`);
      }
      if (printDumps) {
        const extensionPids = processes.filter((p) => p.kind === 'extension').map((p) => p.pid);
        const all = await memoryDump(cdp).catch((e: unknown) => {
          process.stderr.write(`  memory dump failed: ${String(e)}\n`);
          return new Map<number, AllocatorSizes>();
        });
        const sizes = new Map<string, number>();
        for (const pid of extensionPids) for (const [name, bytes] of all.get(pid) ?? []) sizes.set(name, (sizes.get(name) ?? 0) + bytes);
        if (sizes.size > 0) {
          dumps.push({ t, sizes });
          const top = [...sizes].filter(([n]) => !n.includes('/')).sort((a, b) => b[1] - a[1]);
          process.stderr.write(`  dump (extension renderer): ${top.map(([n, b]) => `${n} ${Math.round(b / 104857.6) / 10}`).join(', ')} MB\n`);
        }
      }
      // After the sample: the next one shows what the restart gave back.
      if (restartEvery > 0 && t - lastRestart >= restartEvery) {
        lastRestart = t;
        await engineFrameNow()?.evaluate(() => (globalThis as { __unmaskCrashWorker?: () => void }).__unmaskCrashWorker?.()).catch(() => undefined);
        process.stderr.write(`  engine worker ended at t=${t}s (--restart-engine-every)\n`);
      }
      process.stderr.write(`  ${participants}p t=${last.t}s call ${last.callTabMb} MB, control ${last.controlTabMb} MB, extension ${last.extensionMb} MB, gpu ${last.gpuMb} MB, engine ${last.engineMedianMs} ms, ${last.fps} fps, wasm ${last.mediapipeWasmMb} + ${last.tfWasmMb} MB, tensors ${last.tfTensorMb} MB, main-thread JS heap ${last.extensionMainJsMb} MB\n`);
    });
    if (dumps.length >= 2) {
      const a = dumps.length > 2 ? dumps[1]! : dumps[0]!; // the first sample is taken while the models may still load
      const b = dumps[dumps.length - 1]!;
      process.stderr.write(`\n  extension renderer, allocators that changed most from t=${a.t}s to t=${b.t}s (MB):\n`);
      for (const c of largestChanges(a.sizes, b.sizes, 4, 30)) process.stderr.write(`    ${c.name}: ${c.beforeMb} -> ${c.afterMb} (${c.changeMb >= 0 ? '+' : ''}${c.changeMb})\n`);
    }
    await cdp.detach();
    const first = samples[0]!;
    const last = samples[samples.length - 1]!;
    const mid = samples.reduce((best, s) => (Math.abs(s.t - last.t / 2) < Math.abs(best.t - last.t / 2) ? s : best), first);
    const r1 = (v: number): number => Math.round(v * 10) / 10;
    const growth = (a: Sample, b: Sample): Run['secondHalfGrowthMb'] => ({
      callTab: r1(b.callTabMb - a.callTabMb),
      controlTab: r1(b.controlTabMb - a.controlTabMb),
      callOverControl: r1(b.callTabMb - a.callTabMb - (b.controlTabMb - a.controlTabMb)),
      extension: r1(b.extensionMb - a.extensionMb),
    });
    return {
      participants,
      minutes,
      control: controlMode,
      samples,
      growthMb: { ...growth(first, last), gpu: r1(last.gpuMb - first.gpuMb) },
      secondHalfGrowthMb: growth(mid, last),
      ...(printDumps ? { extensionDumps: dumps.map((d) => ({ t: d.t, allocators: Object.fromEntries(d.sizes) })) } : {}),
    };
  } finally {
    await browser.close();
    removeProfile(browser.netLogPath);
  }
}

const clip = ensureFakeCameraClip();
const server = await startCallServer();
const runs: Run[] = [];
try {
  for (const participants of counts) runs.push(await soak(participants, clip, server.origin));
} finally {
  await server.close();
}

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, no GPU (Chromium --disable-gpu)`;
console.log(`\nUnmask soak — ${new Date().toISOString()} — ${machine}\n`);
console.log('Private memory (MB) of each Chromium process, sampled during the call; the control is the same call page in another tab, not analysed.\n');
for (const run of runs) {
  console.log(`### ${run.participants} participant${run.participants > 1 ? 's' : ''}, ${run.minutes} min, control ${run.control === 'before' ? 'run alone before the call (same minutes)' : 'beside the call'}\n`);
  console.log('| t (s) | call tab | control tab | extension | GPU | browser | all | engine ms median (p95) | analysed fps per participant | engine wasm: MediaPipe + TF.js (tensors) | JS heap: extension main thread |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const s of run.samples)
    console.log(`| ${s.t} | ${s.callTabMb} | ${s.controlTabMb} | ${s.extensionMb} | ${s.gpuMb} | ${s.browserMb} | ${s.allMb} | ${s.engineMedianMs} (${s.engineP95Ms}) | ${s.fps} | ${s.mediapipeWasmMb} + ${s.tfWasmMb} (${s.tfTensorMb}) | ${s.extensionMainJsMb} |`);
  const g = run.growthMb;
  const h = run.secondHalfGrowthMb;
  console.log(`\nGrowth from the first sample: call tab ${g.callTab} MB, control ${g.controlTab} MB, call tab over control **${g.callOverControl} MB** (goal <= 50), extension **${g.extension} MB** (goal <= 20), GPU ${g.gpu} MB.`);
  console.log(`Second half of the run: call tab over control ${h.callOverControl} MB, extension ${h.extension} MB.\n`);
}
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ machine, runs }, null, 2));
