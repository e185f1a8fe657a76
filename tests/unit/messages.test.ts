import { afterEach, describe, expect, it, vi } from 'vitest';
import { mulberry32 } from './fixtures/prng';
import { makeChallenge } from './fixtures/report';
import {
  isBackgroundRequest,
  isContentCommand,
  isKeyFramesReply,
  isEngineConnect,
  isEngineReply,
  isEngineRequest,
  REQUEST_ORIGIN,
  type BackgroundMessageType,
  type BackgroundRequest,
} from '../../src/shared/messages';
import type { ParticipantSummary } from '../../src/shared/types';

const ALL_TYPES: BackgroundMessageType[] = [
  'tab/participants',
  'tab/challenge-result',
  'panel/challenge',
  'panel/get-state',
  'engine/issue-token',
  'engine/redeem-token',
  'engine/ensure-offscreen',
  'popup/get-state',
  'popup/set-tab-enabled',
  'popup/analyze-tab',
  'popup/set-site-enabled',
  'popup/set-overlay',
  'report/draft',
  'report/calls',
  'report/saved',
  'report/send',
];

function participant(overrides: Partial<ParticipantSummary> = {}): ParticipantSummary {
  return {
    id: 'p-1',
    label: 'Ada Lovelace',
    state: 'face-tracked',
    detail: 'Face tracked (220 px, good quality).',
    faces: [],
    risk: { verdict: 'genuine', score: 0.04, since: 1000, reason: null },
    verdictsAvailable: true,
    analysedFps: 4.8,
    engineMsMedian: 12,
    latencyMsMedian: 40,
    framesAnalysed: 120,
    since: 1000,
    challenge: null,
    verification: null,
    ...overrides,
  };
}

/** One well-formed request of each type. */
function valid(type: BackgroundMessageType): BackgroundRequest {
  switch (type) {
    case 'tab/participants':
      return { type, engine: { kind: 'ready', loadMs: 800, backend: 'GPU', detector: 'wasm', verdicts: true }, participants: [participant()] };
    case 'engine/issue-token':
    case 'engine/ensure-offscreen':
      return { type };
    case 'engine/redeem-token':
      return { type, token: 'a'.repeat(48) };
    case 'tab/challenge-result':
      return { type, challenge: makeChallenge('p-1', 1_700_000_000_000) };
    case 'panel/challenge':
      return { type, tabId: 12, participantId: 'p-1', action: 'start' };
    case 'panel/get-state':
    case 'popup/get-state':
      return { type, tabId: 12 };
    case 'popup/set-tab-enabled':
      return { type, tabId: 12, enabled: false };
    case 'popup/analyze-tab':
      return { type, tabId: 0 };
    case 'popup/set-site-enabled':
      return { type, tabId: 12, origin: 'https://meet.example.org', enabled: true };
    case 'popup/set-overlay':
      return { type, show: true };
    case 'report/draft':
      return { type, tabId: 12 };
    case 'report/calls':
      return { type };
    case 'report/saved':
    case 'report/send':
      return { type, reportId: '5d0c7c1e-3d4f-4e8a-9a57-0c8f3d1b2a64' };
  }
}

/** A JSON round trip: what `runtime.sendMessage` delivers. */
const json = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

