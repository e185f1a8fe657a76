import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  buildExport,
  callReportProblem,
  canonicalJson,
  challengeRecordProblem,
  integrityOf,
  isCallReport,
  isReportExport,
  MAX_IMPORT_BYTES,
  metaOf,
  parseImport,
  sha256Hex,
  stripMeetingUrl,
  verifyExport,
  worstVerdict,
} from '../../src/core/report-format';
import { renderReportHtml } from '../../src/core/report-html';
import type { CallReport, ReportExport } from '../../src/shared/report-types';
import { CALL_START, clone, makeChallenge, makeReport, TINY_JPEG_BASE64 } from './fixtures/report';

const EXPORTED_AT = Date.UTC(2025, 2, 14, 10, 0, 0);

/** The same data with every object's keys in reverse order. */
function reverseKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => reverseKeys(item)) as T;
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).reverse();
  return Object.fromEntries(entries.map(([k, v]) => [k, reverseKeys(v)])) as T;
}

async function freshExport(): Promise<ReportExport> {
  return buildExport(makeReport(), EXPORTED_AT);
}

describe('stripMeetingUrl', () => {
  it.each([
    ['https://zoom.us/j/123456789?pwd=s3cret', 'https://zoom.us', 'https://zoom.us/j/123456789'],
    ['https://meet.google.com/abc-defg-hij#section', 'https://meet.google.com', 'https://meet.google.com/abc-defg-hij'],
    ['https://bob:hunter2@meet.example.com/room?x=1#y', 'https://meet.example.com', 'https://meet.example.com/room'],
    ['http://localhost:8080/call/1', 'http://localhost:8080', 'http://localhost:8080/call/1'],
    ['https://teams.microsoft.com', 'https://teams.microsoft.com', 'https://teams.microsoft.com/'],
    ['HTTPS://Meet.Google.COM/abc', 'https://meet.google.com', 'https://meet.google.com/abc'],
  ])('%s → origin and path only', (raw, site, meetingUrl) => {
    expect(stripMeetingUrl(raw)).toEqual({ site, meetingUrl });
  });

  it.each(['file:///home/me/call.html', 'javascript:alert(1)', 'data:text/html,hi', 'chrome://extensions', 'ftp://example.com/x', 'not a url', '', '//meet.google.com/abc', 'https://'])(
    'refuses %j',
    (raw) => {
      expect(stripMeetingUrl(raw)).toBeNull();
    },
  );
});

describe('canonicalJson', () => {
  it('does not depend on key order, at any depth', () => {
    const a = { b: 1, a: [3, { z: true, y: null }], c: 'x' };
    const b = { c: 'x', a: [3, { y: null, z: true }], b: 1 };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"a":[3,{"y":null,"z":true}],"b":1,"c":"x"}');
  });

  it('sorts keys by UTF-16 code units, not by locale', () => {
    expect(canonicalJson({ b: 1, B: 2, é: 3, '😀': 4, 'ｚ': 5 })).toBe('{"B":2,"b":1,"é":3,"😀":4,"ｚ":5}');
  });

  it('keeps array order, leaves out undefined object values, writes no whitespace', () => {
    expect(canonicalJson([3, 1, 2])).toBe('[3,1,2]');
    expect(canonicalJson({ a: undefined, b: 'x y' })).toBe('{"b":"x y"}');
    expect(canonicalJson({ n: -0, e: 1e21, f: 0.1 })).toBe('{"e":1e+21,"f":0.1,"n":0}');
    expect(canonicalJson('\u2028\ud800')).toBe('"\u2028\\ud800"');
  });

  it.each<[string, unknown]>([
    ['NaN', { a: Number.NaN }],
    ['Infinity', [Infinity]],
    ['a function', { f: () => 1 }],
    ['undefined in an array', [1, undefined]],
    ['a hole in an array', [1, , 3]], // eslint-disable-line no-sparse-arrays
    ['undefined at the top', undefined],
    ['a bigint', { n: 1n }],
    ['a symbol', { s: Symbol('x') }],
    ['a Date', { d: new Date(0) }],
    ['a Map', new Map()],
  ])('throws on %s', (_name, value) => {
    expect(() => canonicalJson(value)).toThrow(TypeError);
  });

  it('throws on a cycle but not on a shared (acyclic) object', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/cycle/);
  });
});

