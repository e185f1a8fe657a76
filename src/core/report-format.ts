/**
 * Call reports as files: URL stripping, canonical JSON, SHA-256 integrity, export, strict validation and import.
 * Browser-free (only `globalThis.crypto.subtle`, present in Node 20 and in every extension context), so the report
 * pages and the tests run the same code.
 *
 * What the SHA-256 hashes do and do not prove:
 * - Each part of a report (its call, participants, challenges, versions, note, key frames and identity) is hashed
 *   over its canonical JSON, and `whole` hashes the list of part hashes. When an imported file's hashes match the
 *   hashes recorded somewhere else (those the organisation endpoint received when the report was sent, or those
 *   printed in the exported HTML and kept by the user), the file is unchanged since then, and a mismatch names the
 *   part that changed.
 * - Within a single file they only catch accidental or careless edits: whoever alters a report can recompute every
 *   hash, so matching hashes in a file alone do not show who made it or that it was not altered. They are not a
 *   signature. `exportedAt` is not covered, and neither is the visible text of an exported HTML file: an import reads
 *   (and checks) the embedded JSON data, never the visible page.
 */
import {
  REPORT_FORMAT,
  REPORT_SCHEMA_VERSION,
  type CallReport,
  type IntegrityCheck,
  type ReportExport,
  type ReportIntegrity,
  type StoredReportMeta,
} from '../shared/report-types';
import type { ParticipantState, RiskVerdict } from '../shared/types';
import { isRecord } from '../shared/guards';

export const MAX_PARTICIPANTS = 64;
export const MAX_TIMELINE_POINTS = 4000;
export const MAX_REASONS = 50;
export const MAX_REASON_CHARS = 500;
export const MAX_KEY_FRAMES = 24;
export const MAX_IMAGE_CHARS = 2_000_000;
export const MAX_NOTE_CHARS = 10_000;
export const MAX_LABEL_CHARS = 200;
export const MAX_ID_CHARS = 64;
/** Long enough for any meeting URL once its query string is gone. */
export const MAX_URL_CHARS = 2048;
/** User-agent strings run to a few hundred characters (client hints, long product lists). */
export const MAX_USER_AGENT_CHARS = 1000;
export const MAX_CHALLENGES = 200;
export const MAX_INTEGRITY_PARTS = 100;
export const MAX_IMPORT_BYTES = 40 * 1024 * 1024;

/** The only image an import can ever make the page render: a base64 JPEG data URL, nothing that could carry markup. */
export const JPEG_DATA_URL = /^data:image\/jpeg;base64,[A-Za-z0-9+/]+={0,2}$/;

const SHA256_HEX = /^[0-9a-f]{64}$/;
/** Outside this range a number of ms is not a Date (toISOString would throw while rendering). */
const MAX_TIME_MS = 8.64e15;

const VERDICTS: readonly RiskVerdict[] = ['insufficient', 'genuine', 'suspicious', 'deepfake'];
const STATES: readonly ParticipantState[] = ['starting', 'analysing', 'no-face', 'face-tracked', 'paused', 'engine-error'];
const OUTCOMES = ['passed', 'failed', 'not-performed', 'inconclusive'] as const;
const STEP_KINDS = ['head-turn', 'hand-pass', 'lean-in', 'look-up-down'] as const;
const FAILURE_KINDS = ['tracking', 'identity', 'swap-score', 'boundary', 'texture'] as const;
/** A step's named figures: at most this many, with names this long. */
export const MAX_MEASUREMENTS = 40;
export const MAX_CHALLENGE_STEPS = 5;

// ---------------------------------------------------------------------------------------------------------------
// Meeting URLs

/**
 * The site (origin) and meeting URL (origin + path) of a page URL. Query string, fragment and user:password are
 * dropped because they can carry meeting passwords and join tokens (Zoom's `?pwd=`, Teams' context, Webex tickets).
 */
export function stripMeetingUrl(raw: string): { site: string; meetingUrl: string } | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  return { site: url.origin, meetingUrl: url.origin + url.pathname };
}

// ---------------------------------------------------------------------------------------------------------------
// Canonical JSON and hashes

