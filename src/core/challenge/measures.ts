/**
 * Pure measures over the frames of one participant during a challenge: was the step done (pose range, face size,
 * hand over the face) and did the face hold up (tracking continuity, the detector's score and the boundary/texture
 * stability against the calm baseline, identity continuity). Every figure comes from `ChallengeConfig`
 * (`./steps`); why each is what it is, is written there.
 *
 * Times are seconds on whatever clock the caller uses (the content script's sample time); nothing here reads a clock.
 */
import type { Box } from '../../shared/types';
import { DEFAULT_CHALLENGE_CONFIG, type ChallengeConfig } from './steps';

/** The participant's tracked face in one analysed frame. */
export interface ChallengeFace {
  /** Normalised to the frame (0..1). `box.width` is the face's width as a fraction of the frame's. */
  box: Box;
  /** Degrees, signs as in `HeadPose`: yaw positive when the face turns to the image's left (the person's right). */
  yawDeg: number;
  pitchDeg: number;
  rollDeg: number;
  /** Larger side of the face box in source-video pixels. */
  faceSizePx: number;
  /** Mean luma of the face, 0..255. */
  brightness: number;
  /** The face-swap detector's probability; null when it did not run. */
  swapScore: number | null;
  /** Steadiness of the face's blend boundary and of its skin texture from frame to frame, 0..1 (1 = steady); null
   * when not measured. */
  boundaryStability: number | null;
  textureStability: number | null;
  /** Face-recognition embedding (any length, compared by cosine); null when the recogniser did not run. */
  embedding: Float32Array | null;
}

/** One analysed frame of the participant's video. */
export interface ChallengeSample {
  /** Seconds. */
  t: number;
  frameId: number;
  /** Faces the landmarker found in the tile (the check needs exactly one). */
  faceCount: number;
  /** The tracked face; null when no face was found. */
  face: ChallengeFace | null;
  /** Hand boxes in the frame (normalised); null when the hand model is not loaded or did not run on this frame. */
  hands: readonly Box[] | null;
  /** Mean luma of the whole frame (0..255), measured on frames without a face; null or absent when not measured. */
  frameBrightness?: number | null;
}

/** A frame that drove a measure. */
export interface FrameRef {
  t: number;
  frameId: number;
}

const ref = (s: ChallengeSample): FrameRef => ({ t: s.t, frameId: s.frameId });

/** Why a face frame is not a fair basis for judging, or null when it is. */
export function unusableReason(face: ChallengeFace | null, config: ChallengeConfig = DEFAULT_CHALLENGE_CONFIG): 'no face' | 'too dark' | 'too small' | null {
  if (!face) return 'no face';
  if (!(face.brightness >= config.quality.minBrightness)) return 'too dark';
  if (!(face.faceSizePx >= config.quality.minFaceSizePx)) return 'too small';
  return null;
}

/** Whether a sample's numbers are all finite and in range (a sample that is not is dropped by the session). */
export function isValidSample(s: ChallengeSample): boolean {
  if (!Number.isFinite(s.t) || !Number.isFinite(s.frameId) || !(s.faceCount >= 0)) return false;
  if (s.hands && !s.hands.every(validBox)) return false;
  if (s.frameBrightness !== undefined && s.frameBrightness !== null && !(s.frameBrightness >= 0 && s.frameBrightness <= 255)) return false;
  const f = s.face;
  if (!f) return true;
  const finite = [f.yawDeg, f.pitchDeg, f.rollDeg, f.faceSizePx, f.brightness].every(Number.isFinite);
  const unit = (x: number | null): boolean => x === null || (Number.isFinite(x) && x >= 0 && x <= 1);
  return finite && validBox(f.box) && unit(f.swapScore) && unit(f.boundaryStability) && unit(f.textureStability);
}

function validBox(b: Box): boolean {
  return [b.x, b.y, b.width, b.height].every(Number.isFinite) && b.width >= 0 && b.height >= 0;
}

// ---- Was the step performed? ----

export interface Peak extends FrameRef {
  deg: number;
}

/**
 * How far the head turned (axis 'yaw') or nodded ('pitch') each way: the largest angle held on two consecutive face
 * frames (the smaller of the pair), so one frame of landmark jitter cannot complete a step. `positive` is yaw to
 * the person's right / pitch up; `negative` is yaw to the person's left / pitch down, as a positive number of degrees.
 * A side never reached reads 0 with the frame null.
 */
