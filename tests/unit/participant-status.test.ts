import { describe, expect, it } from 'vitest';
import { NO_FACE_AFTER_FRAMES, ParticipantStatus } from '../../src/core/participant-status';
import { DEFAULT_FUSION } from '../../src/core/risk-fusion';
import type { EngineStatus, FaceObservation, FaceQuality, FrameResult, ParticipantSummary } from '../../src/shared/types';

const READY: EngineStatus = { kind: 'ready', loadMs: 900, backend: 'GPU', detector: 'wasm', verdicts: true };
const LOADING: EngineStatus = { kind: 'loading' };
/** A per-frame score well inside "likely deepfake", whatever the shipped thresholds are. */
const HIGH = (DEFAULT_FUSION.deepfake.enter + 1) / 2;

function face(trackId = 1, quality: FaceQuality = { faceSizePx: 220, sharpness: 60, brightness: 120 }, swapScore: number | null = null): FaceObservation {
  const landmarks = new Float32Array(478 * 3);
  for (let i = 0; i < 478; i++) {
    landmarks[i * 3] = 0.3 + (i % 20) * 0.01;
    landmarks[i * 3 + 1] = 0.2 + Math.floor(i / 20) * 0.01;
  }
  return {
    trackId,
    box: { x: 0.3, y: 0.2, width: 0.2, height: 0.25 },
    landmarkCount: 478,
    landmarks,
    pose: { yawDeg: 0, pitchDeg: 0, rollDeg: 0 },
    quality,
    swapScore,
  };
}

let frameId = 0;
function result(faces: FaceObservation[], engineMs = 12): FrameResult {
  return { participantId: 'p1', frameId: frameId++, sampledAt: 0, engineMs, landmarkMs: engineMs - 2, detectorMs: 1, frameWidth: 640, frameHeight: 360, faces };
}

/** No risk verdict may be invented: no score, no percentage, no "fake"/"real" claim. */
/** Without detector scores, no risk verdict may be invented: no score, no percentage, no "fake"/"genuine" claim. */
function expectNoVerdict(s: ParticipantSummary): void {
  expect(s.detail).not.toMatch(/%|\bscore\b|\bfake\b|\bgenuine\b|\bsuspicious\b|\bprobab/i);
  expect(s.risk.verdict).toBe('insufficient');
  expect(s.risk.score).toBeNull();
  expect(s.risk.reason).toBeTruthy();
}

