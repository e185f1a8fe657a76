import { describe, expect, it } from 'vitest';
import { AdaptiveSampler, DEFAULT_SAMPLER_OPTIONS, type SampleDecision, sampleWidthFor } from '../../src/core/sampler';

const FRAME_MS = 1000 / 30;

interface Sim {
  sampler: AdaptiveSampler;
  /** Times at which a frame was sent to the (simulated) engine. */
  sent: number[];
  decisions: Map<SampleDecision, number>;
  /** Frames sent whose answer has not been delivered yet. */
  pending: { frameId: number; dueAt: number }[];
  fpsSeen: number[];
  now: number;
  maxInFlight: number;
}

function newSim(sampler = new AdaptiveSampler()): Sim {
  return { sampler, sent: [], decisions: new Map(), pending: [], fpsSeen: [], now: 0, maxInFlight: 0 };
}

/**
 * Feeds `durationMs` of 30 fps frames to the sampler, as the content script does: answers due by a frame's time are
 * delivered first (at their own time), then the frame is offered. `latencyMs` null means the engine never answers.
 */
function run(sim: Sim, durationMs: number, latencyMs: number | null): void {
  const end = sim.now + durationMs;
  for (; sim.now < end; sim.now += FRAME_MS) {
    sim.pending.sort((a, b) => a.dueAt - b.dueAt);
    while (sim.pending.length && (sim.pending[0]?.dueAt ?? Infinity) <= sim.now) {
      const answer = sim.pending.shift();
      if (answer) sim.sampler.complete(answer.frameId, answer.dueAt);
    }
    const decision = sim.sampler.decide(sim.now);
    sim.decisions.set(decision, (sim.decisions.get(decision) ?? 0) + 1);
    if (decision === 'sample') {
      const frameId = sim.sampler.markSent(sim.now);
      sim.sent.push(sim.now);
      if (latencyMs !== null) sim.pending.push({ frameId, dueAt: sim.now + latencyMs });
      sim.maxInFlight = Math.max(sim.maxInFlight, sim.pending.length);
    }
    sim.fpsSeen.push(sim.sampler.currentFps);
  }
}

/** Samples per second over the window [from, to). */
const rateBetween = (sim: Sim, from: number, to: number): number => (sim.sent.filter((t) => t >= from && t < to).length * 1000) / (to - from);

