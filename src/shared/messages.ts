/**
 * The one message contract between Unmask's contexts.
 *
 * Two channels:
 * - `runtime` messages (JSON only): content script <-> background, popup <-> background, engine page -> background.
 *   Small summaries only; a frame never travels here (an ImageBitmap would arrive as `{}`).
 * - the engine `MessagePort` (structured clone with transfer): content script <-> engine page <-> engine worker.
 *   Frames travel here as transferred ImageBitmaps, results come back with landmark buffers transferred.
 *
 * Every receiver validates with the `is*` guards below before acting, and checks who sent the message. The engine
 * channel's part lives in `./engine-channel` (re-exported here), so the engine's contexts load only that part.
 */
import { STEP_IDS, type StepId } from '../core/challenge/steps';
import { challengeRecordProblem } from '../core/report-format';
import type { CallReport, ChallengeResult, KeyFrame } from './report-types';
import type { EngineStatus, ParticipantSummary, Settings, TabState } from './types';
import { isEngineStatus } from './engine-channel';

export * from './engine-channel';
import {
  isArrayOf,
  isBoolean,
  isBoundedString,
  isFiniteNumber,
  isNonNegativeInt,
  isOneOf,
  isRecord,
  isString,
  type Guard,
} from './guards';

const MAX_ID = 64;
const isId = isBoundedString(MAX_ID);

// ---------------------------------------------------------------------------------------------------------------
// runtime messages to the background service worker

export interface BackgroundRequests {
  /** Content script: the participants of its tab changed. */
  'tab/participants': { request: { engine: EngineStatus; participants: ParticipantSummary[] }; response: { ok: true } };
  /** Content script: a "Verify this caller" check ended; its record goes into the call's log (and report). */
  'tab/challenge-result': { request: { challenge: ChallengeResult }; response: { ok: true } };
  /** Side panel: start a check of a participant, start its current step, or cancel it. */
  'panel/challenge': {
    request: { tabId: number; participantId: string; action: ChallengeAction; steps?: StepId[] };
    response: { ok: boolean; error?: string };
  };
  /** Side panel: what it shows for one tab (the popup's state, without the switches). */
  'panel/get-state': { request: { tabId: number }; response: { state: TabState | null } };
  /** Content script: a one-time token that lets the engine page it is about to embed accept its port. */
  'engine/issue-token': { request: { _?: never }; response: { token: string } };
  /** Engine page: is this token one that the content script of my tab was issued? (consumes it) */
  'engine/redeem-token': { request: { token: string }; response: { ok: boolean } };
  /** Engine page: make sure the shared engine (offscreen document) exists. */
  'engine/ensure-offscreen': { request: { _?: never }; response: { ok: boolean; error?: string } };
  /** Popup: everything it shows for one tab. */
  'popup/get-state': {
    request: { tabId: number };
    /** `managed`: settings the organisation's policy sets; the popup shows them locked. */
    response: { state: TabState | null; settings: Settings; managed: (keyof Settings)[]; site: SiteAccess };
  };
  /** Popup: turn analysis on or off for one tab (until it navigates). */
  'popup/set-tab-enabled': { request: { tabId: number; enabled: boolean }; response: { ok: true } };
  /** Popup: analyse the current tab now, on a site Unmask does not know (uses activeTab). */
  'popup/analyze-tab': { request: { tabId: number }; response: { ok: boolean; error?: string } };
  /** Popup: turn analysis on or off for a whole site (the popup has already asked for the host permission). */
  'popup/set-site-enabled': {
    request: { tabId: number; origin: string; enabled: boolean };
    response: { ok: boolean; error?: string };
  };
  /** Popup: show or hide the in-page overlays everywhere. */
  'popup/set-overlay': { request: { show: boolean }; response: { ok: boolean; error?: string } };
  /**
   * Report page: a draft report of a tab's call (or of a recent call by id), and the stills the tab's content script
   * kept. Nothing is stored until the user saves; the page stores it itself (IndexedDB of the extension).
   */
  'report/draft': {
    request: { tabId?: number; callId?: string };
    response: { ok: true; report: CallReport; stills: Omit<KeyFrame, 'othersBlurred'>[]; ongoing: boolean } | { ok: false; error: string };
  };
  /** Report or Reports page: the calls that can be reported (going on, or ended in the last day). */
  'report/calls': { request: { _?: never }; response: { calls: CallSummary[] } };
  /** Report or Reports page: a report was saved; the background queues it for the organisation if settings say so. */
  'report/saved': { request: { reportId: string }; response: { queued: boolean } };
  /** Report or Reports page: send this saved report to the organisation endpoint (queued, retried, sent once). */
  'report/send': { request: { reportId: string }; response: { ok: boolean; error?: string } };
}

/** A call that can be reported, as the Reports page lists it. */
export interface CallSummary {
  callId: string;
  tabId: number | null;
  site: string;
  startedAt: number;
  lastActiveAt: number;
  participantCount: number;
  ongoing: boolean;
}