/**
 * Deterministic JSON, so that equal data always hashes the same whatever order its keys were written in: object keys
 * sorted by UTF-16 code units, no whitespace, arrays in order, numbers and strings as JSON.stringify writes them
 * (lone surrogates escaped, so no two strings share an encoding). Only plain JSON data is accepted: it throws on
 * non-finite numbers, functions, symbols, bigints, undefined inside arrays (or at the top), cycles and non-plain
 * objects (Date, Map, ...), whose JSON would be lossy. Object keys whose value is undefined are left out, as in JSON.
 */
export function canonicalJson(value: unknown): string {
  return encodeCanonical(value, new Set<object>());
}

function encodeCanonical(value: unknown, ancestors: Set<object>): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${String(value)} is not a finite number`);
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw new TypeError(`canonicalJson: a ${typeof value} is not JSON data`);
  }
  if (ancestors.has(value)) throw new TypeError('canonicalJson: the value contains a cycle');
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      const items: string[] = [];
      // An index loop, not map(): map skips holes, which must throw like undefined does.
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (item === undefined) throw new TypeError(`canonicalJson: undefined at array index ${i}`);
        items.push(encodeCanonical(item, ancestors));
      }
      return `[${items.join(',')}]`;
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) throw new TypeError('canonicalJson: only plain objects are JSON data');
    const record = value as Record<string, unknown>;
    const members: string[] = [];
    // Default sort compares UTF-16 code units, which is the documented order.
    for (const key of Object.keys(record).sort()) {
      const member = record[key];
      if (member === undefined) continue;
      members.push(`${JSON.stringify(key)}:${encodeCanonical(member, ancestors)}`);
    }
    return `{${members.join(',')}}`;
  } finally {
    ancestors.delete(value);
  }
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** The report cut into the parts named in report-types.ts, in a fixed order (mismatches are listed in it). */
function partsOf(report: CallReport): [string, unknown][] {
  const parts: [string, unknown][] = [
    ['meta', { format: report.format, schemaVersion: report.schemaVersion, id: report.id, createdAt: report.createdAt }],
    ['call', report.call],
    ['participants', report.participants],
    ['challenges', report.challenges],
    ['versions', report.versions],
    ['note', report.note],
  ];
  report.keyFrames.forEach((frame, i) => parts.push([`keyFrames/${i}`, frame]));
  return parts;
}

/** Per-part hashes, so a mismatch says which part changed, and the whole, one value to record or compare. */
export async function integrityOf(report: CallReport): Promise<ReportIntegrity> {
  const named = partsOf(report);
  const hashes = await Promise.all(named.map(([, part]) => sha256Hex(canonicalJson(part))));
  const parts: Record<string, string> = {};
  named.forEach(([name], i) => {
    parts[name] = hashes[i] ?? '';
  });
  return { algorithm: 'SHA-256', parts, whole: await sha256Hex(canonicalJson(parts)) };
}

/**
 * The export file's content. Refuses (rejects) a report that would not pass `isCallReport`: a file this extension
 * could not import again is better caught when it is made than when it is needed as evidence.
 */
export async function buildExport(report: CallReport, exportedAt: number): Promise<ReportExport> {
  const problem = callReportProblem(report);
  if (problem !== null) throw new Error(`Cannot export this report: ${problem}`);
  if (!isTime(exportedAt)) throw new Error('Cannot export this report: the export time is not a valid time');
  return { format: REPORT_FORMAT, schemaVersion: REPORT_SCHEMA_VERSION, exportedAt, report, integrity: await integrityOf(report) };
}

/**
 * Recomputes the hashes of an export's report and compares them with those it carries. See the module comment for
 * what a match does and does not prove.
 */
export async function verifyExport(exp: ReportExport): Promise<IntegrityCheck> {
  const actual = await integrityOf(exp.report);
  const recorded = exp.integrity.parts;
  const mismatched: string[] = [];
  for (const [name, hash] of Object.entries(actual.parts)) {
    if (!Object.hasOwn(recorded, name) || recorded[name] !== hash) mismatched.push(name);
  }
  for (const name of Object.keys(recorded)) {
    if (!Object.hasOwn(actual.parts, name)) mismatched.push(name);
  }
  // The whole of the recomputed parts against the recorded whole: that is the one value people keep elsewhere.
  const wholeMatches = exp.integrity.algorithm === 'SHA-256' && actual.whole === exp.integrity.whole;
  return { ok: mismatched.length === 0 && wholeMatches, mismatched, wholeMatches };
}

// ---------------------------------------------------------------------------------------------------------------
// Validation
//
// Each check returns null or the first problem, with the path of the field, so an import can tell the user what is
// wrong. Objects must have exactly the documented fields: unknown fields would be stored, hashed and sent on without
// anyone having looked at them (and could be arbitrarily deep).

type Check = (value: unknown, path: string) => string | null;

function isTime(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= MAX_TIME_MS;
}

const time: Check = (v, path) => (isTime(v) ? null : `${path} is not a valid time`);

const text =
  (max: number, nonEmpty = false): Check =>
  (v, path) => {
    if (typeof v !== 'string') return `${path} is not text`;
    if (v.length > max) return `${path} is longer than ${max} characters`;
    if (nonEmpty && v.length === 0) return `${path} is empty`;
    return null;
  };

const id = text(MAX_ID_CHARS, true);

const score: Check = (v, path) =>
  v === null || (typeof v === 'number' && v >= 0 && v <= 1) ? null : `${path} is neither null nor a number from 0 to 1`;

const finite: Check = (v, path) => (typeof v === 'number' && Number.isFinite(v) ? null : `${path} is not a number`);

const bool: Check = (v, path) => (typeof v === 'boolean' ? null : `${path} is not true or false`);

const oneOf =
  (values: readonly string[]): Check =>
  (v, path) =>
    typeof v === 'string' && values.includes(v) ? null : `${path} is not one of ${values.join(', ')}`;

const exactly =
  (expected: string | number): Check =>
  (v, path) =>
    v === expected ? null : `${path} is not ${JSON.stringify(expected)}`;

const nullable =
  (check: Check): Check =>
  (v, path) =>
    v === null ? null : check(v, path);

const arrayOf =
  (check: Check, max: number): Check =>
  (v, path) => {
    if (!Array.isArray(v)) return `${path} is not a list`;
    if (v.length > max) return `${path} has more than ${max} entries`;
    for (let i = 0; i < v.length; i++) {
      const problem = check(v[i], `${path}[${i}]`);
      if (problem !== null) return problem;
    }
    return null;
  };

const httpUrl =
  (originOnly: boolean): Check =>
  (v, path) => {
    const problem = text(MAX_URL_CHARS, true)(v, path);
    if (problem !== null) return problem;
    let url: URL;
    try {
      url = new URL(v as string);
    } catch {
      return `${path} is not a web address`;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${path} is not an http(s) address`;
    if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
      return `${path} still has a query string, fragment or password`;
    }
    if (originOnly && url.origin !== v) return `${path} is not a site origin`;
    return null;
  };

