/**
 * Data shapes shared by every execution context (content script, engine worker, background, popup).
 * Plain data only: everything here must survive structured clone and, for what crosses `runtime.sendMessage`, JSON.
 */

/** Axis-aligned box in normalised frame coordinates (0..1 of the frame's width and height). */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Point2 {
  x: number;
  y: number;
}

/** Head orientation in degrees, from the face landmarker's facial transformation matrix. */
export interface HeadPose {
  /** Positive when the face turns to the image's left (the person's right). */
  yawDeg: number;
  /** Positive when the face tilts up. */
  pitchDeg: number;
  /** Positive when the head rolls clockwise in the image. */
  rollDeg: number;
}

/** Image-quality measures of the face region, which later evidence needs to decide whether a frame can be trusted. */
export interface FaceQuality {
  /** Larger side of the face box, in pixels of the source video (not of the downscaled sample). */
  faceSizePx: number;
  /** Variance of the Laplacian of the face's luma, on a fixed-size crop; low means blurred. */
  sharpness: number;
  /** Mean luma of the face crop, 0..255. */
  brightness: number;
}

/** One tracked face in one frame. */
export interface FaceObservation {
  /** Stable for as long as the face stays in its tile (matched frame to frame by overlap). */
  trackId: number;
  box: Box;
  /** Number of landmarks the model produced (478 with iris points). */
  landmarkCount: number;
  /** x, y, z per landmark, x and y normalised to the frame; transferred as a buffer, never as JSON. */
  landmarks: Float32Array;
  pose: HeadPose;
  quality: FaceQuality;
  /** The face-swap detector's probability for this face in this frame; null when it did not run (no model). */
  swapScore: number | null;
  /**
   * Unit-length face-recognition descriptor (core/face-identity.ts), only on frames asked for it (a caller check is
   * running) and only for near-frontal faces; transferred as a buffer, like the landmarks.
   */
  embedding?: Float32Array;
}

/** The engine's answer for one sampled frame of one participant. */
export interface FrameResult {
  participantId: string;
  frameId: number;
  /** Content-script clock (performance.now of the page) when the frame was sampled. */
  sampledAt: number;
  /** Worker time spent on this frame: landmarks plus quality. */
  engineMs: number;
  /** Of which the FaceLandmarker call alone (detection or tracking, and the 478-point mesh). */
  landmarkMs: number;
  /** Of which the face-swap detector (alignment, crop and model) for all faces of the frame. */
  detectorMs: number;
  /** Size of the bitmap the engine saw. */
  frameWidth: number;
  frameHeight: number;
  faces: FaceObservation[];
  /** Hands in the frame (normalised boxes); present only on frames that asked for them, once the hand model is loaded. */
  hands?: Box[];
  /**
   * Mean luma of the whole frame, 0..255, on frames of a running caller check where no face was found: a picture gone
   * dark (camera covered, switched off, a black frame) explains a lost face, which a check must not count against it.
   */
  frameBrightness?: number;
  /** End-to-end builds only (the soak reads it): the engine worker's memory. */
  engineMemory?: EngineMemory;
}

/** Where the engine worker's memory sits, in MB: the two wasm heaps (they only ever grow) and TF.js's tensors. */
export interface EngineMemory {
  mediapipeWasmMb: number | null;
  tfWasmMb: number | null;
  tfTensorMb: number;
  tfTensors: number;
}

/** What the user is told about a participant. Deliberately no risk score until a face-swap model exists. */
export type ParticipantState =
  | 'starting' // discovered, engine not ready yet
  | 'analysing' // frames are being analysed, no conclusion yet
  | 'no-face' // recent frames held no face
  | 'face-tracked' // a face is tracked; quality says how usable it is
  | 'paused' // video paused or tab hidden
  | 'engine-error'; // the engine failed; see the message

export type QualityGrade = 'good' | 'fair' | 'poor';

/** A JSON-safe summary of one face, for the popup, the toolbar and tests. */
export interface FaceSummary {
  trackId: number;
  box: Box;
  landmarkCount: number;
  /** Bounds of all landmarks, normalised to the frame. */
  landmarkBounds: Box;
  /** A few named points, normalised to the frame: enough to check that landmarks sit on the face. */
  keyPoints: { noseTip: Point2; leftEye: Point2; rightEye: Point2; mouth: Point2 };
  pose: HeadPose;
  quality: FaceQuality;
  grade: QualityGrade;
  /** Reasons the grade is not 'good' (e.g. "face is small (54 px)"). */
  gradeReasons: string[];
  /** The detector's probability for this face in the latest frame (null: it did not run). */
  swapScore: number | null;
}

export type RiskVerdict = 'insufficient' | 'genuine' | 'suspicious' | 'deepfake';