describe('isBackgroundRequest', () => {
  it.each(ALL_TYPES)('accepts a well-formed %s request, also after a JSON round trip', (type) => {
    expect(isBackgroundRequest(valid(type))).toBe(true);
    expect(isBackgroundRequest(json(valid(type)))).toBe(true);
  });

  it('accepts extra fields (ignored by typed code)', () => {
    expect(isBackgroundRequest({ ...valid('popup/set-overlay'), extra: { deep: [1, 2] } })).toBe(true);
  });

  it('rejects non-objects and unknown types', () => {
    for (const v of [null, undefined, 0, 'popup/set-overlay', true, [], [valid('popup/set-overlay')], () => 1]) expect(isBackgroundRequest(v)).toBe(false);
    expect(isBackgroundRequest({})).toBe(false);
    expect(isBackgroundRequest({ type: 'popup/unknown', show: true })).toBe(false);
    expect(isBackgroundRequest({ type: 'POPUP/SET-OVERLAY', show: true })).toBe(false);
    expect(isBackgroundRequest({ type: ' popup/set-overlay', show: true })).toBe(false);
    expect(isBackgroundRequest({ type: 42, show: true })).toBe(false);
    expect(isBackgroundRequest({ type: ['popup/set-overlay'], show: true })).toBe(false);
  });

  it('rejects prototype names as types, and does not crash on them', () => {
    for (const type of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__', 'prototype'])
      expect(isBackgroundRequest({ type, tabId: 1, show: true, enabled: true, token: 'x' })).toBe(false);
    expect(isBackgroundRequest(JSON.parse('{"type":"__proto__","__proto__":{"type":"popup/set-overlay","show":true}}'))).toBe(false);
  });

  it('does not take fields from a "__proto__" key, and is not polluted by one', () => {
    const sneaky = JSON.parse('{"type":"popup/set-overlay","__proto__":{"show":true}}') as unknown;
    expect(isBackgroundRequest(sneaky)).toBe(false);
    const polluting = JSON.parse('{"type":"popup/get-state","tabId":1,"__proto__":{"polluted":true}}') as unknown;
    expect(isBackgroundRequest(polluting)).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects wrong field types', () => {
    expect(isBackgroundRequest({ type: 'popup/set-overlay', show: 'true' })).toBe(false);
    expect(isBackgroundRequest({ type: 'popup/set-overlay', show: 1 })).toBe(false);
    expect(isBackgroundRequest({ type: 'popup/set-overlay' })).toBe(false);
    expect(isBackgroundRequest({ type: 'popup/get-state', tabId: '12' })).toBe(false);
    expect(isBackgroundRequest({ type: 'popup/get-state' })).toBe(false);
    expect(isBackgroundRequest({ type: 'popup/set-tab-enabled', tabId: 12, enabled: 'no' })).toBe(false);
    expect(isBackgroundRequest({ type: 'popup/set-tab-enabled', tabId: 12 })).toBe(false);
    expect(isBackgroundRequest({ type: 'popup/set-site-enabled', tabId: 12, origin: 'https://a.example', enabled: null })).toBe(false);
    expect(isBackgroundRequest({ type: 'engine/redeem-token', token: 12345 })).toBe(false);
    expect(isBackgroundRequest({ type: 'engine/redeem-token' })).toBe(false);
    expect(isBackgroundRequest({ type: 'tab/participants', engine: { kind: 'ready' }, participants: {} })).toBe(false);
    expect(isBackgroundRequest({ type: 'tab/participants', engine: { kind: 'exploded' }, participants: [] })).toBe(false);
    expect(isBackgroundRequest({ type: 'tab/participants', engine: 'ready', participants: [] })).toBe(false);
    expect(isBackgroundRequest({ type: 'tab/participants', participants: [] })).toBe(false);
  });

  it('rejects negative, fractional and non-finite tab ids', () => {
    for (const tabId of [-1, -0.5, 1.5, NaN, Infinity, -Infinity, '3', null, true])
      for (const type of ['popup/get-state', 'popup/analyze-tab'] as const) expect(isBackgroundRequest({ type, tabId })).toBe(false);
    expect(isBackgroundRequest({ type: 'popup/set-tab-enabled', tabId: -3, enabled: true })).toBe(false);
    expect(isBackgroundRequest({ type: 'popup/set-site-enabled', tabId: -3, origin: 'https://a.example', enabled: true })).toBe(false);
    expect(isBackgroundRequest({ type: 'popup/get-state', tabId: 0 })).toBe(true);
  });

  it('accepts only exact http(s) origins for set-site-enabled', () => {
    const req = (origin: unknown): unknown => ({ type: 'popup/set-site-enabled', tabId: 1, origin, enabled: true });
    for (const origin of ['https://meet.example.org', 'http://localhost:8080', 'https://xn--bcher-kva.example', 'https://[::1]'])
      expect(isBackgroundRequest(req(origin))).toBe(true);
    for (const origin of [
      'https://meet.example.org/',
      'https://meet.example.org/room',
      'https://meet.example.org?x=1',
      'https://meet.example.org#x',
      'meet.example.org',
      'HTTPS://MEET.EXAMPLE.ORG',
      'https://meet.example.org:443',
      'https://user:pw@meet.example.org',
      'ftp://meet.example.org',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'data:text/html,hi',
      'chrome-extension://abcdefghijklmnopabcdefghijklmnop',
      'chrome://settings',
      'null',
      '',
      '*',
      ' https://meet.example.org',
      `https://${'a'.repeat(300)}.example`,
      42,
      null,
      ['https://meet.example.org'],
    ])
      expect(isBackgroundRequest(req(origin))).toBe(false);
  });

  it('bounds strings and arrays', () => {
    expect(isBackgroundRequest({ type: 'engine/redeem-token', token: 'a'.repeat(128) })).toBe(true);
    expect(isBackgroundRequest({ type: 'engine/redeem-token', token: 'a'.repeat(129) })).toBe(false);
    const tp = (participants: unknown): unknown => ({ type: 'tab/participants', engine: { kind: 'loading' }, participants });
    expect(isBackgroundRequest(tp([]))).toBe(true);
    expect(isBackgroundRequest(tp(Array.from({ length: 64 }, (_, i) => participant({ id: `p${i}` }))))).toBe(true);
    expect(isBackgroundRequest(tp(Array.from({ length: 65 }, (_, i) => participant({ id: `p${i}` }))))).toBe(false);
    expect(isBackgroundRequest(tp([participant({ id: 'x'.repeat(64) })]))).toBe(true);
    expect(isBackgroundRequest(tp([participant({ id: 'x'.repeat(65) })]))).toBe(false);
    expect(isBackgroundRequest(tp([participant({ label: 'x'.repeat(200) })]))).toBe(true);
    expect(isBackgroundRequest(tp([participant({ label: 'x'.repeat(201) })]))).toBe(false);
    expect(isBackgroundRequest(tp([participant({ detail: 'x'.repeat(500) })]))).toBe(true);
    expect(isBackgroundRequest(tp([participant({ detail: 'x'.repeat(501) })]))).toBe(false);
    const faces = (n: number): ParticipantSummary['faces'] => Array.from({ length: n }, () => ({}) as ParticipantSummary['faces'][number]);
    expect(isBackgroundRequest(tp([participant({ faces: faces(8) })]))).toBe(true);
    expect(isBackgroundRequest(tp([participant({ faces: faces(9) })]))).toBe(false);
  });

  it('rejects a malformed participant anywhere in the list', () => {
    const tp = (p: unknown): unknown => ({ type: 'tab/participants', engine: { kind: 'idle' }, participants: [participant(), p] });
    expect(isBackgroundRequest(tp(participant()))).toBe(true);
    expect(isBackgroundRequest(tp(null))).toBe(false);
    expect(isBackgroundRequest(tp('p-2'))).toBe(false);
    expect(isBackgroundRequest(tp({ ...participant(), state: 'deepfake' }))).toBe(false);
    expect(isBackgroundRequest(tp({ ...participant(), analysedFps: NaN }))).toBe(false);
    expect(isBackgroundRequest(tp({ ...participant(), analysedFps: '5' }))).toBe(false);
    expect(isBackgroundRequest(tp({ ...participant(), framesAnalysed: -1 }))).toBe(false);
    expect(isBackgroundRequest(tp({ ...participant(), framesAnalysed: 1.5 }))).toBe(false);
    expect(isBackgroundRequest(tp({ ...participant(), faces: 'none' }))).toBe(false);
    expect(isBackgroundRequest(tp({ ...participant(), id: 7 }))).toBe(false);
    expect(isBackgroundRequest(tp({ ...participant(), label: undefined }))).toBe(false);
  });
});

describe('REQUEST_ORIGIN', () => {
  it('names a sender kind for every request type, and only for those', () => {
    expect(Object.keys(REQUEST_ORIGIN).sort()).toEqual([...ALL_TYPES].sort());
    for (const type of ALL_TYPES) expect(['content-script', 'engine-page', 'popup', 'report-pages', 'side-panel']).toContain(REQUEST_ORIGIN[type]);
  });

  it('assigns each type to the context that sends it', () => {
    expect(REQUEST_ORIGIN['tab/participants']).toBe('content-script');
    expect(REQUEST_ORIGIN['engine/issue-token']).toBe('content-script');
    expect(REQUEST_ORIGIN['engine/redeem-token']).toBe('engine-page');
    expect(REQUEST_ORIGIN['engine/ensure-offscreen']).toBe('engine-page');
    for (const type of ALL_TYPES.filter((t) => t.startsWith('popup/'))) expect(REQUEST_ORIGIN[type]).toBe('popup');
    // Only the side panel starts or steps a check; the call page only reports one that ended.
    for (const type of ALL_TYPES.filter((t) => t.startsWith('panel/'))) expect(REQUEST_ORIGIN[type]).toBe('side-panel');
    expect(REQUEST_ORIGIN['tab/challenge-result']).toBe('content-script');
    // A call page (through its content script) can neither make, list nor send reports.
    for (const type of ALL_TYPES.filter((t) => t.startsWith('report/'))) expect(REQUEST_ORIGIN[type]).toBe('report-pages');
  });

  it('has no entry for prototype names', () => {
    for (const name of ['toString', 'constructor', '__proto__']) expect(Object.hasOwn(REQUEST_ORIGIN, name)).toBe(false);
  });
});

describe('isContentCommand', () => {
  it('accepts the three commands', () => {
    expect(isContentCommand({ type: 'content/key-frames' })).toBe(true);
    expect(isContentCommand({ type: 'content/set-enabled', enabled: true })).toBe(true);
    expect(isContentCommand({ type: 'content/set-enabled', enabled: false })).toBe(true);
    expect(isContentCommand({ type: 'content/set-overlay', show: false })).toBe(true);
  });

  it('rejects malformed ones', () => {
    expect(isContentCommand({ type: 'content/set-enabled', show: true })).toBe(false);
    expect(isContentCommand({ type: 'content/set-overlay', enabled: true })).toBe(false);
    expect(isContentCommand({ type: 'content/set-enabled', enabled: 'true' })).toBe(false);
    expect(isContentCommand({ type: 'content/set-enabled' })).toBe(false);
    expect(isContentCommand({ type: 'content/reload', enabled: true })).toBe(false);
    expect(isContentCommand({ type: 'toString', enabled: true })).toBe(false);
    for (const v of [null, undefined, 'content/set-enabled', [], 3]) expect(isContentCommand(v)).toBe(false);
  });
});

describe('isEngineConnect', () => {
  it('accepts a connect message with a bounded string token', () => {
    expect(isEngineConnect({ type: 'unmask/engine-connect', token: 'f'.repeat(48) })).toBe(true);
    expect(isEngineConnect({ type: 'unmask/engine-connect', token: 'f'.repeat(128) })).toBe(true);
  });

  it('rejects anything else', () => {
    expect(isEngineConnect({ type: 'unmask/engine-connect', token: 'f'.repeat(129) })).toBe(false);
    expect(isEngineConnect({ type: 'unmask/engine-connect', token: 42 })).toBe(false);
    expect(isEngineConnect({ type: 'unmask/engine-connect' })).toBe(false);
    expect(isEngineConnect({ type: 'unmask/engine-connected', token: 'abc' })).toBe(false);
    expect(isEngineConnect({ token: 'abc' })).toBe(false);
    // Page scripts post all sorts of messages to every frame.
    for (const v of [null, 'unmask/engine-connect', { source: 'react-devtools', payload: {} }, [1, 2], 0]) expect(isEngineConnect(v)).toBe(false);
  });
});

describe('isEngineReply', () => {
  it('accepts status, result and frame-error replies', () => {
    expect(isEngineReply({ type: 'status', status: { kind: 'ready', loadMs: 1, backend: 'CPU' } })).toBe(true);
    expect(isEngineReply({ type: 'status', status: { kind: 'failed', message: 'no WebGL' } })).toBe(true);
    expect(
      isEngineReply({
        type: 'result',
        result: { participantId: 'p-1', frameId: 3, sampledAt: 1, engineMs: 9, landmarkMs: 7, frameWidth: 640, frameHeight: 360, faces: [] },
      }),
    ).toBe(true);
    expect(isEngineReply({ type: 'frame-error', participantId: 'p-1', frameId: 0, message: 'bad bitmap' })).toBe(true);
  });

  it('rejects malformed replies', () => {
    expect(isEngineReply({ type: 'status', status: { kind: 'on fire' } })).toBe(false);
    expect(isEngineReply({ type: 'status' })).toBe(false);
    expect(isEngineReply({ type: 'result', result: { participantId: 'p-1', frameId: -1, faces: [] } })).toBe(false);
    expect(isEngineReply({ type: 'result', result: { participantId: 'p-1', frameId: 1, faces: {} } })).toBe(false);
    expect(isEngineReply({ type: 'result', result: { participantId: 'x'.repeat(65), frameId: 1, faces: [] } })).toBe(false);
    expect(isEngineReply({ type: 'result', result: null })).toBe(false);
    expect(isEngineReply({ type: 'frame-error', participantId: 'p-1', frameId: 1.5, message: 'x' })).toBe(false);
    expect(isEngineReply({ type: 'frame-error', participantId: 'p-1', frameId: 1, message: 5 })).toBe(false);
    expect(isEngineReply({ type: 'toString' })).toBe(false);
    expect(isEngineReply({ type: 'result' })).toBe(false);
    for (const v of [null, undefined, 'status', [], 1]) expect(isEngineReply(v)).toBe(false);
  });
});

describe('isEngineRequest', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('accepts forget with a bounded id', () => {
    expect(isEngineRequest({ type: 'forget', participantId: 'p-1' })).toBe(true);
    expect(isEngineRequest({ type: 'forget', participantId: 'x'.repeat(65) })).toBe(false);
    expect(isEngineRequest({ type: 'forget' })).toBe(false);
  });

  it('accepts a frame only with a real ImageBitmap', () => {
    class FakeImageBitmap {}
    const frame = (bitmap: unknown): unknown => ({
      type: 'frame',
      participantId: 'p-1',
      frameId: 4,
      sampledAt: 1234.5,
      bitmap,
      sourceWidth: 1280,
      sourceHeight: 720,
      scoreFaces: 'plain',
    });
    // No ImageBitmap in this context at all: nothing is a frame.
    expect(isEngineRequest(frame({}))).toBe(false);
    vi.stubGlobal('ImageBitmap', FakeImageBitmap);
    expect(isEngineRequest(frame(new FakeImageBitmap()))).toBe(true);
    expect(isEngineRequest({ ...(frame(new FakeImageBitmap()) as object), scoreFaces: undefined })).toBe(false); // must say whether to score
    expect(isEngineRequest({ ...(frame(new FakeImageBitmap()) as object), scoreFaces: null })).toBe(true);
    expect(isEngineRequest({ ...(frame(new FakeImageBitmap()) as object), scoreFaces: 'both' })).toBe(true);
    expect(isEngineRequest({ ...(frame(new FakeImageBitmap()) as object), scoreFaces: true })).toBe(false);
    expect(isEngineRequest({ ...(frame(new FakeImageBitmap()) as object), scoreFaces: 'sideways' })).toBe(false);
    // Whether to describe faces (a caller check runs): absent or a boolean, nothing else.
    expect(isEngineRequest({ ...(frame(new FakeImageBitmap()) as object), identify: true })).toBe(true);
    expect(isEngineRequest({ ...(frame(new FakeImageBitmap()) as object), identify: false })).toBe(true);
    expect(isEngineRequest({ ...(frame(new FakeImageBitmap()) as object), identify: 'yes' })).toBe(false);
    // Whether to look for hands (a check with a hand pass runs): the same.
    expect(isEngineRequest({ ...(frame(new FakeImageBitmap()) as object), findHands: true })).toBe(true);
    expect(isEngineRequest({ ...(frame(new FakeImageBitmap()) as object), findHands: 1 })).toBe(false);
    // What an ImageBitmap becomes through JSON.
    expect(isEngineRequest(frame({}))).toBe(false);
    expect(isEngineRequest({ ...(frame(new FakeImageBitmap()) as object), frameId: -1 })).toBe(false);
    expect(isEngineRequest({ ...(frame(new FakeImageBitmap()) as object), sampledAt: Infinity })).toBe(false);
    expect(isEngineRequest({ ...(frame(new FakeImageBitmap()) as object), sourceWidth: 12.5 })).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// property-style fuzz

/** mulberry32 (fixtures/prng): a small deterministic PRNG. */
const prng = mulberry32;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (max: number) => (v: unknown): v is string => typeof v === 'string' && v.length <= max;
const isNonNegInt = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isBool = (v: unknown): boolean => typeof v === 'boolean';

const STEPS = ['head-turn-left-first', 'head-turn-right-first', 'hand-pass', 'lean-in', 'look-up-down'];
const OUTCOME_NAMES = ['passed', 'failed', 'not-performed', 'inconclusive'];
const exactKeys = (o: Record<string, unknown>, keys: string[]): boolean => Object.keys(o).length === keys.length && keys.every((k) => Object.hasOwn(o, k));
const isTimeMs = (t: unknown): boolean => typeof t === 'number' && Number.isFinite(t) && Math.abs(t) <= 8.64e15;
const textList = (v: unknown): boolean => Array.isArray(v) && v.length <= 50 && v.every(isStr(500));
/** A caller-verification record, as a report holds it (written out independently of report-format's validator). */
function challengeOk(c: unknown): boolean {
  if (!isObj(c) || !exactKeys(c, ['participantId', 't', 'endedAt', 'challenge', 'outcome', 'counted', 'detail', 'reasons', 'steps', 'advice'])) return false;
  const stepOk = (s: unknown): boolean =>
    isObj(s) &&
    exactKeys(s, ['id', 'kind', 'asked', 'outcome', 'performed', 'heldUp', 'failedOn', 'measurements', 'reasons', 'because', 'startedAt', 'endedAt', 'keyFrames']) &&
    isStr(64)(s.id) &&
    (s.id).length > 0 &&
    ['head-turn', 'hand-pass', 'lean-in', 'look-up-down'].includes(s.kind as string) &&
    isStr(500)(s.asked) &&
    OUTCOME_NAMES.includes(s.outcome as string) &&
    (s.performed === null || isBool(s.performed)) &&
    (s.heldUp === null || isBool(s.heldUp)) &&
    Array.isArray(s.failedOn) &&
    s.failedOn.every((k) => ['tracking', 'identity', 'swap-score', 'boundary', 'texture'].includes(k as string)) &&
    isObj(s.measurements) &&
    Object.entries(s.measurements).length <= 40 &&
    Object.entries(s.measurements).every(([k, x]) => k.length > 0 && k.length <= 64 && typeof x === 'number' && Number.isFinite(x)) &&
    textList(s.reasons) &&
    isStr(500)(s.because) &&
    (s.startedAt === null || isTimeMs(s.startedAt)) &&
    (s.endedAt === null || isTimeMs(s.endedAt)) &&
    Array.isArray(s.keyFrames) &&
    s.keyFrames.length <= 50 &&
    s.keyFrames.every((f) => isObj(f) && exactKeys(f, ['t', 'why']) && isTimeMs(f.t) && isStr(500)(f.why));
  return (
    isStr(64)(c.participantId) &&
    (c.participantId).length > 0 &&
    isTimeMs(c.t) &&
    isTimeMs(c.endedAt) &&
    isStr(200)(c.challenge) &&
    OUTCOME_NAMES.includes(c.outcome as string) &&
    isBool(c.counted) &&
    isStr(500)(c.detail) &&
    textList(c.reasons) &&
    Array.isArray(c.steps) &&
    c.steps.length <= 5 &&
    c.steps.every(stepOk) &&
    textList(c.advice)
  );
}

/** The contract, written out independently of the implementation. */
function wellFormed(v: unknown): boolean {
  if (!isObj(v) || typeof v.type !== 'string' || !(ALL_TYPES as string[]).includes(v.type)) return false;
  const engineOk = (e: unknown): boolean =>
    isObj(e) && ['idle', 'loading', 'ready', 'crashed', 'failed'].includes(e.kind as string) && (e.message === undefined || isStr(500)(e.message));
  const listOk = (l: unknown): boolean => Array.isArray(l) && l.length <= 10 && l.every(isStr(500));
  const liveOk = (c: unknown): boolean =>
    c === null ||
    (isObj(c) &&
      ['instructing', 'measuring', 'evaluating', 'done'].includes(c.phase as string) &&
      isNonNegInt(c.stepIndex) &&
      isNonNegInt(c.stepCount) &&
      (c.stepCount as number) <= 5 &&
      (c.say === null || isStr(500)(c.say)) &&
      (c.instruction === null || isStr(500)(c.instruction)) &&
      isStr(500)(c.feedback) &&
      (c.secondsLeft === null || isNonNegInt(c.secondsLeft)) &&
      (c.outcome === null || OUTCOME_NAMES.includes(c.outcome as string)) &&
      (c.summary === null || isStr(500)(c.summary)) &&
      listOk(c.reasons) &&
      listOk(c.advice));
  const verificationOk = (x: unknown): boolean => x === null || (isObj(x) && OUTCOME_NAMES.includes(x.outcome as string) && isStr(500)(x.line) && isBool(x.raised));
  const participantOk = (p: unknown): boolean =>
    isObj(p) &&
    liveOk(p.challenge) &&
    verificationOk(p.verification) &&
    isStr(64)(p.id) &&
    isStr(200)(p.label) &&
    ['starting', 'analysing', 'no-face', 'face-tracked', 'paused', 'engine-error'].includes(p.state as string) &&
    isStr(500)(p.detail) &&
    Array.isArray(p.faces) &&
    p.faces.length <= 8 &&
    typeof p.analysedFps === 'number' &&
    Number.isFinite(p.analysedFps) &&
    isNonNegInt(p.framesAnalysed);
  const originOk = (o: unknown): boolean => {
    if (!isStr(300)(o)) return false;
    const m = /^(https?):\/\/([^/?#@\s]+)$/.exec(o);
    if (!m) return false;
    try {
      return new URL(o).origin === o;
    } catch {
      return false;
    }
  };
  switch (v.type as BackgroundMessageType) {
    case 'tab/participants':
      return engineOk(v.engine) && Array.isArray(v.participants) && v.participants.length <= 64 && v.participants.every(participantOk);
    case 'engine/issue-token':
    case 'engine/ensure-offscreen':
      return true;
    case 'engine/redeem-token':
      return isStr(128)(v.token);
    case 'tab/challenge-result':
      return challengeOk(v.challenge);
    case 'panel/challenge':
      return (
        isNonNegInt(v.tabId) &&
        isStr(64)(v.participantId) &&
        (v.participantId).length > 0 &&
        ['start', 'begin-step', 'cancel'].includes(v.action as string) &&
        (v.steps === undefined || (Array.isArray(v.steps) && v.steps.length <= 5 && v.steps.every((s) => STEPS.includes(s as string))))
      );
    case 'panel/get-state':
    case 'popup/get-state':
    case 'popup/analyze-tab':
      return isNonNegInt(v.tabId);
    case 'popup/set-tab-enabled':
      return isNonNegInt(v.tabId) && isBool(v.enabled);
    case 'popup/set-site-enabled':
      return isNonNegInt(v.tabId) && originOk(v.origin) && isBool(v.enabled);
    case 'popup/set-overlay':
      return isBool(v.show);
    case 'report/draft':
      return v.tabId === undefined ? isStr(64)(v.callId) : isNonNegInt(v.tabId) && v.callId === undefined;
    case 'report/calls':
      return true;
    case 'report/saved':
    case 'report/send':
      return isStr(64)(v.reportId);
  }
}

function fuzzValues(count: number, seed: number): unknown[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const STRINGS = [
    '',
    'a',
    'x'.repeat(64),
    'x'.repeat(65),
    'x'.repeat(129),
    'x'.repeat(501),
    'https://meet.example.org',
    'https://meet.example.org/',
    'http://localhost:3000',
    'javascript:alert(1)',
    '__proto__',
    'constructor',
    'toString',
    'ready',
    'failed',
    'face-tracked',
    '\u0000',
    '😀',
    ...ALL_TYPES,
  ];
  const NUMBERS = [0, 1, -1, 0.5, 7, 64, 2 ** 31, -0, NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER, 1e-300];
  const KEYS = ['type', 'reportId', 'callId', 'tabId', 'enabled', 'show', 'origin', 'token', 'engine', 'participants', 'kind', 'id', 'label', 'state', 'detail', 'faces', 'analysedFps', 'framesAnalysed', '__proto__', 'constructor', 'x'];

  function value(depth: number): unknown {
    const r = rnd();
    if (depth <= 0 || r < 0.35) {
      const s = rnd();
      if (s < 0.3) return pick(STRINGS);
      if (s < 0.6) return pick(NUMBERS);
      if (s < 0.75) return rnd() < 0.5;
      if (s < 0.85) return null;
      return undefined;
    }
    if (r < 0.55) return Array.from({ length: Math.floor(rnd() * 4) }, () => value(depth - 1));
    const o: Record<string, unknown> = {};
    const n = Math.floor(rnd() * 5);
    for (let i = 0; i < n; i++) Object.defineProperty(o, pick(KEYS), { value: value(depth - 1), enumerable: true, writable: true, configurable: true });
    return o;
  }

  function mutated(): unknown {
    const base = { ...(json(valid(pick(ALL_TYPES))) as Record<string, unknown>) };
    const mutations = Math.floor(rnd() * 3);
    for (let i = 0; i < mutations; i++) {
      const keys = Object.keys(base);
      const m = rnd();
      if (m < 0.25 && keys.length) delete base[pick(keys)];
      else if (m < 0.7 && keys.length) base[pick(keys)] = value(2);
      else if (m < 0.85) base.type = pick(STRINGS);
      else Object.defineProperty(base, pick(KEYS), { value: value(2), enumerable: true, writable: true, configurable: true });
    }
    return base;
  }

  return Array.from({ length: count }, () => {
    const r = rnd();
    const v = r < 0.3 ? value(4) : mutated();
    // Half of them as the receiver would see them after JSON (where that is possible).
    if (rnd() < 0.5) {
      try {
        const text = JSON.stringify(v) as string | undefined;
        return text === undefined ? v : (JSON.parse(text) as unknown);
      } catch {
        return v;
      }
    }
    return v;
  });
}

describe('fuzz', () => {
  const values = fuzzValues(2000, 0x5eed);

  it('is deterministic', () => {
    expect(JSON.stringify(fuzzValues(50, 0x5eed))).toBe(JSON.stringify(values.slice(0, 50)));
  });

  it('never throws and never accepts a malformed request', () => {
    let accepted = 0;
    let rejectedNearMisses = 0;
    for (const v of values) {
      let ok = false;
      expect(() => {
        ok = isBackgroundRequest(v);
      }).not.toThrow();
      if (ok) {
        accepted++;
        expect(wellFormed(v), JSON.stringify(v)).toBe(true);
      } else {
        if (isObj(v) && (ALL_TYPES as unknown[]).includes(v.type)) rejectedNearMisses++;
        // The guard rejects exactly what the contract rejects.
        expect(wellFormed(v), JSON.stringify(v)).toBe(false);
      }
    }
    // The fuzz exercises both sides.
    expect(accepted).toBeGreaterThan(200);
    expect(rejectedNearMisses).toBeGreaterThan(200);
  });

  it('never throws in the other guards, and they accept only their own shapes', () => {
    for (const v of values) {
      expect(() => isContentCommand(v)).not.toThrow();
      expect(() => isEngineConnect(v)).not.toThrow();
      expect(() => isEngineReply(v)).not.toThrow();
      expect(() => isEngineRequest(v)).not.toThrow();
      // A background request is never also a command, a connect message or an engine reply.
      if (isBackgroundRequest(v)) {
        expect(isContentCommand(v)).toBe(false);
        expect(isEngineConnect(v)).toBe(false);
        expect(isEngineReply(v)).toBe(false);
      }
    }
  });

  it('leaves Object.prototype alone', () => {
    for (const v of values) isBackgroundRequest(v);
    const probe = {} as Record<string, unknown>;
    for (const key of ['type', 'tabId', 'show', 'enabled', 'token', 'polluted', 'x']) expect(probe[key]).toBeUndefined();
  });
});

describe('isKeyFramesReply (stills from a call page renderer)', () => {
  const still = { participantId: 'p1', t: 1_700_000_000_000, score: 0.4, faceBox: { x: 0.2, y: 0.1, width: 0.5, height: 0.6 }, image: 'data:image/jpeg;base64,/9j/4AAQSkZJRg==' };

  it('accepts JPEG stills with a face box', () => {
    expect(isKeyFramesReply({ frames: [still, { ...still, score: null }] })).toBe(true);
    expect(isKeyFramesReply({ frames: [] })).toBe(true);
  });

  it.each([
    ['an SVG image (could carry script)', { ...still, image: 'data:image/svg+xml;base64,PHN2Zz4=' }],
    ['a remote URL', { ...still, image: 'https://evil.example/x.jpg' }],
    ['markup in the data', { ...still, image: 'data:image/jpeg;base64,"><script>' }],
    ['an oversized image', { ...still, image: `data:image/jpeg;base64,${'A'.repeat(2_000_001)}` }],
    ['a score above 1', { ...still, score: 1.5 }],
    ['a NaN time', { ...still, t: NaN }],
    ['a box outside the frame', { ...still, faceBox: { x: 3, y: 0, width: 1, height: 1 } }],
    ['a long id', { ...still, participantId: 'p'.repeat(65) }],
  ])('refuses %s', (_what, frame) => {
    expect(isKeyFramesReply({ frames: [frame] })).toBe(false);
  });

  it('refuses too many stills, and non-replies', () => {
    expect(isKeyFramesReply({ frames: Array.from({ length: 65 }, () => still) })).toBe(false);
    for (const v of [null, undefined, [], 'frames', { frames: 'x' }, { frames: [null] }]) expect(isKeyFramesReply(v)).toBe(false);
  });
});
