/**
 * `npm run scan -- [--csv OUT.csv] [--json OUT.json] [--labels-from-dirs] [--extension DIR] PATH...`
 *
 * Runs Unmask's detector on files with the very code path of the extension: the built extension is loaded in
 * headless Chromium and each file goes through its "Scan a file" page (same engine, same sampling on clip time, same
 * fusion). Files or folders (recursively): .jpg .jpeg .png .webp images, .mp4 .webm .mov videos. One row per file:
 *   file,kind,score,verdict,alert,time_to_alert_s,frames_analyzed,faces_found,message
 * With --labels-from-dirs (files under a `real/` or `fake/` folder) it also prints AUC, the true-positive rate at 1%
 * and 5% false-positive rate, false alerts on real files and the median time to alert on fakes.
 * A bad file (corrupt, no video track, unsupported codec, no face) gets its row and message; the run goes on.
 * --json writes { rows, metrics, timelines }: a timeline per file holds each sampled frame's clip time, face score,
 * fused score and verdict (what the page's chart shows), for looking at how a clip's score evolved.
 */
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCAN_COLUMNS, scanRowToCsv, type ScanRow } from '../src/core/file-verdict';
import { auc, tprAtFpr } from '../src/core/metrics';
import { median } from '../src/core/stats';
import type { ScanOutcome } from '../src/ui/scan';
import { launchWithExtension, removeProfile } from '../tests/e2e/support/browser';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.mp4', '.webm', '.mov']);

function parseArgs(argv: string[]): { csv: string | null; json: string | null; labels: boolean; extension: string; paths: string[] } {
  const out = { csv: null as string | null, json: null as string | null, labels: false, extension: resolve(ROOT, 'dist'), paths: [] as string[] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--csv') out.csv = argv[++i] ?? null;
    else if (a === '--json') out.json = argv[++i] ?? null;
    else if (a === '--labels-from-dirs') out.labels = true;
    else if (a === '--extension') out.extension = resolve(argv[++i] ?? '');
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else out.paths.push(a);
  }
  if (!out.paths.length) throw new Error('usage: npm run scan -- [--csv OUT.csv] [--json OUT.json] [--labels-from-dirs] PATH...');
  return out;
}

function collect(path: string): string[] {
  if (!existsSync(path)) throw new Error(`no such file or folder: ${path}`);
  if (statSync(path).isDirectory())
    return readdirSync(path)
      .sort()
      .flatMap((name) => collect(resolve(path, name)));
  return EXTENSIONS.has(extname(path).toLowerCase()) ? [resolve(path)] : [];
}

/** "real" or "fake" from the nearest folder so named, or null. */
function labelOf(file: string): boolean | null {
  const parts = dirname(file).split(sep).reverse();
  const hit = parts.find((p) => p === 'real' || p === 'fake');
  return hit === undefined ? null : hit === 'fake';
}

const args = parseArgs(process.argv.slice(2));
const files = [...new Set(args.paths.flatMap((p) => collect(resolve(p))))];
if (!files.length) throw new Error('no images or videos found in the given paths');
if (!existsSync(resolve(args.extension, 'manifest.json'))) throw new Error(`${args.extension} has no built extension: run \`npm run build\` first`);

const browser = await launchWithExtension(null, args.extension);
const rows: ScanRow[] = [];
/** Per file, each sampled frame's face score and the fused score after it (the page's chart), for --json. */
const timelines: { file: string; frames: ScanOutcome['frames'] }[] = [];
const started = Date.now();
try {
  const page = await browser.context.newPage();
  await page.goto(`chrome-extension://${browser.extensionId}/src/ui/scan.html`);
  for (const [i, file] of files.entries()) {
    const before = await page.evaluate(() => (window as unknown as { unmaskScans?: number }).unmaskScans ?? 0);
    await page.setInputFiles('#file', file);
    await page.waitForFunction((n) => ((window as unknown as { unmaskScans?: number }).unmaskScans ?? 0) > n, before);
    const outcome = await page.evaluate(() => (window as unknown as { unmaskLastScan: Promise<ScanOutcome> }).unmaskLastScan);
    // Reset the input so the same file name can be chosen again.
    await page.evaluate(() => {
      const input = document.getElementById('file') as HTMLInputElement;
      input.value = '';
    });
    const name = relative(process.cwd(), file) || basename(file);
    rows.push({ ...outcome.row, file: name });
    timelines.push({ file: name, frames: outcome.frames });
    const elapsed = (Date.now() - started) / 1000;
    const eta = (elapsed / (i + 1)) * (files.length - i - 1);
    process.stderr.write(`\r[${i + 1}/${files.length}] ${Math.round(elapsed)} s elapsed, ~${Math.round(eta)} s left   `);
  }
} finally {
  await browser.close();
  removeProfile(browser.netLogPath);
  process.stderr.write('\n');
}

const csv = [SCAN_COLUMNS.join(','), ...rows.map(scanRowToCsv)].join('\n') + '\n';
if (args.csv) writeFileSync(args.csv, csv);
else process.stdout.write(csv);

let metrics: Record<string, unknown> | null = null;
if (args.labels) {
  const labelled = rows.map((r, i) => ({ r, fake: labelOf(files[i]!) })).filter((x): x is { r: ScanRow; fake: boolean } => x.fake !== null);
  const scored = labelled.filter((x) => x.r.score !== null);
  const scores = scored.map((x) => x.r.score!);
  const labels = scored.map((x) => x.fake);
  const reals = labelled.filter((x) => !x.fake);
  const fakes = labelled.filter((x) => x.fake);
  const times = fakes.map((x) => x.r.timeToAlertS).filter((t): t is number => t !== null);
  metrics = {
    files: labelled.length,
    real: reals.length,
    fake: fakes.length,
    unscored: labelled.length - scored.length,
    auc: auc(scores, labels),
    tprAt1PctFpr: tprAtFpr(scores, labels, 0.01)?.tpr ?? null,
    tprAt5PctFpr: tprAtFpr(scores, labels, 0.05)?.tpr ?? null,
    falseAlertsOnReal: reals.filter((x) => x.r.alert).length,
    fakesAlerted: fakes.filter((x) => x.r.alert).length,
    medianTimeToAlertS: median(times),
  };
  const fmt = (v: unknown): string => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(4)) : String(v));
  console.error(
    `\n${metrics.files as number} labelled files (${metrics.real as number} real, ${metrics.fake as number} fake, ${metrics.unscored as number} without a score)\n` +
      `AUC ${fmt(metrics.auc)} · TPR at 1% FPR ${fmt(metrics.tprAt1PctFpr)} · TPR at 5% FPR ${fmt(metrics.tprAt5PctFpr)}\n` +
      `false alerts on real: ${metrics.falseAlertsOnReal as number}/${metrics.real as number} · fakes alerted: ${metrics.fakesAlerted as number}/${metrics.fake as number} · median time to alert: ${fmt(metrics.medianTimeToAlertS)} s`,
  );
}
if (args.json) writeFileSync(args.json, `${JSON.stringify({ rows, metrics, timelines })}\n`);