describe('AdaptiveSampler', () => {
  it('samples a 30 fps video at about 5 frames per second from the start, every 6th frame', () => {
    const sim = newSim();
    run(sim, 10_000, 20);
    expect(sim.sent.length).toBeGreaterThanOrEqual(49);
    expect(sim.sent.length).toBeLessThanOrEqual(51);
    for (let i = 1; i < sim.sent.length; i++) {
      const gap = (sim.sent[i] ?? 0) - (sim.sent[i - 1] ?? 0);
      expect(gap).toBeCloseTo(6 * FRAME_MS, 6);
    }
    expect(sim.sampler.currentFps).toBe(5);
    expect(sim.sampler.counts.sampled).toBe(sim.sent.length);
    expect(sim.sampler.counts.droppedBusy).toBe(0);
    expect(sim.decisions.get('too-soon')).toBeGreaterThan(0);
  });

  it('never has two frames in flight, and counts the frames dropped while busy', () => {
    const sampler = new AdaptiveSampler();
    expect(sampler.decide(0)).toBe('sample');
    const id = sampler.markSent(0);
    // Long past the interval, but the first frame is still in the engine: drop, do not queue.
    expect(sampler.decide(500)).toBe('busy');
    expect(sampler.decide(1000)).toBe('busy');
    expect(sampler.counts.droppedBusy).toBe(2);
    expect(sampler.complete(id, 1100)).toBe(1100);
    expect(sampler.decide(1100)).toBe('sample');

    const sim = newSim();
    run(sim, 10_000, 300);
    expect(sim.maxInFlight).toBe(1);
    expect(sim.sampler.counts.droppedBusy).toBe(sim.decisions.get('busy'));
    expect(sim.sampler.counts.droppedBusy).toBeGreaterThan(0);
  });

  it('slows down for a slow engine (300 ms) but never below minFps', () => {
    const sim = newSim();
    run(sim, 3_000, 20);
    run(sim, 10_000, 300);
    // 300 ms may take half the interval: 600 ms, 1.67 fps.
    expect(sim.sampler.currentFps).toBeLessThan(2);
    expect(sim.sampler.currentFps).toBeGreaterThanOrEqual(DEFAULT_SAMPLER_OPTIONS.minFps);
    expect(sim.sampler.currentFps).toBeCloseTo(500 / 300, 1);
    const slowRate = rateBetween(sim, 8_000, 13_000);
    expect(slowRate).toBeGreaterThan(1.2);
    expect(slowRate).toBeLessThan(2);

    // An engine slower still (1.5 s per frame, short of the timeout) hits the floor, not zero.
    run(sim, 15_000, 1500);
    expect(sim.sampler.currentFps).toBe(DEFAULT_SAMPLER_OPTIONS.minFps);
    expect(Math.min(...sim.fpsSeen)).toBeGreaterThanOrEqual(DEFAULT_SAMPLER_OPTIONS.minFps);
    expect(sim.sampler.counts.timedOut).toBe(0);
  });

  it('climbs back to the target rate when the engine is fast again, and not beyond', () => {
    const sim = newSim();
    run(sim, 10_000, 300);
    expect(sim.sampler.currentFps).toBeLessThan(2);
    run(sim, 10_000, 15);
    expect(sim.sampler.currentFps).toBe(DEFAULT_SAMPLER_OPTIONS.targetFps);
    expect(Math.max(...sim.fpsSeen)).toBeLessThanOrEqual(DEFAULT_SAMPLER_OPTIONS.targetFps);
    const fastRate = rateBetween(sim, 16_000, 20_000);
    expect(fastRate).toBeGreaterThanOrEqual(4.5);
    expect(fastRate).toBeLessThanOrEqual(5.25);
  });

  it('climbs gradually (at most x1.25 per answer), not in one jump', () => {
    const sampler = new AdaptiveSampler();
    let t = 0;
    let id = sampler.markSent(t);
    sampler.complete(id, (t += 1000)); // one very slow answer: 0.5 fps -> floor 1 fps
    expect(sampler.currentFps).toBe(1);
    const seen: number[] = [];
    for (let i = 0; i < 20; i++) {
      id = sampler.markSent((t += 1000));
      sampler.complete(id, (t += 1));
      seen.push(sampler.currentFps);
    }
    let prev = 1;
    for (const fps of seen) {
      expect(fps).toBeLessThanOrEqual(prev * 1.25 + 1e-9);
      prev = fps;
    }
    expect(seen.at(-1)).toBe(5);
  });

  it('gives up on a frame whose answer never comes, halves the rate and resumes sampling', () => {
    const sim = newSim();
    run(sim, 1_000, 20);
    expect(sim.sampler.currentFps).toBe(5);
    run(sim, 2_500, null);
    // The first unanswered frame blocks until the in-flight timeout, then sampling resumes at half the rate.
    expect(sim.sampler.counts.timedOut).toBe(1);
    expect(sim.sampler.currentFps).toBe(2.5);

    const sampler = new AdaptiveSampler();
    const lost = sampler.markSent(0);
    expect(sampler.decide(DEFAULT_SAMPLER_OPTIONS.inFlightTimeoutMs - 1)).toBe('busy');
    expect(sampler.decide(DEFAULT_SAMPLER_OPTIONS.inFlightTimeoutMs)).toBe('sample');
    expect(sampler.counts.timedOut).toBe(1);
    expect(sampler.currentFps).toBe(2.5);
    // Its answer, arriving at last, is stale.
    expect(sampler.complete(lost, DEFAULT_SAMPLER_OPTIONS.inFlightTimeoutMs + 10)).toBeNull();
    expect(sampler.counts.completed).toBe(0);
  });

  it('does not halve below minFps on repeated timeouts', () => {
    const sampler = new AdaptiveSampler();
    let t = 0;
    for (let i = 0; i < 6; i++) {
      expect(sampler.decide(t)).toBe('sample');
      sampler.markSent(t);
      t += DEFAULT_SAMPLER_OPTIONS.inFlightTimeoutMs;
    }
    expect(sampler.decide(t)).toBe('sample');
    expect(sampler.counts.timedOut).toBe(6);
    expect(sampler.currentFps).toBe(DEFAULT_SAMPLER_OPTIONS.minFps);
  });

  it('says paused while paused, whatever else, and resumes afterwards', () => {
    const sampler = new AdaptiveSampler();
    sampler.setPaused(true);
    expect(sampler.decide(0)).toBe('paused');
    expect(sampler.decide(10_000)).toBe('paused');
    sampler.setPaused(false);
    expect(sampler.decide(10_000)).toBe('sample');
    sampler.markSent(10_000);
    sampler.setPaused(true);
    expect(sampler.decide(10_100)).toBe('paused');
    expect(sampler.counts.droppedBusy).toBe(0);
    sampler.setPaused(false);
    expect(sampler.decide(10_100)).toBe('busy');
  });

  it('frees the slot when a sent frame is cancelled, but only for that frame', () => {
    const sampler = new AdaptiveSampler();
    const id = sampler.markSent(0);
    sampler.cancel(id + 1);
    expect(sampler.decide(300)).toBe('busy');
    sampler.cancel(id);
    // Not in flight any more, and the interval since the cancelled send has passed.
    expect(sampler.decide(300)).toBe('sample');
    // The interval still counts from the cancelled send.
    const id2 = sampler.markSent(300);
    sampler.cancel(id2);
    expect(sampler.decide(350)).toBe('too-soon');
    // An answer for a cancelled frame is stale.
    expect(sampler.complete(id2, 400)).toBeNull();
    expect(sampler.counts.completed).toBe(0);
  });

  it('returns the latency for the current frame and null for a stale or unknown one', () => {
    const sampler = new AdaptiveSampler();
    const a = sampler.markSent(100);
    expect(sampler.complete(a + 7, 150)).toBeNull();
    expect(sampler.complete(a, 160)).toBe(60);
    expect(sampler.complete(a, 170)).toBeNull();
    expect(sampler.counts.completed).toBe(1);
    const b = sampler.markSent(400);
    expect(b).toBe(a + 1);
    expect(sampler.complete(a, 410)).toBeNull();
    expect(sampler.complete(b, 420)).toBe(20);
  });

  it('reports its interval from its rate', () => {
    const sampler = new AdaptiveSampler({ ...DEFAULT_SAMPLER_OPTIONS, startFps: 4 });
    expect(sampler.currentFps).toBe(4);
    expect(sampler.intervalMs).toBe(250);
  });
});