export function poseReach(samples: readonly ChallengeSample[], axis: 'yaw' | 'pitch'): { positive: Peak | null; negative: Peak | null } {
  let positive: Peak | null = null;
  let negative: Peak | null = null;
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1];
    const b = samples[i];
    if (!a?.face || !b?.face) continue;
    const va = axis === 'yaw' ? a.face.yawDeg : a.face.pitchDeg;
    const vb = axis === 'yaw' ? b.face.yawDeg : b.face.pitchDeg;
    const up = Math.min(va, vb);
    const down = Math.min(-va, -vb);
    // The frame credited is the pair's weaker one: the angle that was actually held.
    if (up > 0 && up > (positive?.deg ?? 0)) positive = { deg: up, ...ref(va <= vb ? a : b) };
    if (down > 0 && down > (negative?.deg ?? 0)) negative = { deg: down, ...ref(-va <= -vb ? a : b) };
  }
  return { positive, negative };
}

/** Degrees of yaw towards the person's left (negative yaw) and right (positive yaw). */
export function yawReach(samples: readonly ChallengeSample[]): { left: Peak | null; right: Peak | null } {
  const r = poseReach(samples, 'yaw');
  return { left: r.negative, right: r.positive };
}

/** Degrees of pitch up and down. */
export function pitchReach(samples: readonly ChallengeSample[]): { up: Peak | null; down: Peak | null } {
  const r = poseReach(samples, 'pitch');
  return { up: r.positive, down: r.negative };
}

/** Median of a list; null for an empty one. */
export function medianOf(values: readonly number[]): number | null {
  return quantile(values, 0.5);
}

/** Linear-interpolated quantile (q in 0..1); null for an empty list. */
export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.min(1, Math.max(0, q)) * (s.length - 1);
  const lo = s[Math.floor(rank)] ?? 0;
  const hi = s[Math.ceil(rank)] ?? lo;
  return lo + (hi - lo) * (rank - Math.floor(rank));
}

export interface LeanMeasure {
  /** Face width (fraction of the frame) the step started from. */
  referenceWidth: number;
  /** Largest width held on two consecutive face frames, over the reference. */
  peakRatio: number;
  peak: FrameRef | null;
  /** Whether, after the peak, the face came back to within `leanBackRatio` (two consecutive frames). */
  returned: boolean;
}

/**
 * Leaning in and back, from the face's width in the frame (not its size in pixels, which a resolution change of the
 * call would move). `referenceWidth` is the calm width before the step; null when not known.
 */
export function leanMeasure(samples: readonly ChallengeSample[], referenceWidth: number | null, config: ChallengeConfig = DEFAULT_CHALLENGE_CONFIG): LeanMeasure | null {
  const widths = samples.filter((s) => s.face).map((s) => ({ s, w: s.face?.box.width ?? 0 }));
  const reference = referenceWidth ?? medianOf(widths.slice(0, 3).map((x) => x.w));
  if (reference === null || !(reference > 0)) return null;
  let peakRatio = 0;
  let peakIndex = -1;
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]?.face;
    const b = samples[i]?.face;
    if (!a || !b) continue;
    const held = Math.min(a.box.width, b.box.width) / reference;
    if (held > peakRatio) {
      peakRatio = held;
      peakIndex = a.box.width <= b.box.width ? i - 1 : i;
    }
  }
  let returned = false;
  for (let i = Math.max(1, peakIndex + 1); peakIndex >= 0 && i < samples.length; i++) {
    const a = samples[i - 1]?.face;
    const b = samples[i]?.face;
    if (a && b && Math.max(a.box.width, b.box.width) / reference <= config.steps.leanBackRatio) returned = true;
  }
  const peakSample = samples[peakIndex];
  return { referenceWidth: reference, peakRatio, peak: peakSample ? ref(peakSample) : null, returned };
}

/** Fraction of `face` covered by the union of `hands`, on a 20x20 grid over the face box (exact enough, and overlap-safe). */
export function coverage(face: Box, hands: readonly Box[]): number {
  if (!(face.width > 0 && face.height > 0) || hands.length === 0) return 0;
  const n = 20;
  let covered = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const x = face.x + ((i + 0.5) / n) * face.width;
      const y = face.y + ((j + 0.5) / n) * face.height;
      if (hands.some((h) => x >= h.x && x <= h.x + h.width && y >= h.y && y <= h.y + h.height)) covered++;
    }
  }
  return covered / (n * n);
}

