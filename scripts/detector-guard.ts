/**
 * CI's guard against detector regressions (not the goal): when the shared development data is present, runs
 * `scan` on ../shared/data/dfl and ../shared/data/dfdc/dev and fails if an AUC drops more than 0.01 below the figure
 * last recorded in docs/benchmarks.md (the `<!-- guard: NAME auc=X -->` markers there). Without the data it says so
 * loudly and passes: a user's machine, or CI without shared/, has nothing to measure.
 *
 *   tsx scripts/detector-guard.ts [--data ../shared/data]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const i = process.argv.indexOf('--data');
const data = resolve(i > 0 ? (process.argv[i + 1] ?? '') : join(ROOT, '../shared/data'));
const TOLERANCE = 0.01;

const recorded = new Map<string, number>();
for (const m of readFileSync(join(ROOT, 'docs/benchmarks.md'), 'utf8').matchAll(/<!-- guard: (\S+) auc=([\d.]+) -->/g)) recorded.set(m[1]!, Number(m[2]));

const sets = [
  { name: 'dfl', path: join(data, 'dfl') },
  { name: 'dfdc-dev', path: join(data, 'dfdc/dev') },
];
if (!existsSync(data)) {
  console.log(`detector guard: SKIPPED, no development data at ${data} (the figures cannot be checked here)`);
  process.exit(0);
}
const out = mkdtempSync(join(tmpdir(), 'unmask-guard-'));
let failed = false;
for (const set of sets) {
  if (!existsSync(set.path)) {
    console.log(`detector guard: ${set.name}: SKIPPED, ${set.path} is missing`);
    continue;
  }
  const json = join(out, `${set.name}.json`);
  execFileSync('npx', ['tsx', 'scripts/scan.ts', '--labels-from-dirs', '--csv', join(out, `${set.name}.csv`), '--json', json, set.path], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const { metrics } = JSON.parse(readFileSync(json, 'utf8')) as { metrics: { auc: number | null } };
  const floor = recorded.get(set.name);
  const auc = metrics.auc ?? 0;
  if (floor === undefined) {
    console.log(`detector guard: ${set.name}: AUC ${auc.toFixed(4)} (no recorded figure to compare with)`);
    continue;
  }
  const ok = auc >= floor - TOLERANCE;
  failed ||= !ok;
  console.log(`detector guard: ${set.name}: AUC ${auc.toFixed(4)}, recorded ${floor.toFixed(4)}: ${ok ? 'ok' : `REGRESSION (more than ${TOLERANCE} below)`}`);
}
process.exit(failed ? 1 : 0);
