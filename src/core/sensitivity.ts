/**
 * The user's sensitivity setting, as risk-fusion thresholds.
 *
 * Only the score thresholds move; everything that decides whether there is evidence at all (face size, light,
 * sharpness, 8 usable frames over 2 s, staleness) and the 1 s dwell stay as they are, so a higher sensitivity warns
 * at a lower score but never on less evidence or sooner after a change.
 *
 * - 'standard' is DEFAULT_FUSION unchanged, and it is the only setting the published figures (models/README.md,
 *   docs/benchmarks.md) measure. The other two are shifts around it, not separately measured operating points.
 * - 'low' (fewer false alarms, later or missed warnings): every enter and exit threshold +0.04. With the v0.3
 *   thresholds that is suspicious 0.942 / 0.822 and likely deepfake 0.99 / 0.98 (held under the 0.99 ceiling below):
 *   0.942 is about the 97th percentile of real faces' scores on the development data, 0.99 the 99.3rd.
 * - 'high' (earlier warnings, more false alarms): every threshold -0.06, i.e. suspicious 0.842 / 0.722 and likely
 *   deepfake 0.923 / 0.899: about the 92.5th and the 96th percentiles of real faces' scores, so expect
 *   "suspicious" on real people noticeably more often.
 *
 * Thresholds stay within [0.01, 0.99] (a threshold of 1 could never be reached), each exit stays below its enter
 * (the hysteresis band is never empty) and "suspicious" stays below "likely deepfake", whatever the base.
 */
import type { Sensitivity } from '../shared/types';
import { DEFAULT_FUSION, type FusionConfig } from './risk-fusion';

export const SENSITIVITY_SHIFT: Readonly<Record<Sensitivity, number>> = { low: 0.04, standard: 0, high: -0.06 };

const MIN_THRESHOLD = 0.01;
const MAX_THRESHOLD = 0.99;
/** Smallest gap kept between two thresholds that must be ordered. */
const GAP = 0.01;

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));
/** Rounded to 4 decimals so that 0.8 + 0.04 reads 0.84 in logs and tests, not 0.8400000000000001. */
const tidy = (x: number): number => Math.round(x * 10_000) / 10_000;

export function fusionConfigFor(sensitivity: Sensitivity, base: FusionConfig = DEFAULT_FUSION): FusionConfig {
  const shift = SENSITIVITY_SHIFT[sensitivity];
  if (shift === 0) return base;
  // Enter thresholds first, highest verdict first, so that each lower one can be kept below the one above it.
  const deepfakeEnter = tidy(clamp(base.deepfake.enter + shift, MIN_THRESHOLD + 3 * GAP, MAX_THRESHOLD));
  const suspiciousEnter = tidy(clamp(base.suspicious.enter + shift, MIN_THRESHOLD + GAP, deepfakeEnter - GAP));
  const deepfakeExit = tidy(clamp(base.deepfake.exit + shift, MIN_THRESHOLD + 2 * GAP, deepfakeEnter - GAP));
  const suspiciousExit = tidy(clamp(base.suspicious.exit + shift, MIN_THRESHOLD, Math.min(suspiciousEnter, deepfakeExit) - GAP));
  return {
    ...base,
    suspicious: { enter: suspiciousEnter, exit: suspiciousExit },
    deepfake: { enter: deepfakeEnter, exit: deepfakeExit },
  };
}