/** The path of the export itself: its fields are then named plainly ("report.note", not "the file.report.note"). */
const FILE_PATH = 'the file';

const fieldPath = (path: string, name: string): string => (path === FILE_PATH ? name : `${path}.${name}`);

function object(fields: Record<string, Check>): Check {
  const names = Object.keys(fields);
  return (v, path) => {
    if (!isRecord(v)) return `${path} is not an object`;
    for (const name of names) {
      const check = fields[name];
      if (!check) continue;
      if (!Object.hasOwn(v, name)) return `${fieldPath(path, name)} is missing`;
      const problem = check(v[name], fieldPath(path, name));
      if (problem !== null) return problem;
    }
    for (const key of Object.keys(v)) {
      if (!Object.hasOwn(fields, key)) return `${path} has an unexpected field ${JSON.stringify(key.slice(0, 40))}`;
    }
    return null;
  };
}

const jpegDataUrl: Check = (v, path) => {
  if (typeof v !== 'string') return `${path} is not text`;
  if (v.length > MAX_IMAGE_CHARS) return `${path} is larger than ${MAX_IMAGE_CHARS} characters`;
  return JPEG_DATA_URL.test(v) ? null : `${path} is not a JPEG image`;
};

const timelinePoint = object({
  t: time,
  state: oneOf(STATES),
  verdict: oneOf(VERDICTS),
  score,
  reason: nullable(text(MAX_REASON_CHARS)),
});