describe('ParticipantStatus', () => {
  it('starts as starting while the engine loads, then analysing once it is ready', () => {
    const p = new ParticipantStatus('p1', 'Alice', 1000);
    const s0 = p.summary(LOADING, 1100);
    expect(s0.state).toBe('starting');
    expect(s0.detail).toBe('Loading the face models…');
    expect(s0.since).toBe(1000);
    expect(s0.framesAnalysed).toBe(0);
    expect(s0.analysedFps).toBe(0);
    expect(s0.engineMsMedian).toBeNull();
    expect(s0.latencyMsMedian).toBeNull();
    expect(p.summary({ kind: 'idle' }, 1150).state).toBe('starting');
    const s1 = p.summary(READY, 1200);
    expect(s1.state).toBe('analysing');
    expect(s1.detail).toBe('Looking for a face…');
    expect(s1.since).toBe(1200);
  });

  it('goes starting -> analysing -> face-tracked, with the face summarised', () => {
    const p = new ParticipantStatus('p1', 'Alice', 0);
    expect(p.summary(LOADING, 0).state).toBe('starting');
    expect(p.summary(READY, 100).state).toBe('analysing');
    p.onResult(result([face(7)]), 40, 200);
    const s = p.summary(READY, 200);
    expect(s.state).toBe('face-tracked');
    expect(s.detail).toBe('Not enough evidence yet: the face-swap model is not available. Face tracked (220 px, good quality).');
    expect(s.faces).toHaveLength(1);
    expect(s.faces[0]?.trackId).toBe(7);
    expect(s.faces[0]?.grade).toBe('good');
    expect(s.framesAnalysed).toBe(1);
    expect(s.id).toBe('p1');
    expect(s.label).toBe('Alice');
    expectNoVerdict(s);
  });

  it('explains a fair or poor face and counts several faces', () => {
    const p = new ParticipantStatus('p1', 'Bob', 0);
    p.onResult(result([face(1, { faceSizePx: 90, sharpness: 10, brightness: 120 }), face(2, { faceSizePx: 40, sharpness: 60, brightness: 120 })]), 30, 100);
    const s = p.summary(READY, 100);
    expect(s.state).toBe('face-tracked');
    expect(s.detail).toBe(
      'Not enough evidence yet: the face-swap model is not available. ' +
        '2 faces tracked (90 px, fair quality: face is small (90 px), face is soft; 40 px, poor quality: face is too small (40 px)).',
    );
    expectNoVerdict(s);
  });

  it(`says no-face only after ${NO_FACE_AFTER_FRAMES} consecutive faceless results`, () => {
    const p = new ParticipantStatus('p1', 'Alice', 0);
    p.onResult(result([face()]), 30, 100);
    expect(p.summary(READY, 100).state).toBe('face-tracked');
    // One missed detection does not flip the state; the last faces are kept.
    p.onResult(result([]), 30, 300);
    const oneMiss = p.summary(READY, 300);
    expect(oneMiss.state).toBe('face-tracked');
    expect(oneMiss.faces).toHaveLength(1);
    // A face again resets the streak.
    p.onResult(result([face()]), 30, 500);
    for (let i = 1; i < NO_FACE_AFTER_FRAMES; i++) {
      p.onResult(result([]), 30, 500 + i * 200);
      expect(p.summary(READY, 500 + i * 200).state).toBe('face-tracked');
    }
    p.onResult(result([]), 30, 1500);
    const gone = p.summary(READY, 1500);
    expect(gone.state).toBe('no-face');
    expect(gone.faces).toEqual([]);
    expect(gone.detail).toBe('No face in view: nothing to check.');
    expectNoVerdict(gone);
    // And back.
    p.onResult(result([face()]), 30, 1700);
    expect(p.summary(READY, 1700).state).toBe('face-tracked');
  });

  it('stays analysing, not no-face, for the first faceless results', () => {
    const p = new ParticipantStatus('p1', 'Alice', 0);
    for (let i = 1; i < NO_FACE_AFTER_FRAMES; i++) {
      p.onResult(result([]), 30, i * 200);
      expect(p.summary(READY, i * 200).state).toBe('analysing');
    }
    p.onResult(result([]), 30, 1000);
    expect(p.summary(READY, 1000).state).toBe('no-face');
  });

  it('says paused while paused, and returns to its state afterwards', () => {
    const p = new ParticipantStatus('p1', 'Alice', 0);
    p.onResult(result([face()]), 30, 100);
    p.setPaused(true);
    const s = p.summary(READY, 200);
    expect(s.state).toBe('paused');
    expect(s.detail).toBe('Paused (video paused or tab in the background).');
    expect(p.summary(LOADING, 250).state).toBe('paused');
    p.setPaused(false);
    expect(p.summary(READY, 300).state).toBe('face-tracked');
  });

  it('says engine-error when the engine failed, whatever else, with its message', () => {
    const p = new ParticipantStatus('p1', 'Alice', 0);
    p.onResult(result([face()]), 30, 100);
    p.setPaused(true);
    const failed = p.summary({ kind: 'failed', message: 'WebGL context lost' }, 200);
    expect(failed.state).toBe('engine-error');
    expect(failed.detail).toBe('Analysis engine failed: WebGL context lost');
    expectNoVerdict(failed);
  });

  it('treats a crash (which is restarted automatically) as a hiccup, not an error', () => {
    const crashed: EngineStatus = { kind: 'crashed', message: 'worker died', restarts: 1 };
    const fresh = new ParticipantStatus('p1', 'Alice', 0);
    const s = fresh.summary(crashed, 100);
    expect(s.state).toBe('starting');
    expect(s.detail).toBe('Analysis engine restarting…');
    const running = new ParticipantStatus('p2', 'Bob', 0);
    running.onResult(result([face()]), 30, 100);
    expect(running.summary(crashed, 200).state).toBe('face-tracked');
  });

  it('mentions a failed frame while looking for a face, until the next result', () => {
    const p = new ParticipantStatus('p1', 'Alice', 0);
    p.onResult(result([]), 30, 100);
    p.onFrameError('createImageBitmap failed');
    expect(p.summary(READY, 150).detail).toBe('Looking for a face… (last frame failed: createImageBitmap failed)');
    p.onResult(result([]), 30, 300);
    expect(p.summary(READY, 300).detail).toBe('Looking for a face…');
  });

  it('changes `since` only when the state changes', () => {
    const p = new ParticipantStatus('p1', 'Alice', 50);
    expect(p.summary(LOADING, 100).since).toBe(50);
    expect(p.summary(LOADING, 400).since).toBe(50);
    expect(p.summary(READY, 500).since).toBe(500);
    expect(p.summary(READY, 700).since).toBe(500);
    p.onResult(result([face()]), 30, 800);
    expect(p.summary(READY, 800).since).toBe(800);
    // More faces, a single miss: still face-tracked, since stays.
    p.onResult(result([face()]), 30, 1000);
    p.onResult(result([]), 30, 1200);
    expect(p.summary(READY, 1200).since).toBe(800);
    p.setPaused(true);
    expect(p.summary(READY, 1300).since).toBe(1300);
    expect(p.summary(READY, 1400).since).toBe(1300);
    p.setPaused(false);
    expect(p.summary(READY, 1500).since).toBe(1500);
  });

  it('reports the analysed rate and medians over the last 3 s', () => {
    const p = new ParticipantStatus('p1', 'Alice', 0);
    // 5 results per second, from t = 100 to 5900; engine 10..14 ms, latency 30..70 ms.
    let i = 0;
    for (let t = 100; t < 6000; t += 200, i++) p.onResult(result([face()], 10 + (i % 5)), 30 + (i % 5) * 10, t);
    const s = p.summary(READY, 6000);
    expect(s.analysedFps).toBe(5);
    expect(s.framesAnalysed).toBe(30);
    expect(s.engineMsMedian).toBe(12);
    expect(s.latencyMsMedian).toBe(50);
    // Two seconds without results: only the last second's 5 remain in the window.
    expect(p.summary(READY, 8000).analysedFps).toBeCloseTo(1.7, 10);
    // Long silence: nothing.
    const later = p.summary(READY, 20_000);
    expect(later.analysedFps).toBe(0);
    expect(later.engineMsMedian).toBeNull();
  });

  it('skips a missing latency in the latency median but counts the frame', () => {
    const p = new ParticipantStatus('p1', 'Alice', 0);
    p.onResult(result([face()]), null, 100);
    const s = p.summary(READY, 100);
    expect(s.framesAnalysed).toBe(1);
    expect(s.latencyMsMedian).toBeNull();
    expect(s.engineMsMedian).toBe(12);
  });

  it('never shows a risk score or percentage in any state', () => {
    const p = new ParticipantStatus('p1', 'Alice', 0);
    const engines: EngineStatus[] = [LOADING, READY, { kind: 'failed', message: 'x' }, { kind: 'crashed', message: 'y', restarts: 2 }];
    for (const e of engines) expectNoVerdict(p.summary(e, 0));
    p.onResult(result([face(1, { faceSizePx: 30, sharpness: 1, brightness: 10 })]), 30, 10);
    expectNoVerdict(p.summary(READY, 10));
    p.setPaused(true);
    expectNoVerdict(p.summary(READY, 20));
  });
});