describe('sampleWidthFor', () => {
  it('gives the full width (up to 640 px) while no face is known, so small faces can be found', () => {
    expect(sampleWidthFor(1280, null)).toBe(640);
    expect(sampleWidthFor(480, null)).toBe(480);
  });

  it('narrows to just enough pixels for the face to span ~112 px, never below 320 px', () => {
    expect(sampleWidthFor(1280, 0.4)).toBe(320); // 112 / 0.4 = 280 -> floor of 320
    expect(sampleWidthFor(1280, 0.25)).toBe(448);
    expect(sampleWidthFor(1280, 0.1)).toBe(640); // a small face keeps the full detail
  });

  it('never upscales beyond the video', () => {
    expect(sampleWidthFor(300, 0.1)).toBe(300);
  });
});

describe('AdaptiveSampler on a 24 fps video', () => {
  it('keeps a fixed grid, so 5 fps means 5 samples a second, not every 5th frame (4.8)', () => {
    const sampler = new AdaptiveSampler();
    let sent = 0;
    for (let now = 0; now < 10_000; now += 1000 / 24) {
      if (sampler.decide(now) === 'sample') {
        const id = sampler.markSent(now);
        sampler.complete(id, now + 20);
        sent++;
      }
    }
    expect(sent).toBeGreaterThanOrEqual(49);
    expect(sent).toBeLessThanOrEqual(51);
  });
});
