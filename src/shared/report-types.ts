/**
 * The shape of a call report: what the user saw during a call, kept as evidence. Shared by the background (which
 * keeps the call's log), the report and Reports pages (which build, store, export and import reports), and the
 * organisation outbox (which POSTs them). Plain JSON data only.
 *
 * Versioning: `REPORT_SCHEMA_VERSION` is the version of this JSON shape (exports carry it; an import of a newer
 * version is refused with a message to update; an older one is upgraded on import and in the store, see
 * `upgradeReport` in `core/report-format`); the IndexedDB layout has its own version and migrations
 * (`core/report-store`). Version 3 added the caller verification's steps and measurements; version 2's challenge
 * list was always empty (the feature did not exist), so the upgrade changes nothing else.
 */
import type { ChallengeOutcome, RiskVerdict, ParticipantState } from './types';

export type { ChallengeOutcome };

export const REPORT_FORMAT = 'unmask-call-report';
export const REPORT_SCHEMA_VERSION = 3;

/** One point of a participant's timeline: a change of state or verdict, or a periodic sample of the score. */
export interface TimelinePoint {
  /** ms since the epoch. */
  t: number;
  state: ParticipantState;
  verdict: RiskVerdict;
  /** The fused risk score shown at that moment (null: none shown, e.g. not enough evidence). */
  score: number | null;
  /** For "insufficient" or an error state: why, in words. */
  reason: string | null;
}

export interface ReportParticipant {
  /** Unmask's id within the call (p1, p2, ...). */
  id: string;
  /** The name the meeting page showed, or a generic label. Untrusted text from the call page. */
  label: string;
  firstSeen: number;
  lastSeen: number;
  /** Verdict at the end of the log (or at report time if the call goes on). */
  finalVerdict: RiskVerdict;
  /** Highest fused score seen (null: never scored). */
  peakScore: number | null;
  /** Why Unmask said what it said: the distinct reasons and detail lines seen, in order, at most a few dozen. */
  reasons: string[];
  /** Changes plus about one sample a second, at most MAX_TIMELINE_POINTS (older samples thinned, changes kept). */
  timeline: TimelinePoint[];
}

/** A still of a participant's tile, kept only if the user ticked "include key frames". */
export interface KeyFrame {
  participantId: string;
  /** ms since the epoch. */
  t: number;
  /** The face's detector score in that frame (null: not scored). */
  score: number | null;
  /** The suspicious face's box in the image, normalised 0..1. */
  faceBox: { x: number; y: number; width: number; height: number };
  /** Everything outside the face box was blurred before saving. */
  othersBlurred: boolean;
  /** A JPEG data URL ("data:image/jpeg;base64,..."). */
  image: string;
}

/** One step of a caller verification, as measured (`core/challenge/session` StepResult, times as epoch ms). */
export interface ChallengeStepRecord {
  /** The catalogue id ("head-turn-left-first", "hand-pass", ...). */
  id: string;
  kind: 'head-turn' | 'hand-pass' | 'lean-in' | 'look-up-down';
  /** The words the user was asked to say. */
  asked: string;
  outcome: ChallengeOutcome;
  /** Whether the movement was done; null when it could not be measured or was never reached. */
  performed: boolean | null;
  /** Whether the face held up; null when there was not enough to tell. */
  heldUp: boolean | null;
  /** Which measures showed the face breaking ('tracking', 'identity', 'swap-score', 'boundary', 'texture'). */
  failedOn: string[];
  /** Named figures (degrees reached, gaps, similarities, score before/during), finite numbers only. */
  measurements: Record<string, number>;
  /** In plain words: what was measured and what decided. */
  reasons: string[];
  because: string;
  /** ms since the epoch; null for a step never reached. */
  startedAt: number | null;
  endedAt: number | null;
  /** The frames that drove the outcome: when, and why each matters. */
  keyFrames: { t: number; why: string }[];
}

/** One "Verify this caller" check of one participant. */
export interface ChallengeResult {
  participantId: string;
  /** When the check started, ms since the epoch. */
  t: number;
  endedAt: number;
  /** The steps asked, in words ("Head turn (left first), Hand pass"). */
  challenge: string;
  outcome: ChallengeOutcome;
  /** Whether a failure counted toward the participant's verdict (one resting on the unreleased detector does not). */
  counted: boolean;
  /** One sentence on the outcome. */
  detail: string;
  /** Why the check ended early, when it did. */
  reasons: string[];
  steps: ChallengeStepRecord[];
  /** The advice shown with the result. */
  advice: string[];
}

export interface CallReport {
  format: typeof REPORT_FORMAT;
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  /** A random UUID; also the idempotency key when the report is sent to an organisation endpoint. */
  id: string;
  /** ms since the epoch. */
  createdAt: number;
  call: {
    /** The meeting site's origin, e.g. "https://meet.google.com". */
    site: string;
    /** The meeting URL with query string and fragment removed (they can carry passwords and tokens). */
    meetingUrl: string;
    startedAt: number;
    /** null: the call was still going on when the report was made. */
    endedAt: number | null;
  };
  participants: ReportParticipant[];
  challenges: ChallengeResult[];
  versions: {
    extension: string;
    /** The face-swap model's name and version, and whether it was released for live verdicts. */
    model: { name: string; version: string; releasedForVerdicts: boolean };
    userAgent: string;
  };
  keyFrames: KeyFrame[];
  /** The user's own words. Untrusted text. */
  note: string;
}

/**
 * What an export carries besides the report: SHA-256 (hex) of each part's canonical JSON, and of the canonical JSON
 * of the parts object (name -> hash). Parts: "call", "participants", "challenges", "versions", "note", "meta" (format, version, id, createdAt),
 * and "keyFrames/<i>" for each key frame.
 */
export interface ReportIntegrity {
  algorithm: 'SHA-256';
  parts: Record<string, string>;
  whole: string;
}

/** The exported JSON file (and the data embedded in the exported HTML file). */
export interface ReportExport {
  format: typeof REPORT_FORMAT;
  schemaVersion: number;
  exportedAt: number;
  report: CallReport;
  integrity: ReportIntegrity;
}

/** The outcome of checking an imported export's hashes. */
export interface IntegrityCheck {
  ok: boolean;
  /** Parts whose hash does not match (or is missing, or is unexpected). */
  mismatched: string[];
  wholeMatches: boolean;
}

/** A report as the Reports page lists it (from the store). */
export interface StoredReportMeta {
  id: string;
  createdAt: number;
  site: string;
  meetingUrl: string;
  participantCount: number;
  worstVerdict: RiskVerdict;
  keyFrameCount: number;
  /** Imported from a file rather than made here; then `integrity` says whether its hashes matched. */
  imported: boolean;
  integrity: IntegrityCheck | null;
  /** Delivery to the organisation endpoint: none asked, queued, delivered (ms), or failed for good (with why). */
  delivery: { state: 'none' } | { state: 'queued'; attempts: number; nextAttemptAt: number; lastError: string | null } | { state: 'delivered'; at: number } | { state: 'rejected'; at: number; error: string };
}