describe('ParticipantStatus risk', () => {
  const GOOD: FaceQuality = { faceSizePx: 220, sharpness: 60, brightness: 120 };
  /** Feeds `seconds` of results at 5 fps starting at `fromMs`; `faces` builds each frame's faces. */
  function run(p: ParticipantStatus, fromMs: number, seconds: number, faces: () => FaceObservation[]): number {
    let t = fromMs;
    for (; t < fromMs + seconds * 1000; t += 200) p.onResult(result(faces()), 30, t);
    return t;
  }

  it('says "not enough evidence" with the reason when the detector does not run', () => {
    const p = new ParticipantStatus('p1', 'Alice', 0);
    run(p, 0, 5, () => [face(1, GOOD, null)]);
    const s = p.summary(READY, 5000);
    expect(s.risk).toMatchObject({ verdict: 'insufficient', score: null, reason: 'the face-swap model is not available' });
    expect(s.detail).toMatch(/Not enough evidence yet: the face-swap model is not available/);
  });

  it('turns "likely deepfake" on consistently high scores, and says what to do', () => {
    const p = new ParticipantStatus('p1', 'Alice', 0);
    const end = run(p, 0, 6, () => [face(1, GOOD, HIGH)]);
    const s = p.summary(READY, end);
    expect(s.risk.verdict).toBe('deepfake');
    expect(s.risk.score).toBeGreaterThan(DEFAULT_FUSION.deepfake.enter);
    expect(s.detail).toMatch(/^Likely deepfake \(9\d%\): do not act on requests/);
  });

  it('says "looks genuine" on low scores, after enough evidence only', () => {
    const p = new ParticipantStatus('p1', 'Alice', 0);
    run(p, 0, 1, () => [face(1, GOOD, 0.03)]);
    expect(p.summary(READY, 1000).risk.verdict).toBe('insufficient');
    const end = run(p, 1000, 4, () => [face(1, GOOD, 0.03)]);
    const s = p.summary(READY, end);
    expect(s.risk.verdict).toBe('genuine');
    expect(s.detail).toMatch(/^Looks genuine \(3%\)\./);
  });

  it('reports the riskiest of two faces in one tile', () => {
    const p = new ParticipantStatus('p1', 'Two people', 0);
    const end = run(p, 0, 6, () => [face(1, GOOD, 0.02), face(2, GOOD, HIGH)]);
    expect(p.summary(READY, end).risk.verdict).toBe('deepfake');
  });

  it('does not count a too-small face as evidence, and says so', () => {
    const p = new ParticipantStatus('p1', 'Alice', 0);
    const end = run(p, 0, 6, () => [face(1, { ...GOOD, faceSizePx: 40 }, HIGH)]);
    const s = p.summary(READY, end);
    expect(s.risk.verdict).toBe('insufficient');
    expect(s.risk.reason).toBe('face too small (40 px)');
  });
});

describe('ParticipantStatus without a released model', () => {
  it('gives no verdict and no score in a call, and says the check is in development', () => {
    const unreleased: EngineStatus = { kind: 'ready', loadMs: 900, backend: 'GPU', detector: 'wasm', verdicts: false };
    const p = new ParticipantStatus('p1', 'Alice', 0);
    for (let t = 0; t < 6000; t += 200) p.onResult(result([face(1, { faceSizePx: 220, sharpness: 60, brightness: 120 }, HIGH)]), 30, t);
    const s = p.summary(unreleased, 6000);
    expect(s.verdictsAvailable).toBe(false);
    expect(s.risk).toMatchObject({ verdict: 'insufficient', score: null, reason: 'the face-swap check is not released yet' });
    expect(s.detail).toBe('Face tracked (220 px, good quality). The face-swap check is still in development: no verdict is given.');
    expect(s.detail).not.toMatch(/%|deepfake|genuine|suspicious/i);
    // The same frames with a released model do give the verdict.
    expect(p.summary(READY, 6000).risk.verdict).toBe('deepfake');
  });
});