export type BackgroundMessageType = keyof BackgroundRequests;
export type BackgroundRequest<K extends BackgroundMessageType = BackgroundMessageType> = {
  [T in K]: { type: T } & BackgroundRequests[T]['request'];
}[K];
export type BackgroundResponse<K extends BackgroundMessageType> = BackgroundRequests[K]['response'];

/** How the current tab's site relates to Unmask, for the popup's switches. */
export interface SiteAccess {
  origin: string | null;
  /** A built-in meeting site (content script declared in the manifest). */
  builtIn: boolean;
  /** The user turned it on (extra site) or kept it on (built-in). */
  enabled: boolean;
}

// ---------------------------------------------------------------------------------------------------------------
// runtime messages from the background to a tab's content script

export type ChallengeAction = 'start' | 'begin-step' | 'cancel';
export const CHALLENGE_ACTIONS: readonly ChallengeAction[] = ['start', 'begin-step', 'cancel'];

export type ContentCommand =
  | { type: 'content/set-enabled'; enabled: boolean }
  /** The side panel's check of a participant (answered with ChallengeReply). `steps` is honoured by test builds only. */
  | { type: 'content/challenge'; participantId: string; action: ChallengeAction; steps: StepId[] | null }
  | { type: 'content/set-overlay'; show: boolean }
  /** For a report the user is preparing: the stills kept of each participant (answered with KeyFramesReply). */
  | { type: 'content/key-frames' };

export type ChallengeReply = { ok: true } | { ok: false; error: string };

export const isChallengeReply: Guard<ChallengeReply> = (v): v is ChallengeReply =>
  isRecord(v) && (v.ok === true || (v.ok === false && isBoundedString(300)(v.error)));

export interface KeyFramesReply {
  frames: Omit<KeyFrame, 'othersBlurred'>[];
}

export const isContentCommand: Guard<ContentCommand> = (v): v is ContentCommand =>
  (isRecord(v) && v.type === 'content/set-enabled' && isBoolean(v.enabled)) ||
  (isRecord(v) && v.type === 'content/set-overlay' && isBoolean(v.show)) ||
  (isRecord(v) && v.type === 'content/key-frames') ||
  (isRecord(v) &&
    v.type === 'content/challenge' &&
    isId(v.participantId) &&
    isOneOf(CHALLENGE_ACTIONS)(v.action) &&
    (v.steps === null || isArrayOf(isOneOf(STEP_IDS), 5)(v.steps)));

const JPEG_DATA_URL = /^data:image\/jpeg;base64,[A-Za-z0-9+/]+={0,2}$/;
const MAX_STILL_CHARS = 2_000_000;
const isUnitBox = (v: unknown): boolean =>
  isRecord(v) && [v.x, v.y, v.width, v.height].every((n) => isFiniteNumber(n) && n >= -0.01 && n <= 1.01);

/** The content script runs in the untrusted page's renderer: its stills are checked like any other input. */
export const isKeyFramesReply: Guard<KeyFramesReply> = (v): v is KeyFramesReply =>
  isRecord(v) &&
  isArrayOf(
    (f): f is Omit<KeyFrame, 'othersBlurred'> =>
      isRecord(f) &&
      isId(f.participantId) &&
      isFiniteNumber(f.t) &&
      (f.score === null || (isFiniteNumber(f.score) && f.score >= 0 && f.score <= 1)) &&
      isUnitBox(f.faceBox) &&
      isString(f.image) &&
      f.image.length <= MAX_STILL_CHARS &&
      JPEG_DATA_URL.test(f.image),
    64,
  )(v.frames);

// ---------------------------------------------------------------------------------------------------------------
// popup live updates (runtime.connect, port name POPUP_PORT)

export const POPUP_PORT = 'unmask-popup';
/** The side panel's live updates: the same pushes as the popup's, over its own port name. */
export const PANEL_PORT = 'unmask-panel';
export type PopupPush = { type: 'tab-state'; state: TabState };

// ---------------------------------------------------------------------------------------------------------------
// validation of runtime requests to the background

const PARTICIPANT_STATES = ['starting', 'analysing', 'no-face', 'face-tracked', 'paused', 'engine-error'] as const;
const RISK_VERDICTS = ['insufficient', 'genuine', 'suspicious', 'deepfake'] as const;
const isRisk = (v: unknown): boolean =>
  isRecord(v) &&
  isOneOf(RISK_VERDICTS)(v.verdict) &&
  (v.score === null || (isFiniteNumber(v.score) && v.score >= 0 && v.score <= 1)) &&
  isFiniteNumber(v.since) &&
  (v.reason === null || isBoundedString(300)(v.reason));

const CHALLENGE_OUTCOMES = ['passed', 'failed', 'not-performed', 'inconclusive'] as const;
const CHALLENGE_PHASES = ['instructing', 'measuring', 'evaluating', 'done'] as const;
const isShortList = isArrayOf(isBoundedString(500), 10);
/** A running check's view, as the content script reports it: shown as text by the panel, so bounded, never trusted. */
const isChallengeLive = (v: unknown): boolean =>
  isRecord(v) &&
  isOneOf(CHALLENGE_PHASES)(v.phase) &&
  isNonNegativeInt(v.stepIndex) &&
  isNonNegativeInt(v.stepCount) &&
  v.stepCount <= 5 &&
  (v.say === null || isBoundedString(500)(v.say)) &&
  (v.instruction === null || isBoundedString(500)(v.instruction)) &&
  isBoundedString(500)(v.feedback) &&
  (v.secondsLeft === null || isNonNegativeInt(v.secondsLeft)) &&
  (v.preparing === null || isBoundedString(500)(v.preparing)) &&
  (v.outcome === null || isOneOf(CHALLENGE_OUTCOMES)(v.outcome)) &&
  (v.summary === null || isBoundedString(500)(v.summary)) &&
  isShortList(v.reasons) &&
  isShortList(v.advice);
