import { describe, expect, it } from 'vitest';
import { imageVerdict, sampleTimes, scanRowToCsv, SCAN_COLUMNS } from '../../src/core/file-verdict';
import { DEFAULT_FUSION } from '../../src/core/risk-fusion';

const GOOD = { faceSizePx: 200, sharpness: 80, brightness: 120 };

describe('sampleTimes', () => {
  it('replays the live 5 fps grid on clip time, stopping short of the end', () => {
    expect(sampleTimes(1)).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
    expect(sampleTimes(0.01)).toEqual([0]);
    expect(sampleTimes(Infinity)).toEqual([]);
    expect(sampleTimes(Number.NaN)).toEqual([]);
    expect(sampleTimes(10)).toHaveLength(50);
  });
});

describe('imageVerdict', () => {
  it('applies the fusion thresholds to the single score', () => {
    const { suspicious, deepfake } = DEFAULT_FUSION;
    expect(imageVerdict(deepfake.enter, GOOD).verdict).toBe('deepfake');
    expect(imageVerdict(deepfake.enter - 0.001, GOOD).verdict).toBe('suspicious');
    expect(imageVerdict(suspicious.enter, GOOD).verdict).toBe('suspicious');
    expect(imageVerdict(suspicious.enter - 0.001, GOOD).verdict).toBe('genuine');
    expect(imageVerdict(0.1, GOOD).verdict).toBe('genuine');
  });

  it('is insufficient, with the reason, without a usable face or a score', () => {
    expect(imageVerdict(0.9, null)).toEqual({ verdict: 'insufficient', reason: 'no face in view' });
    expect(imageVerdict(0.9, { ...GOOD, faceSizePx: 30 })).toEqual({ verdict: 'insufficient', reason: 'face too small (30 px)' });
    expect(imageVerdict(null, GOOD)).toEqual({ verdict: 'insufficient', reason: 'the face-swap model is not available' });
  });
});

describe('scanRowToCsv', () => {
  it('writes the documented columns, quoting what needs it', () => {
    expect(SCAN_COLUMNS.join(',')).toBe('file,kind,score,verdict,alert,time_to_alert_s,frames_analyzed,faces_found,message');
    const line = scanRowToCsv({ file: 'a,b.mp4', kind: 'video', score: 0.5, verdict: 'suspicious', alert: false, timeToAlertS: null, framesAnalyzed: 10, facesFound: 9, message: 'said "hi"' });
    expect(line).toBe('"a,b.mp4",video,0.500000,suspicious,false,,10,9,"said ""hi"""');
  });
});
