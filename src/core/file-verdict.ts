/**
 * Verdicts for files (the "Scan a file" page and `npm run scan`). A video is judged like a live call: frames
 * sampled on the same 5 fps grid, fused by the same ParticipantStatus/RiskFusion, on clip time. A still image has
 * one frame, so no evidence over time: its verdict is the single score against the same thresholds.
 */
import type { FaceQuality, RiskVerdict } from '../shared/types';
import { DEFAULT_FUSION, RiskFusion, type FusionConfig } from './risk-fusion';

/** The live sampling policy, replayed on clip time: one sample every 200 ms. */
export const SCAN_SAMPLE_INTERVAL_S = 0.2;

export function sampleTimes(durationS: number, interval = SCAN_SAMPLE_INTERVAL_S): number[] {
  if (!(durationS > 0) || !Number.isFinite(durationS)) return [];
  const times: number[] = [];
  // Stop just short of the end: seeking to the very end shows no new frame.
  for (let k = 0; k === 0 || k * interval < durationS - 0.02; k++) times.push(Math.round(k * interval * 1000) / 1000);
  return times;
}

export function imageVerdict(score: number | null, quality: FaceQuality | null, config: FusionConfig = DEFAULT_FUSION): { verdict: RiskVerdict; reason: string | null } {
  const reason = new RiskFusion(0, config).unusableReason(quality);
  if (reason) return { verdict: 'insufficient', reason };
  if (score === null) return { verdict: 'insufficient', reason: 'the face-swap model is not available' };
  if (score >= config.deepfake.enter) return { verdict: 'deepfake', reason: null };
  if (score >= config.suspicious.enter) return { verdict: 'suspicious', reason: null };
  return { verdict: 'genuine', reason: null };
}

/** One row of `npm run scan` output. */
export interface ScanRow {
  file: string;
  kind: 'image' | 'video' | 'unknown';
  score: number | null;
  verdict: RiskVerdict;
  /** Whether the extension would have raised its deepfake warning during the clip (an image: its verdict). */
  alert: boolean;
  timeToAlertS: number | null;
  framesAnalyzed: number;
  facesFound: number;
  /** Why the file could not be judged, or what went wrong; empty when all went well. */
  message: string;
}

export const SCAN_COLUMNS = ['file', 'kind', 'score', 'verdict', 'alert', 'time_to_alert_s', 'frames_analyzed', 'faces_found', 'message'] as const;

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function scanRowToCsv(row: ScanRow): string {
  return [
    row.file,
    row.kind,
    row.score === null ? '' : row.score.toFixed(6),
    row.verdict,
    String(row.alert),
    row.timeToAlertS === null ? '' : row.timeToAlertS.toFixed(2),
    String(row.framesAnalyzed),
    String(row.facesFound),
    row.message,
  ]
    .map(csvField)
    .join(',');
}