const isVerification = (v: unknown): boolean => isRecord(v) && isOneOf(CHALLENGE_OUTCOMES)(v.outcome) && isBoundedString(500)(v.line) && isBoolean(v.raised);

const isParticipantSummary: Guard<ParticipantSummary> = (v): v is ParticipantSummary =>
  isRecord(v) &&
  (v.challenge === null || isChallengeLive(v.challenge)) &&
  (v.verification === null || isVerification(v.verification)) &&
  isRisk(v.risk) &&
  isId(v.id) &&
  isBoundedString(200)(v.label) &&
  isOneOf(PARTICIPANT_STATES)(v.state) &&
  isBoundedString(500)(v.detail) &&
  Array.isArray(v.faces) &&
  v.faces.length <= 8 &&
  isFiniteNumber(v.analysedFps) &&
  isNonNegativeInt(v.framesAnalysed);

const isTabId = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const isOrigin = (v: unknown): v is string => {
  if (!isBoundedString(300)(v)) return false;
  try {
    const u = new URL(v);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === v;
  } catch {
    return false;
  }
};

const requestGuards: { [K in BackgroundMessageType]: (v: Record<string, unknown>) => boolean } = {
  'tab/participants': (v) => isEngineStatus(v.engine) && isArrayOf(isParticipantSummary, 64)(v.participants),
  // The record comes from the call page's renderer: checked as strictly as an imported report's.
  'tab/challenge-result': (v) => challengeRecordProblem(v.challenge) === null,
  'panel/challenge': (v) => isTabId(v.tabId) && isId(v.participantId) && isOneOf(CHALLENGE_ACTIONS)(v.action) && (v.steps === undefined || isArrayOf(isOneOf(STEP_IDS), 5)(v.steps)),
  'panel/get-state': (v) => isTabId(v.tabId),
  'engine/issue-token': () => true,
  'engine/redeem-token': (v) => isBoundedString(128)(v.token),
  'engine/ensure-offscreen': () => true,
  'popup/get-state': (v) => isTabId(v.tabId),
  'popup/set-tab-enabled': (v) => isTabId(v.tabId) && isBoolean(v.enabled),
  'popup/analyze-tab': (v) => isTabId(v.tabId),
  'popup/set-site-enabled': (v) => isTabId(v.tabId) && isOrigin(v.origin) && isBoolean(v.enabled),
  'popup/set-overlay': (v) => isBoolean(v.show),
  'report/draft': (v) => (v.tabId === undefined ? isBoundedString(64)(v.callId) : isTabId(v.tabId) && v.callId === undefined),
  'report/calls': () => true,
  'report/saved': (v) => isBoundedString(64)(v.reportId),
  'report/send': (v) => isBoundedString(64)(v.reportId),
};

export function isBackgroundRequest(v: unknown): v is BackgroundRequest {
  if (!isRecord(v) || !isString(v.type) || !Object.hasOwn(requestGuards, v.type)) return false;
  return requestGuards[v.type as BackgroundMessageType](v);
}

/**
 * Which kind of context may send each request: content scripts come from a tab's page, the rest from our pages
 * ('report-pages': the report page and the Reports page).
 */
export type RequestOrigin = 'content-script' | 'engine-page' | 'popup' | 'report-pages' | 'side-panel';
export const REQUEST_ORIGIN: { [K in BackgroundMessageType]: RequestOrigin } = {
  'tab/participants': 'content-script',
  'tab/challenge-result': 'content-script',
  'panel/challenge': 'side-panel',
  'panel/get-state': 'side-panel',
  'engine/issue-token': 'content-script',
  'engine/redeem-token': 'engine-page',
  'engine/ensure-offscreen': 'engine-page',
  'popup/get-state': 'popup',
  'popup/set-tab-enabled': 'popup',
  'popup/analyze-tab': 'popup',
  'popup/set-site-enabled': 'popup',
  'popup/set-overlay': 'popup',
  'report/draft': 'report-pages',
  'report/calls': 'report-pages',
  'report/saved': 'report-pages',
  'report/send': 'report-pages',
};

/** Typed wrapper over `chrome.runtime.sendMessage`. */
export async function sendToBackground<K extends BackgroundMessageType>(
  message: { type: K } & BackgroundRequests[K]['request'],
): Promise<BackgroundResponse<K>> {
  const response: unknown = await chrome.runtime.sendMessage(message);
  if (isRecord(response) && isString(response.error) && response.failed === true) throw new Error(response.error);
  return response as BackgroundResponse<K>;
}