export interface HandMeasure {
  /** Whether the hand model ran on any frame of the step; without it the step cannot be measured. */
  modelLoaded: boolean;
  peakCoverage: number;
  peak: FrameRef | null;
  /** Frames on which hands covered at least `handCoverage` of the face. */
  coveredFrames: number;
  /**
   * The longest run of consecutive frames with a hand result on which hands covered at least `handCoverage`: how long
   * a hand was held over the face. A real hand passing slowly stays over the face for a second or more (two or more
   * frames at the check's 2-5 fps); a swap that paints the face over the hands lets the hand model catch a hand only
   * in flashes, one frame at a time, between frames where the face is drawn over it.
   */
  heldFrames: number;
  /** Per frame (same order as the samples): coverage of the face box, or of the last known one while the face is
   * hidden (a hand over a real face often hides it from the landmarker too); null without a box or a hand result. */
  perFrame: (number | null)[];
}

export function handMeasure(samples: readonly ChallengeSample[], lastKnownBox: Box | null = null, config: ChallengeConfig = DEFAULT_CHALLENGE_CONFIG): HandMeasure {
  let box = lastKnownBox;
  let modelLoaded = false;
  let peakCoverage = 0;
  let peak: FrameRef | null = null;
  let coveredFrames = 0;
  let heldFrames = 0;
  let run = 0;
  const perFrame: (number | null)[] = [];
  for (const s of samples) {
    if (s.face) box = s.face.box;
    if (s.hands) modelLoaded = true;
    if (!s.hands || !box) {
      // A frame without a hand result says nothing either way: it neither extends nor breaks a run.
      perFrame.push(null);
      continue;
    }
    const c = coverage(box, s.hands);
    perFrame.push(c);
    if (c >= config.steps.handCoverage) {
      coveredFrames++;
      heldFrames = Math.max(heldFrames, ++run);
    } else {
      run = 0;
    }
    if (c > peakCoverage) {
      peakCoverage = c;
      peak = ref(s);
    }
  }
  return { modelLoaded, peakCoverage, peak, coveredFrames, heldFrames, perFrame };
}

// ---- Did the face hold up? ----

export interface TrackingGap {
  /** The last frame with the face before it was lost, and the first with it again. */
  lastSeen: FrameRef;
  regained: FrameRef;
  seconds: number;
  /** Pose when last seen. */
  yawDeg: number;
  pitchDeg: number;
  /** Yaw when found again. */
  regainedYawDeg: number;
  /** Why losing the face there is expected of a real face too; null when nothing explains it. */
  explained: string | null;
}

export interface TrackingMeasure {
  gaps: TrackingGap[];
  /** Gaps nothing explains: the face lost while the head was, by every sign we have, still in view. */
  unexplained: TrackingGap[];
  /** A loss still open at the end (never regained): cannot say whether the head was in view. */
  openSince: FrameRef | null;
}

/**
 * Tracking continuity: each run of frames without the face, between two frames with it, lasting at least
 * `minGapSeconds` from last sighting to regain. We have no head detector, so "the head was still in view" is read
 * from what surrounds the gap: the face was regained close to where it was lost, neither box touched the frame's
 * edge, the pose when last seen was within what our tracker follows on a real face, no hand covered it, the frame
 * was lit (the face before and after, and the picture while it was lost) and the face was not too close. A gap that
 * fails any of these is kept, with the explanation, but does not count against the face.
 */
export function trackingMeasure(samples: readonly ChallengeSample[], config: ChallengeConfig = DEFAULT_CHALLENGE_CONFIG): TrackingMeasure {
  const c = config.tracking;
  const gaps: TrackingGap[] = [];
  let last: ChallengeSample | null = null;
  let lostFrames: ChallengeSample[] = [];
  for (const s of samples) {
    if (!s.face) {
      if (last) lostFrames.push(s);
      continue;
    }
    if (last?.face && lostFrames.length > 0 && s.t - last.t >= c.minGapSeconds) {
      gaps.push({
        lastSeen: ref(last),
        regained: ref(s),
        seconds: s.t - last.t,
        yawDeg: last.face.yawDeg,
        pitchDeg: last.face.pitchDeg,
        regainedYawDeg: s.face.yawDeg,
        explained: explainGap(last, s, lostFrames, config),
      });
    }
    last = s;
    lostFrames = [];
  }
  const openSince = last && lostFrames.length > 0 && (lostFrames.at(-1)?.t ?? last.t) - last.t >= c.minGapSeconds ? ref(last) : null;
  return { gaps, unexplained: gaps.filter((g) => g.explained === null), openSince };
}