/** The participant's face-swap risk over time (the riskiest of its faces), from `core/risk-fusion`. */
export interface RiskSummary {
  verdict: RiskVerdict;
  /** Smoothed probability that the face is swapped, 0..1; null without usable evidence. */
  score: number | null;
  /** When the verdict began (ms since the epoch). */
  since: number;
  /** For "insufficient": why, in words. */
  reason: string | null;
}

export interface ParticipantSummary {
  id: string;
  label: string;
  state: ParticipantState;
  /** Human-readable line explaining the state. */
  detail: string;
  faces: FaceSummary[];
  risk: RiskSummary;
  /** False while the engine's model is not released for live verdicts: then `risk` says so and shows no score. */
  verdictsAvailable: boolean;
  /** Frames analysed per second over the last few seconds. */
  analysedFps: number;
  /** Median engine milliseconds per frame over the last few seconds. */
  engineMsMedian: number | null;
  /** Median sample-to-result latency over the last few seconds. */
  latencyMsMedian: number | null;
  framesAnalysed: number;
  since: number;
  /** "Verify this caller": the check running now, or the one that just ended (kept until the next starts); null: none. */
  challenge: ChallengeLive | null;
  /**
   * The latest check's result beside the verdict (`core/challenge/verdict`): `raised` when a failed check raised the
   * verdict to "suspicious" (shown even while the detector's own verdicts are not released); null: no check yet.
   */
  verification: { outcome: ChallengeOutcome; line: string; raised: boolean } | null;
}

/** How a "Verify this caller" check ended. */
export type ChallengeOutcome = 'passed' | 'failed' | 'not-performed' | 'inconclusive';

/** A running "Verify this caller" check, as the side panel shows it. */
export interface ChallengeLive {
  phase: 'instructing' | 'measuring' | 'evaluating' | 'done';
  /** 0-based; equals stepCount when done. */
  stepIndex: number;
  stepCount: number;
  /** The exact words the user says to the caller, and what Unmask waits for. */
  say: string | null;
  instruction: string | null;
  /** The live line: what is still missing ("turn further: 35° of 60°"), problems, seconds left. */
  feedback: string;
  secondsLeft: number | null;
  /** Before the first step: what the check still waits for ("learning the caller's face"); "Start" waits meanwhile. */
  preparing: string | null;
  /** When done: */
  outcome: ChallengeOutcome | null;
  summary: string | null;
  reasons: string[];
  advice: string[];
}

export type EngineStatus =
  | { kind: 'idle' }
  | { kind: 'loading' }
  | {
      kind: 'ready';
      loadMs: number;
      backend: string;
      /** The detector's backend; null: the face-swap model could not load (tracking only). */
      detector: string | null;
      /** Whether the shipped model is released for verdicts in live calls (models/face-swap/release.json). */
      verdicts: boolean;
    }
  | { kind: 'crashed'; message: string; restarts: number }
  | { kind: 'failed'; message: string };

export interface TabState {
  tabId: number;
  url: string;
  enabled: boolean;
  engine: EngineStatus;
  participants: ParticipantSummary[];
  updatedAt: number;
}

/** How readily Unmask warns: shifts the risk thresholds (core/sensitivity); "standard" is what the figures measure. */
export type Sensitivity = 'low' | 'standard' | 'high';

/** One official place to report a fraud, for one country. */
export interface FraudChannel {
  /** ISO 3166-1 alpha-2, upper case ("GB", "US"). */
  country: string;
  name: string;
  /** https URL of the reporting page. */
  url: string;
  /** What it is for, in a few words. */
  note: string;
}

export interface Settings {
  /** Sites (origins like "https://example.com") the user turned analysis on for, beyond the built-in meeting sites. */
  extraSites: string[];
  /** Built-in meeting sites' hostnames the user turned off. */
  disabledSites: string[];
  showOverlay: boolean;
  sensitivity: Sensitivity;
  /** A system notification when a participant turns "likely deepfake" (or "suspicious" at high sensitivity). */
  notifications: boolean;
  /** HTTPS URL of the organisation's report endpoint; '' for none. */
  reportEndpoint: string;
  /** Queue every saved report for the endpoint without asking (policy or user). */
  autoSendReports: boolean;
  /** Reports older than this many days are deleted; 0 keeps them until the user deletes them. */
  retentionDays: number;
  /** Country whose fraud-reporting channels are shown (ISO alpha-2); '' means from the browser's language. */
  country: string;
  /** The user's edited table of fraud-reporting channels; null means the built-in table. */
  fraudChannels: FraudChannel[] | null;
}

export const DEFAULT_SETTINGS: Settings = {
  extraSites: [],
  disabledSites: [],
  showOverlay: true,
  sensitivity: 'standard',
  notifications: true,
  reportEndpoint: '',
  autoSendReports: false,
  retentionDays: 90,
  country: '',
  fraudChannels: null,
};