const participant = object({
  id,
  label: text(MAX_LABEL_CHARS),
  firstSeen: time,
  lastSeen: time,
  finalVerdict: oneOf(VERDICTS),
  peakScore: score,
  reasons: arrayOf(text(MAX_REASON_CHARS), MAX_REASONS),
  timeline: arrayOf(timelinePoint, MAX_TIMELINE_POINTS),
});

const keyFrame = object({
  participantId: id,
  t: time,
  score,
  faceBox: object({ x: finite, y: finite, width: finite, height: finite }),
  othersBlurred: bool,
  image: jpegDataUrl,
});

const measurements: Check = (v, path) => {
  if (!isRecord(v)) return `${path} is not an object`;
  const names = Object.keys(v);
  if (names.length > MAX_MEASUREMENTS) return `${path} has more than ${MAX_MEASUREMENTS} figures`;
  for (const name of names) {
    if (name.length === 0 || name.length > MAX_ID_CHARS) return `${path} has a figure name that is empty or too long`;
    const problem = finite(v[name], `${path}.${name}`);
    if (problem !== null) return problem;
  }
  return null;
};

const triState: Check = (v, path) => (v === null || typeof v === 'boolean' ? null : `${path} is neither null nor true or false`);

const challengeStep = object({
  id,
  kind: oneOf(STEP_KINDS),
  asked: text(MAX_REASON_CHARS),
  outcome: oneOf(OUTCOMES),
  performed: triState,
  heldUp: triState,
  failedOn: arrayOf(oneOf(FAILURE_KINDS), FAILURE_KINDS.length),
  measurements,
  reasons: arrayOf(text(MAX_REASON_CHARS), MAX_REASONS),
  because: text(MAX_REASON_CHARS),
  startedAt: nullable(time),
  endedAt: nullable(time),
  keyFrames: arrayOf(object({ t: time, why: text(MAX_REASON_CHARS) }), MAX_REASONS),
});

const challenge = object({
  participantId: id,
  t: time,
  endedAt: time,
  challenge: text(MAX_LABEL_CHARS),
  outcome: oneOf(OUTCOMES),
  counted: bool,
  detail: text(MAX_REASON_CHARS),
  reasons: arrayOf(text(MAX_REASON_CHARS), MAX_REASONS),
  steps: arrayOf(challengeStep, MAX_CHALLENGE_STEPS),
  advice: arrayOf(text(MAX_REASON_CHARS), MAX_REASONS),
});

const callReport = object({
  format: exactly(REPORT_FORMAT),
  schemaVersion: exactly(REPORT_SCHEMA_VERSION),
  id,
  createdAt: time,
  call: object({ site: httpUrl(true), meetingUrl: httpUrl(false), startedAt: time, endedAt: nullable(time) }),
  participants: arrayOf(participant, MAX_PARTICIPANTS),
  challenges: arrayOf(challenge, MAX_CHALLENGES),
  versions: object({
    extension: text(MAX_LABEL_CHARS),
    model: object({ name: text(MAX_LABEL_CHARS), version: text(MAX_LABEL_CHARS), releasedForVerdicts: bool }),
    userAgent: text(MAX_USER_AGENT_CHARS),
  }),
  keyFrames: arrayOf(keyFrame, MAX_KEY_FRAMES),
  note: text(MAX_NOTE_CHARS),
});

const hashHex: Check = (v, path) => (typeof v === 'string' && SHA256_HEX.test(v) ? null : `${path} is not a SHA-256 hash`);

const integrityParts: Check = (v, path) => {
  if (!isRecord(v)) return `${path} is not an object`;
  const names = Object.keys(v);
  if (names.length > MAX_INTEGRITY_PARTS) return `${path} has more than ${MAX_INTEGRITY_PARTS} parts`;
  for (const name of names) {
    if (name.length === 0 || name.length > MAX_ID_CHARS) return `${path} has a part name that is empty or too long`;
    const problem = hashHex(v[name], `${path}[${JSON.stringify(name)}]`);
    if (problem !== null) return problem;
  }
  return null;
};

const reportExport = object({
  format: exactly(REPORT_FORMAT),
  schemaVersion: exactly(REPORT_SCHEMA_VERSION),
  exportedAt: time,
  report: callReport,
  integrity: object({ algorithm: exactly('SHA-256'), parts: integrityParts, whole: hashHex }),
});