function explainGap(last: ChallengeSample, regained: ChallengeSample, lost: readonly ChallengeSample[], config: ChallengeConfig): string | null {
  const c = config.tracking;
  const before = last.face;
  const after = regained.face;
  if (!before || !after) return null;
  // A hand over the last known face box, on the last frame with the face or while it was lost.
  if ([last, ...lost].some((s) => s.hands && coverage(before.box, s.hands) >= c.handExplainsCoverage)) return 'a hand covered the face';
  if (before.brightness < config.quality.minBrightness || after.brightness < config.quality.minBrightness) return 'too dark';
  // The picture itself went dark while the face was lost (a black frame, the camera covered or switched off for a
  // moment): nothing to see, not a face that failed. Measured on the lost frames by the engine.
  if (lost.some((s) => typeof s.frameBrightness === 'number' && s.frameBrightness < config.quality.minBrightness)) return 'the picture went dark';
  const nearEdge = (b: Box): boolean => b.x <= c.edgeMargin || b.y <= c.edgeMargin || b.x + b.width >= 1 - c.edgeMargin || b.y + b.height >= 1 - c.edgeMargin;
  if (nearEdge(before.box) || nearEdge(after.box)) return 'the face was at the edge of the picture';
  const shift = Math.hypot(before.box.x + before.box.width / 2 - (after.box.x + after.box.width / 2), before.box.y + before.box.height / 2 - (after.box.y + after.box.height / 2));
  if (shift > c.maxRegainShift) return 'the face came back elsewhere in the picture';
  // Either end: at a few frames a second the head may turn well past the last sighting before the tracker loses it.
  const turned = Math.max(Math.abs(before.yawDeg), Math.abs(after.yawDeg));
  if (turned >= c.trackableYawDeg) return `turned ${Math.round(turned)}°, past what the tracker follows`;
  if (Math.abs(before.pitchDeg) >= c.trackablePitchDeg) return `tilted ${Math.round(Math.abs(before.pitchDeg))}°, past what the tracker follows`;
  if (before.box.width >= c.tooCloseWidth) return 'too close to the camera';
  return null;
}

export interface Deviation {
  baselineMedian: number;
  /** The step's summary value: its worst run (the worst median of `windowFrames` consecutive values). */
  during: number;
  /** 1.4826 x MAD of the baseline, floored at `minSpread`. */
  spread: number;
  /** Robust z towards the bad side (positive = worse than the baseline). */
  z: number;
  /** Change towards the bad side, in the measure's own units. */
  change: number;
  /** Whether both z and the change pass their thresholds. */
  broken: boolean;
  /** The worst frame of the step. */
  worst: FrameRef | null;
}

/**
 * How far a per-frame number moved during the step from the same participant's calm baseline, robustly: median and
 * MAD of the baseline (a few odd baseline frames do not move them), the step summarised by its worst run of
 * `windowFrames` consecutive values (their median, towards the bad side). `direction` 'rise' for a swap score (higher is worse), 'drop' for a stability (lower is worse).
 * Null when either side has too few values to say.
 */
export function robustDeviation(
  baseline: readonly number[],
  during: readonly { value: number; frame: FrameRef }[],
  direction: 'rise' | 'drop',
  minChange: number,
  config: ChallengeConfig = DEFAULT_CHALLENGE_CONFIG,
): Deviation | null {
  const d = config.deviation;
  if (baseline.length < d.minBaseline || during.length < Math.max(d.minDuring, 1)) return null;
  const sign = direction === 'rise' ? 1 : -1;
  const base = medianOf(baseline) ?? 0;
  const mad = medianOf(baseline.map((v) => Math.abs(v - base))) ?? 0;
  const spread = Math.max(d.minSpread, 1.4826 * mad);
  const bad = during.map((x) => sign * x.value);
  const k = Math.max(1, Math.min(bad.length, d.windowFrames));
  let summary = -Infinity;
  for (let i = 0; i + k <= bad.length; i++) summary = Math.max(summary, medianOf(bad.slice(i, i + k)) ?? -Infinity);
  const change = summary - sign * base;
  const z = change / spread;
  let worst: FrameRef | null = null;
  let worstValue = -Infinity;
  for (const x of during) {
    if (sign * x.value > worstValue) {
      worstValue = sign * x.value;
      worst = x.frame;
    }
  }
  return { baselineMedian: base, during: sign * summary, spread, z, change, broken: z >= d.minZ && change >= minChange, worst };
}

type NumberField = 'swapScore' | 'boundaryStability' | 'textureStability';

/** The usable frames' values of one per-frame number. */
export function valuesOf(samples: readonly ChallengeSample[], field: NumberField, config: ChallengeConfig = DEFAULT_CHALLENGE_CONFIG): { value: number; frame: FrameRef }[] {
  const out: { value: number; frame: FrameRef }[] = [];
  for (const s of samples) {
    const v = s.face?.[field];
    if (s.faceCount === 1 && unusableReason(s.face, config) === null && v !== null && v !== undefined && Number.isFinite(v)) out.push({ value: v, frame: ref(s) });
  }
  return out;
}