describe('sha256Hex', () => {
  it('matches Node’s SHA-256 of the UTF-8 bytes', async () => {
    expect(await sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const text = 'Jean Dupont – 😀';
    expect(await sha256Hex(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
  });
});

describe('integrity', () => {
  it('hashes each documented part, and the whole over the parts object', async () => {
    const report = makeReport();
    const integrity = await integrityOf(report);
    expect(Object.keys(integrity.parts).sort()).toEqual(['call', 'challenges', 'keyFrames/0', 'meta', 'note', 'participants', 'versions']);
    expect(integrity.parts.note).toBe(await sha256Hex(canonicalJson(report.note)));
    expect(integrity.parts.meta).toBe(
      await sha256Hex(canonicalJson({ format: report.format, schemaVersion: report.schemaVersion, id: report.id, createdAt: report.createdAt })),
    );
    expect(integrity.whole).toBe(await sha256Hex(canonicalJson(integrity.parts)));
    // Key order of the report does not change any hash.
    expect(await integrityOf(reverseKeys(report))).toEqual(integrity);
  });

  it('export then verify is ok', async () => {
    const exp = await freshExport();
    expect(exp.format).toBe('unmask-call-report');
    expect(exp.schemaVersion).toBe(3);
    expect(exp.exportedAt).toBe(EXPORTED_AT);
    expect(isReportExport(exp)).toBe(true);
    expect(await verifyExport(exp)).toEqual({ ok: true, mismatched: [], wholeMatches: true });
    // Also after a trip through the file format.
    expect(await verifyExport(JSON.parse(JSON.stringify(exp)) as ReportExport)).toEqual({ ok: true, mismatched: [], wholeMatches: true });
  });

  it('refuses to export a report it could not import again', async () => {
    await expect(buildExport(makeReport({ note: 'x'.repeat(10_001) }), EXPORTED_AT)).rejects.toThrow(/report\.note is longer than 10000/);
    await expect(buildExport(makeReport(), Number.NaN)).rejects.toThrow(/export time/);
  });

  const tamperings: [string, (exp: ReportExport) => void, string[]][] = [
    ['the note', (e) => void (e.report.note += ' (edited)'), ['note']],
    ['a label', (e) => void (e.report.participants[1]!.label = 'Someone else'), ['participants']],
    ['a timeline score', (e) => void (e.report.participants[1]!.timeline[50]!.score = 0.1), ['participants']],
    ['a key frame image', (e) => void (e.report.keyFrames[0]!.image = `data:image/jpeg;base64,${TINY_JPEG_BASE64.replace('AAAA', 'AAAB')}`), ['keyFrames/0']],
    ['the meeting URL', (e) => void (e.report.call.meetingUrl = 'https://meet.google.com/other-room'), ['call']],
    ['the report time', (e) => void (e.report.createdAt += 1), ['meta']],
    ['the model version', (e) => void (e.report.versions.model.releasedForVerdicts = false), ['versions']],
    ['a removed key frame', (e) => void e.report.keyFrames.pop(), ['keyFrames/0']],
  ];

  it.each(tamperings)('detects a change to %s and names the part', async (_what, tamper, parts) => {
    const exp = await freshExport();
    tamper(exp);
    const check = await verifyExport(exp);
    expect(check.ok).toBe(false);
    expect(check.mismatched).toEqual(parts);
    expect(check.wholeMatches).toBe(false);
  });

  it('detects a changed part hash (the whole of the real parts still matches)', async () => {
    const exp = await freshExport();
    exp.integrity.parts.participants = '0'.repeat(64);
    expect(await verifyExport(exp)).toEqual({ ok: false, mismatched: ['participants'], wholeMatches: true });
  });

  it('detects a changed whole, and missing or unexpected parts', async () => {
    const exp = await freshExport();
    exp.integrity.whole = 'f'.repeat(64);
    expect(await verifyExport(exp)).toEqual({ ok: false, mismatched: [], wholeMatches: false });

    const missing = await freshExport();
    delete missing.integrity.parts.versions;
    expect(await verifyExport(missing)).toMatchObject({ ok: false, mismatched: ['versions'] });

    const extra = await freshExport();
    extra.integrity.parts['keyFrames/7'] = 'a'.repeat(64);
    expect(await verifyExport(extra)).toMatchObject({ ok: false, mismatched: ['keyFrames/7'] });

    // A rewritten file whose hashes were all recomputed passes the file's own check: that is what "not a signature"
    // means; only a whole recorded elsewhere catches it.
    const forged = await freshExport();
    forged.report.note = 'Nothing happened.';
    forged.integrity = await integrityOf(forged.report);
    expect((await verifyExport(forged)).ok).toBe(true);
    expect(forged.integrity.whole).not.toBe((await freshExport()).integrity.whole);
  });
});

describe('parseImport', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('round-trips the JSON file', async () => {
    const exp = await freshExport();
    const text = JSON.stringify(exp, null, 2);
    const result = await parseImport(text, Buffer.byteLength(text));
    expect(result).toEqual({ ok: true, export: exp, check: { ok: true, mismatched: [], wholeMatches: true } });
  });

  it('round-trips the HTML file', async () => {
    const exp = await freshExport();
    const html = renderReportHtml(exp);
    const result = await parseImport(html, Buffer.byteLength(html));
    expect(result).toEqual({ ok: true, export: exp, check: { ok: true, mismatched: [], wholeMatches: true } });
  });

  it('accepts a file saved again with a byte-order mark and leading blank lines', async () => {
    const exp = await freshExport();
    const result = await parseImport(`\uFEFF\n\n${JSON.stringify(exp)}`, 0);
    expect(result.ok).toBe(true);
  });

  it('imports an altered file as ok, with the failed check, so the page can show it as altered', async () => {
    const exp = await freshExport();
    exp.report.participants[0]!.label = 'Mallory';
    const text = JSON.stringify(exp);
    const result = await parseImport(text, text.length);
    expect(result).toMatchObject({ ok: true, check: { ok: false, mismatched: ['participants'], wholeMatches: false } });
  });

  it('imports a schema-2 file: its hashes are checked as it was made, then it is upgraded to schema 3', async () => {
    // A schema-2 export as an earlier Unmask wrote it: hashed with schemaVersion 2 and its (then always empty) challenges.
    const v2Report = { ...makeReport(), schemaVersion: 2, challenges: [] } as unknown as CallReport;
    const v2 = { format: 'unmask-call-report', schemaVersion: 2, exportedAt: EXPORTED_AT, report: v2Report, integrity: await integrityOf(v2Report) };
    const text = JSON.stringify(v2);
    const result = await parseImport(text, text.length);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.check).toEqual({ ok: true, mismatched: [], wholeMatches: true });
    expect(result.export.schemaVersion).toBe(3);
    expect(result.export.report.schemaVersion).toBe(3);
    expect(result.export.report.participants).toEqual(v2Report.participants);
    // And an altered schema-2 file is still seen as altered.
    const altered = JSON.stringify({ ...v2, report: { ...v2Report, note: 'changed' } });
    const second = await parseImport(altered, altered.length);
    expect(second.ok && second.check.mismatched).toEqual(['note']);
  });

  it('validates caller-verification records strictly (steps, measurements, outcomes)', () => {
    const good = makeChallenge('p2', CALL_START);
    expect(challengeRecordProblem(good)).toBeNull();
    expect(callReportProblem(makeReport({ challenges: [good] }))).toBeNull();
    expect(challengeRecordProblem({ ...good, outcome: 'maybe' })).toMatch(/challenge\.outcome/);
    expect(challengeRecordProblem({ ...good, steps: [{ ...good.steps[0], measurements: { yawLeftDeg: Number.NaN } }] })).toMatch(/measurements\.yawLeftDeg is not a number/);
    expect(challengeRecordProblem({ ...good, steps: [{ ...good.steps[0], failedOn: ['vibes'] }] })).toMatch(/failedOn\[0\]/);
    expect(challengeRecordProblem({ ...good, steps: [{ ...good.steps[0], extra: 1 }] })).toMatch(/unexpected field "extra"/);
    expect(challengeRecordProblem({ ...good, steps: Array(6).fill(good.steps[0]) })).toMatch(/more than 5/);
    const many = Object.fromEntries(Array.from({ length: 41 }, (_, i) => [`m${i}`, i]));
    expect(challengeRecordProblem({ ...good, steps: [{ ...good.steps[0], measurements: many }] })).toMatch(/more than 40 figures/);
  });

  it('refuses a newer schema version with the specific message', async () => {
    const exp = await freshExport();
    const text = JSON.stringify({ ...exp, schemaVersion: 4, report: { ...exp.report, schemaVersion: 4 } });
    const result = await parseImport(text, text.length);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toMatch(/made by a newer Unmask/);
      expect(result.error).toMatch(/update the extension/);
    }
    // Also when only the embedded report says so.
    const inner = JSON.stringify({ ...exp, report: { ...exp.report, schemaVersion: 5 } });
    expect(await parseImport(inner, inner.length)).toEqual({ ok: false, error: expect.stringMatching(/made by a newer Unmask/) as unknown });
  });

  it('refuses oversize input before parsing it', async () => {
    const parse = vi.spyOn(JSON, 'parse');
    const text = JSON.stringify(await freshExport());
    const result = await parseImport(text, MAX_IMPORT_BYTES + 1);
    expect(result).toEqual({ ok: false, error: expect.stringMatching(/too large .*at most 40 MB/) as unknown });
    expect(parse).not.toHaveBeenCalled();
    // A caller that passes a wrong byte length is still covered by the text's own length.
    const huge = ' '.repeat(MAX_IMPORT_BYTES + 1);
    expect(await parseImport(huge, 10)).toMatchObject({ ok: false, error: expect.stringMatching(/too large/) as unknown });
    expect(parse).not.toHaveBeenCalled();
  });

  it.each<[string, string, RegExp]>([
    ['an empty file', '   \n', /empty/],
    ['plain text', 'hello', /neither an exported JSON file nor an exported HTML report/],
    ['a JSON list', '[1,2]', /neither/],
    ['broken JSON', '{"format": "unmask-call-report",', /not valid JSON/],
    ['another JSON document', '{"name": "package"}', /not an Unmask call report/],
    ['an HTML page without report data', '<!DOCTYPE html><p>hello</p>', /no embedded report data/],
    ['report data that never closes', '<html><script type="application/json" id="unmask-report-data">{"a":1}', /no embedded report data/],
    ['broken embedded JSON', '<html><script type="application/json" id="unmask-report-data">{"a":</script>', /inside this HTML file is damaged/],
    ['no schema version', '{"format": "unmask-call-report"}', /no valid format version/],
    ['an older schema version', '{"format": "unmask-call-report", "schemaVersion": 1}', /old format \(1\)/],
  ])('refuses %s with a clear message', async (_what, text, message) => {
    const result = await parseImport(text, text.length);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(message);
  });

  it('names the invalid field when validation fails', async () => {
    const exp = clone(await freshExport()) as unknown as { report: { participants: { timeline: { score: unknown }[] }[] } };
    exp.report.participants[1]!.timeline[40]!.score = 1.5;
    const text = JSON.stringify(exp);
    expect(await parseImport(text, text.length)).toEqual({
      ok: false,
      error: 'This report file is invalid and was not imported: report.participants[1].timeline[40].score is neither null nor a number from 0 to 1.',
    });
  });

  it('never throws, even when given something that is not a string', async () => {
    await expect(parseImport(null as unknown as string, 0)).resolves.toMatchObject({ ok: false });
    await expect(parseImport({ length: 3 } as unknown as string, Number.NaN)).resolves.toMatchObject({ ok: false });
  });
});