/** Null if `v` is a valid caller-verification record (as a report holds it), else the first problem found. */
export function challengeRecordProblem(v: unknown): string | null {
  return challenge(v, 'challenge');
}

/** Null if `v` is a valid call report, else what is wrong with it (the first problem found, with its path). */
export function callReportProblem(v: unknown): string | null {
  return callReport(v, 'report');
}

export function isCallReport(v: unknown): v is CallReport {
  return callReportProblem(v) === null;
}

/** Null if `v` is a valid export (report and integrity shape), else the first problem found. */
export function reportExportProblem(v: unknown): string | null {
  return reportExport(v, FILE_PATH);
}

export function isReportExport(v: unknown): v is ReportExport {
  return reportExportProblem(v) === null;
}

// ---------------------------------------------------------------------------------------------------------------
// Import

export type ImportResult = { ok: true; export: ReportExport; check: IntegrityCheck } | { ok: false; error: string };

/** The element an exported HTML file carries its data in (written by `core/report-html`). */
export const REPORT_DATA_ELEMENT_ID = 'unmask-report-data';

/**
 * Reads an exported report file, JSON or HTML. Never throws: every failure is `ok: false` with a sentence for the
 * user. A file whose hashes do not match is still `ok: true`, with `check.ok` false, so the page can show it as
 * altered rather than hide it.
 */
export async function parseImport(text: string, byteLength: number): Promise<ImportResult> {
  try {
    return await parseImportUnsafe(text, byteLength);
  } catch (e) {
    // Only a bug (or the engine running out of memory) gets here; the user still gets an answer, not a dead page.
    const detail = e instanceof Error ? e.message : String(e);
    return { ok: false, error: `This file could not be read as an Unmask report (${detail.slice(0, 200)}).` };
  }
}

async function parseImportUnsafe(text: string, byteLength: number): Promise<ImportResult> {
  if (typeof text !== 'string') return fail('This file could not be read as text.');
  // text.length never exceeds the UTF-8 size, so it also guards a caller that passes a wrong byteLength.
  const size = Math.max(Number.isFinite(byteLength) ? byteLength : 0, text.length);
  if (size > MAX_IMPORT_BYTES) {
    return fail(`This file is too large (${megabytes(size)} MB): an Unmask report file is at most ${megabytes(MAX_IMPORT_BYTES)} MB.`);
  }
  const start = firstNonSpace(text);
  if (start < 0) return fail('This file is empty.');

  let json: string;
  let where: string;
  if (text[start] === '{') {
    // From the first brace: JSON.parse refuses a byte-order mark.
    json = start === 0 ? text : text.slice(start);
    where = 'This file';
  } else if (text[start] === '<') {
    const embedded = embeddedJson(text);
    if (embedded === null) return fail('This HTML file is not an Unmask report: it has no embedded report data.');
    json = embedded;
    where = 'The report data inside this HTML file';
  } else {
    return fail('This is not an Unmask report file: it is neither an exported JSON file nor an exported HTML report.');
  }

  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (e) {
    const detail = e instanceof Error ? ` (${e.message.slice(0, 200)})` : '';
    return fail(`${where} is damaged: it is not valid JSON${detail}.`);
  }

  if (!isRecord(data) || data.format !== REPORT_FORMAT) return fail(`${where} is not an Unmask call report.`);
  const versionProblem = schemaVersionProblem(data.schemaVersion) ?? schemaVersionProblem(isRecord(data.report) ? data.report.schemaVersion : REPORT_SCHEMA_VERSION);
  if (versionProblem !== null) return fail(versionProblem);

  // An older file is checked against the hashes it was made with, then upgraded (`upgradeReport`): the check says
  // whether the file is as it was exported; the upgrade only adds what the newer format requires.
  const asMade = data.schemaVersion === REPORT_SCHEMA_VERSION ? data : upgradeExportShape(data);
  const problem = reportExportProblem(asMade);
  if (problem !== null) return fail(`This report file is invalid and was not imported: ${problem}.`);
  const upgraded = asMade as unknown as ReportExport;
  const check = await verifyExport(data === asMade ? upgraded : ({ ...upgraded, report: data.report } as unknown as ReportExport));
  return { ok: true, export: upgraded, check };
}

