/**
 * Issue 10's release rule, fixed before any result: which level of live warnings a face-swap model may switch on,
 * judged line by line on files the judged model never trained on (`scripts/release-check.ts` gathers them with
 * `scan`, the extension's own engine and fusion, so "alerted" means the fused risk entered "Likely deepfake").
 *
 * - warnings-only (the call warns "Suspicious" / "Likely deepfake" but never says "Looks genuine"): no real file
 *   alerted; at least half of the DeepFaceLive swaps and half of the more/ swaps (each judged by the model that left
 *   its tool out) alerted; median time to alert <= 5 s of clip time.
 * - full (adds "Looks genuine"): the above, and DFDC dev AUC >= 0.92, every leave-one-tool-out AUC >= 0.90, DFL clip
 *   AUC >= 0.90, every DFL swap alerted.
 * A line whose evidence is missing (a fold model absent) fails: "not measured" is never a pass.
 */
import { auc } from './metrics';
import { median } from './stats';

export interface JudgedFile {
  file: string;
  kind: 'image' | 'video' | 'unknown';
  fake: boolean;
  /** Final fused score (null: no usable face). */
  score: number | null;
  alert: boolean;
  timeToAlertS: number | null;
  /** Highest fused risk during the file (the worst moment a user would have seen). */
  peak: number | null;
}

export interface ReleaseEvidence {
  /** The DeepFaceLive clip pairs, judged by the shipped model (which never trained on them). */
  dfl: JudgedFile[];
  /** Other real files judged by the shipped model: talking heads, franck.mp4. */
  shippedReals: JudgedFile[];
  /** Per left-out tool, its files judged by the fold model without it (dfdc: DFDC dev + more/dfdc-clips). */
  folds: Record<string, JudgedFile[]>;
  /** The tools a complete measurement has a fold for. */
  requiredFolds: readonly string[];
}

export type ReleaseLevel = 'full' | 'warnings-only' | 'none';

export interface ReleaseLine {
  level: Exclude<ReleaseLevel, 'none'>;
  text: string;
  figure: string;
  pass: boolean;
}

const isDfdcDev = (f: JudgedFile): boolean => /(^|\/)dfdc\/dev\//.test(f.file);
const isMore = (f: JudgedFile): boolean => /(^|\/)more\//.test(f.file);
const alerted = (xs: JudgedFile[]): number => xs.filter((s) => s.alert).length;

function aucOf(xs: JudgedFile[]): number | null {
  const scored = xs.filter((s) => s.score !== null);
  if (!scored.some((s) => s.fake) || !scored.some((s) => !s.fake)) return null;
  return auc(scored.map((s) => s.score!), scored.map((s) => s.fake));
}

export function judgeRelease(e: ReleaseEvidence): { lines: ReleaseLine[]; level: ReleaseLevel; worstReal: JudgedFile | null } {
  const missing = e.requiredFolds.filter((t) => !(t in e.folds));
  const complete = missing.length === 0;
  const notMeasured = complete ? '' : ` (not measured: no fold model for ${missing.join(', ')})`;
  const dflFake = e.dfl.filter((s) => s.fake);
  const moreFiles = Object.entries(e.folds).flatMap(([, xs]) => xs.filter(isMore));
  const moreSwaps = moreFiles.filter((s) => s.fake);
  const reals = [...e.dfl.filter((s) => !s.fake), ...e.shippedReals, ...moreFiles.filter((s) => !s.fake)];
  const worstReal = reals.reduce<JudgedFile | null>((w, s) => ((s.peak ?? -1) > (w?.peak ?? -1) ? s : w), null);
  const lines: ReleaseLine[] = [];

  const falseAlerts = reals.filter((s) => s.alert);
  lines.push({
    level: 'warnings-only',
    text: 'no alert on any real file (DFL real halves, talking heads, franck.mp4; more/ reals by their fold)',
    figure:
      `${falseAlerts.length} of ${reals.length} alerted${falseAlerts.length ? ` (${falseAlerts.map((s) => s.file).join(', ')})` : ''}` +
      `; worst peak fused risk ${worstReal?.peak?.toFixed(3) ?? '-'} (${worstReal?.file ?? '-'})${notMeasured}`,
    pass: complete && reals.length > 0 && falseAlerts.length === 0,
  });
  lines.push({
    level: 'warnings-only',
    text: 'at least half of the DFL swaps alerted',
    figure: `${alerted(dflFake)} of ${dflFake.length}`,
    pass: dflFake.length > 0 && alerted(dflFake) * 2 >= dflFake.length,
  });
  lines.push({
    level: 'warnings-only',
    text: 'at least half of the leave-one-tool-out swaps in more/ alerted',
    figure: `${alerted(moreSwaps)} of ${moreSwaps.length}${notMeasured}`,
    pass: complete && moreSwaps.length > 0 && alerted(moreSwaps) * 2 >= moreSwaps.length,
  });
  // clip time only means something for videos: a still is judged at once, at "0 s"
  const times = [...dflFake, ...moreSwaps].filter((s) => s.kind === 'video' && s.timeToAlertS !== null).map((s) => s.timeToAlertS!);
  const medianTime = median(times);
  lines.push({
    level: 'warnings-only',
    text: 'median time to alert <= 5 s of clip time (alerted swap videos)',
    figure: medianTime === null ? 'no swap video alerted' : `${medianTime.toFixed(1)} s over ${times.length} alerted swap videos`,
    pass: medianTime !== null && medianTime <= 5,
  });

  const dfdcAuc = aucOf((e.folds.dfdc ?? []).filter(isDfdcDev));
  lines.push({
    level: 'full',
    text: 'DFDC dev AUC >= 0.92 (the fold without DFDC)',
    figure: dfdcAuc === null ? 'not measured' : dfdcAuc.toFixed(4),
    pass: dfdcAuc !== null && dfdcAuc >= 0.92,
  });
  const perTool = Object.entries(e.folds).map(([t, xs]) => [t, aucOf(t === 'dfdc' ? xs.filter(isDfdcDev) : xs)] as const);
  lines.push({
    level: 'full',
    text: 'every leave-one-tool-out AUC >= 0.90',
    figure: `${perTool.map(([t, a]) => `${t} ${a === null ? '-' : a.toFixed(3)}`).join(', ') || '-'}${notMeasured}`,
    pass: complete && perTool.every(([, a]) => a !== null && a >= 0.9),
  });
  const dflAuc = aucOf(e.dfl);
  lines.push({
    level: 'full',
    text: 'DFL clip AUC >= 0.90 (a model that never saw DeepFaceLive)',
    figure: dflAuc === null ? 'not measured' : dflAuc.toFixed(4),
    pass: dflAuc !== null && dflAuc >= 0.9,
  });
  lines.push({
    level: 'full',
    text: 'every DFL swap alerted',
    figure: `${alerted(dflFake)} of ${dflFake.length}`,
    pass: dflFake.length > 0 && alerted(dflFake) === dflFake.length,
  });

  const warn = lines.filter((l) => l.level === 'warnings-only').every((l) => l.pass);
  const full = warn && lines.filter((l) => l.level === 'full').every((l) => l.pass);
  return { lines, level: full ? 'full' : warn ? 'warnings-only' : 'none', worstReal };
}