describe('worstVerdict and metaOf', () => {
  it('takes the gravest verdict over final verdicts and timelines', () => {
    const report = makeReport();
    expect(worstVerdict(report)).toBe('deepfake');
    const calm = makeReport();
    calm.participants = calm.participants.slice(0, 1);
    expect(worstVerdict(calm)).toBe('genuine');
    // A suspicious moment counts even if the call ended genuine.
    calm.participants[0]!.timeline[10]!.verdict = 'suspicious';
    expect(worstVerdict(calm)).toBe('suspicious');
    expect(worstVerdict(makeReport({ participants: [] }))).toBe('insufficient');
  });

  it('summarises a report for the list', async () => {
    const report = makeReport();
    const integrity = await verifyExport(await freshExport());
    expect(metaOf(report, { imported: true, integrity })).toEqual({
      id: report.id,
      createdAt: report.createdAt,
      site: 'https://meet.google.com',
      meetingUrl: 'https://meet.google.com/abc-defg-hij',
      participantCount: 2,
      worstVerdict: 'deepfake',
      keyFrameCount: 1,
      imported: true,
      integrity,
      delivery: { state: 'none' },
    });
    expect(metaOf(report, { imported: false, integrity: null })).toMatchObject({ imported: false, integrity: null, delivery: { state: 'none' } });
  });
});

describe('isCallReport', () => {
  it('accepts the fixture and a report of a call that goes on, without frames, note or participants', () => {
    expect(isCallReport(makeReport())).toBe(true);
    const ongoing = makeReport({ keyFrames: [], note: '', participants: [] });
    ongoing.call.endedAt = null;
    expect(isCallReport(ongoing)).toBe(true);
  });
});