/** The detector's score during the step against the calm baseline (a rise is bad). */
export function scoreDeviation(baseline: readonly ChallengeSample[], during: readonly ChallengeSample[], config: ChallengeConfig = DEFAULT_CHALLENGE_CONFIG): Deviation | null {
  const base = valuesOf(baseline, 'swapScore', config).map((x) => x.value);
  return robustDeviation(base, valuesOf(during, 'swapScore', config), 'rise', config.deviation.minScoreRise, config);
}

/** A stability number during the step against the calm baseline (a drop is bad). */
export function stabilityDeviation(field: 'boundaryStability' | 'textureStability', baseline: readonly ChallengeSample[], during: readonly ChallengeSample[], config: ChallengeConfig = DEFAULT_CHALLENGE_CONFIG): Deviation | null {
  const base = valuesOf(baseline, field, config).map((x) => x.value);
  return robustDeviation(base, valuesOf(during, field, config), 'drop', config.deviation.minStabilityDrop, config);
}

/** Cosine similarity; null for vectors of different lengths, empty, zero or non-finite ones. */
export function cosine(a: Float32Array, b: Float32Array): number | null {
  if (a.length !== b.length || a.length === 0) return null;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  const s = dot / Math.sqrt(na * nb);
  return Number.isFinite(s) ? Math.max(-1, Math.min(1, s)) : null;
}

export interface IdentityMeasure {
  referenceFrames: number;
  compared: number;
  minSimilarity: number;
  medianSimilarity: number;
  /** Frames whose face looked like someone else (below `minSimilarity`), in order. */
  low: (FrameRef & { similarity: number })[];
  broken: boolean;
}

/** How many of `samples` could serve as identity reference frames (one face, usable, near-frontal, described). */
export function identityReferenceCount(samples: readonly ChallengeSample[], config: ChallengeConfig = DEFAULT_CHALLENGE_CONFIG): number {
  return samples.filter((s) => frontalEmbedding(s, config) !== null).length;
}

function frontalEmbedding(s: ChallengeSample, config: ChallengeConfig): Float32Array | null {
  const f = s.face;
  if (!f?.embedding || s.faceCount !== 1 || unusableReason(f, config) !== null) return null;
  if (Math.abs(f.yawDeg) > config.identity.frontalYawDeg || Math.abs(f.pitchDeg) > config.identity.frontalPitchDeg) return null;
  if (s.hands && coverage(f.box, s.hands) > config.identity.maxHandCoverage) return null;
  return f.embedding;
}

/**
 * Identity continuity: the face in the step's near-frontal frames (during and after the movement) against the calm
 * reference before the challenge, by cosine similarity of face-recognition embeddings. The reference is the mean of
 * the unit-normalised reference embeddings. A swap that drops for a moment shows the person underneath, another
 * identity: its frames fall below `minSimilarity`. Null without enough reference frames or nothing to compare.
 * (A swap that holds keeps its target's identity throughout: this measure catches drops, not swaps as such.)
 */
export function identityMeasure(reference: readonly ChallengeSample[], compare: readonly ChallengeSample[], config: ChallengeConfig = DEFAULT_CHALLENGE_CONFIG): IdentityMeasure | null {
  const refs = reference.map((s) => frontalEmbedding(s, config)).filter((e): e is Float32Array => e !== null);
  const dim = refs[0]?.length ?? 0;
  const same = refs.filter((e) => e.length === dim);
  if (same.length < config.identity.minReferenceFrames || dim === 0) return null;
  const mean = new Float32Array(dim);
  for (const e of same) {
    let norm = 0;
    for (const v of e) norm += v * v;
    norm = Math.sqrt(norm);
    if (!(norm > 0)) continue;
    for (let i = 0; i < dim; i++) mean[i] = (mean[i] ?? 0) + (e[i] ?? 0) / norm;
  }
  const sims: (FrameRef & { similarity: number })[] = [];
  for (const s of compare) {
    const e = frontalEmbedding(s, config);
    const sim = e ? cosine(mean, e) : null;
    if (sim !== null) sims.push({ ...ref(s), similarity: sim });
  }
  if (sims.length === 0) return null;
  const values = sims.map((x) => x.similarity);
  const low = sims.filter((x) => x.similarity < config.identity.minSimilarity);
  return {
    referenceFrames: same.length,
    compared: sims.length,
    minSimilarity: Math.min(...values),
    medianSimilarity: medianOf(values) ?? 0,
    low,
    broken: low.length >= config.identity.minLowFrames,
  };
}