/**
 * A report (or stored record) of an earlier schema version in today's shape. Version 2 -> 3: the challenge list of a
 * version 2 report was always empty (the caller verification did not exist yet); any entry it has is kept with its
 * words and no steps. Anything else, or a version this code does not know, is returned unchanged for the validator
 * to judge.
 */
export function upgradeReport(report: unknown): unknown {
  if (!isRecord(report) || report.schemaVersion !== 2) return report;
  const challenges = Array.isArray(report.challenges)
    ? report.challenges.map((c: unknown) =>
        isRecord(c)
          ? { participantId: c.participantId, t: c.t, endedAt: c.t, challenge: c.challenge, outcome: c.outcome, counted: c.outcome === 'failed', detail: c.detail, reasons: [], steps: [], advice: [] }
          : c,
      )
    : report.challenges;
  return { ...report, schemaVersion: REPORT_SCHEMA_VERSION, challenges };
}

function upgradeExportShape(data: Record<string, unknown>): Record<string, unknown> {
  if (data.schemaVersion !== 2) return data;
  return { ...data, schemaVersion: REPORT_SCHEMA_VERSION, report: upgradeReport(data.report) };
}

function schemaVersionProblem(version: unknown): string | null {
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) return 'This report file has no valid format version.';
  if (version > REPORT_SCHEMA_VERSION) {
    return `This report was made by a newer Unmask (report format ${version}; this one reads up to ${REPORT_SCHEMA_VERSION}): update the extension to open it.`;
  }
  // Version 2 is the first that was ever exported and is upgraded (`upgradeReport`); nothing older exists.
  if (version < 2) return `This report uses an old format (${version}) that this Unmask cannot read.`;
  return null;
}

/** The opening tag exactly as `core/report-html` writes it (a browser's "Save page as" keeps it as it is). */
export const REPORT_DATA_OPEN_TAG = `<script type="application/json" id="${REPORT_DATA_ELEMENT_ID}">`;

/**
 * The text of the report data element, found by plain string search: the file is never run or handed to a DOM.
 * The writer escapes every `<` inside the data, so the element ends at the first `<` after its opening tag, and
 * the opening tag cannot occur earlier in a file we wrote (untrusted text is escaped there too). indexOf only:
 * the file is attacker-controlled and up to 40 MB, so no scan may be worse than linear.
 */
function embeddedJson(html: string): string | null {
  const open = html.indexOf(REPORT_DATA_OPEN_TAG);
  if (open < 0) return null;
  const start = open + REPORT_DATA_OPEN_TAG.length;
  const close = html.indexOf('<', start);
  if (close < 0 || html.slice(close, close + 9).toLowerCase() !== '</script>') return null;
  return html.slice(start, close);
}

function firstNonSpace(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Whitespace and a byte-order mark, which some editors add when a file is saved again.
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0xfeff) return i;
  }
  return -1;
}

function megabytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0);
}

function fail(error: string): ImportResult {
  return { ok: false, error };
}

// ---------------------------------------------------------------------------------------------------------------
// Listing

const VERDICT_RANK: Record<RiskVerdict, number> = { insufficient: 0, genuine: 1, suspicious: 2, deepfake: 3 };

/** The gravest thing Unmask said about anyone in the call, at the end or at any moment of it. */
export function worstVerdict(report: CallReport): RiskVerdict {
  let worst: RiskVerdict = 'insufficient';
  const consider = (v: RiskVerdict): void => {
    if (VERDICT_RANK[v] > VERDICT_RANK[worst]) worst = v;
  };
  for (const p of report.participants) {
    consider(p.finalVerdict);
    for (const point of p.timeline) consider(point.verdict);
  }
  return worst;
}

export function metaOf(report: CallReport, opts: { imported: boolean; integrity: IntegrityCheck | null }): StoredReportMeta {
  return {
    id: report.id,
    createdAt: report.createdAt,
    site: report.call.site,
    meetingUrl: report.call.meetingUrl,
    participantCount: report.participants.length,
    worstVerdict: worstVerdict(report),
    keyFrameCount: report.keyFrames.length,
    imported: opts.imported,
    integrity: opts.integrity,
    delivery: { state: 'none' },
  };
}
