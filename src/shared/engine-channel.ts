/**
 * The engine channel of the message contract (`shared/messages` re-exports all of it): content script <-> engine
 * page <-> engine worker, over a `MessagePort` (structured clone with transfer). Frames travel here as transferred
 * ImageBitmaps, results come back with landmark buffers transferred.
 *
 * A module of its own so that the engine's contexts (the worker above all) load only this part of the contract, not
 * the background's request validation (which checks report records with `core/report-format`).
 */
import { DETECTOR_VIEWS, type DetectorView } from '../core/detector-views';
import type { EngineStatus, FrameResult } from './types';
import { hasFields, isBoundedString, isFiniteNumber, isNonNegativeInt, isOneOf, isRecord, isString, type Guard } from './guards';

const isId = isBoundedString(64);


export interface FrameRequest {
  type: 'frame';
  participantId: string;
  frameId: number;
  sampledAt: number;
  bitmap: ImageBitmap;
  /** Size of the source video, so face sizes are reported in the participant's real pixels. */
  sourceWidth: number;
  sourceHeight: number;
  /** Run the face-swap detector on the faces in this view (`core/detector-views`); null: landmarks, pose and quality only. */
  scoreFaces: DetectorView | null;
  /** Describe the near-frontal faces with the face-recognition model (a caller check is running). */
  identify?: boolean;
  /** Look for hands in the frame (a caller check with a hand pass is running). */
  findHands?: boolean;
  /** End-to-end builds' engine only (the soak): answer without running the landmarker. Ignored by release builds. */
  e2eLandmarksOff?: boolean;
}

/** The buffers a result's faces carry (landmarks, descriptors): transferred, not copied, on every hop. */
export function resultBuffers(result: FrameResult): ArrayBuffer[] {
  return result.faces.flatMap((f) => [f.landmarks.buffer as ArrayBuffer, ...(f.embedding ? [f.embedding.buffer as ArrayBuffer] : [])]);
}

export type EngineRequest = FrameRequest | { type: 'forget'; participantId: string };

export type EngineReply =
  | { type: 'status'; status: EngineStatus }
  | { type: 'result'; result: FrameResult }
  | { type: 'frame-error'; participantId: string; frameId: number; message: string };

/**
 * Between the engine host (offscreen document, or the engine page as fallback) and its worker. One worker serves
 * many connections (one per tab); each request and reply names its connection, so participant ids ("p1" in two
 * tabs) never mix. A status reply with `connection: null` is for every connection.
 */
export type WorkerRequest = { connection: number; request: EngineRequest } | { type: 'drop-connection'; connection: number };
export interface WorkerReply {
  connection: number | null;
  reply: EngineReply;
}

export function isWorkerRequest(v: unknown): v is WorkerRequest {
  if (!isRecord(v) || !isNonNegativeInt(v.connection)) return false;
  return v.type === 'drop-connection' || isEngineRequest(v.request);
}

export function isWorkerReply(v: unknown): v is WorkerReply {
  return isRecord(v) && (v.connection === null || isNonNegativeInt(v.connection)) && isEngineReply(v.reply);
}

/** Sent by the engine page (broker) to the offscreen document's window, with a tab's port. */
export interface EngineAttach {
  type: 'unmask/engine-attach';
}

export const isEngineAttach: Guard<EngineAttach> = (v): v is EngineAttach => isRecord(v) && v.type === 'unmask/engine-attach';

/** Sent by the content script to the engine page's window, with the port to use, once. */
export interface EngineConnect {
  type: 'unmask/engine-connect';
  token: string;
}


export const isEngineConnect: Guard<EngineConnect> = (v): v is EngineConnect =>
  hasFields<{ type: string; token: string }>(v, { type: (t): t is string => t === 'unmask/engine-connect', token: isBoundedString(128) });

export function isEngineRequest(v: unknown): v is EngineRequest {
  if (!isRecord(v)) return false;
  if (v.type === 'forget') return isId(v.participantId);
  return (
    v.type === 'frame' &&
    isId(v.participantId) &&
    isNonNegativeInt(v.frameId) &&
    isFiniteNumber(v.sampledAt) &&
    typeof ImageBitmap !== 'undefined' &&
    v.bitmap instanceof ImageBitmap &&
    isNonNegativeInt(v.sourceWidth) &&
    isNonNegativeInt(v.sourceHeight) &&
    (v.scoreFaces === null || isOneOf(DETECTOR_VIEWS)(v.scoreFaces)) &&
    (v.identify === undefined || typeof v.identify === 'boolean') &&
    (v.findHands === undefined || typeof v.findHands === 'boolean')
  );
}

const ENGINE_STATUS_KINDS = ['idle', 'loading', 'ready', 'crashed', 'failed'] as const;
export const isEngineStatus: Guard<EngineStatus> = (v): v is EngineStatus =>
  isRecord(v) && isOneOf(ENGINE_STATUS_KINDS)(v.kind) && (v.message === undefined || isBoundedString(500)(v.message));

export function isEngineReply(v: unknown): v is EngineReply {
  if (!isRecord(v)) return false;
  switch (v.type) {
    case 'status':
      return isEngineStatus(v.status);
    case 'result':
      return isRecord(v.result) && isId(v.result.participantId) && isNonNegativeInt(v.result.frameId) && Array.isArray(v.result.faces);
    case 'frame-error':
      return isId(v.participantId) && isNonNegativeInt(v.frameId) && isString(v.message);
    default:
      return false;
  }
}
