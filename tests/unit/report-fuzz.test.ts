/**
 * Hostile and broken report files: seeded random mutations of a valid export (as JSON and as HTML) must never make
 * the import throw or let through anything that fails validation; and a table of malformed reports, each of which
 * the validator must refuse. Set UNMASK_FUZZ_SEED to replay another seed; a failure names its iteration and
 * mutations.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from './fixtures/prng';
import { buildExport, callReportProblem, isCallReport, isReportExport, MAX_IMAGE_CHARS, parseImport } from '../../src/core/report-format';
import { renderReportHtml, scriptSafeJson } from '../../src/core/report-html';
import type { CallReport, ReportExport } from '../../src/shared/report-types';
import { clone, makeChallenge, makeReport, TINY_JPEG_BASE64, TINY_JPEG_DATA_URL } from './fixtures/report';

const SEED = Number(process.env.UNMASK_FUZZ_SEED ?? 0x5eed2025) >>> 0;
const ITERATIONS = 2000;
const EXPORTED_AT = Date.UTC(2025, 2, 14, 10, 0, 0);


type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Container = Json[] | { [key: string]: Json };

class Fuzzer {
  constructor(readonly random: () => number) {}

  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  chance(p: number): boolean {
    return this.random() < p;
  }
}

/** Marks where a 10 000-level nesting goes: built as text, since building it as an object is no test of parsing. */
const DEEP = '\u0000deep\u0000';
const DEEP_JSON = `${'['.repeat(5000)}${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}${']'.repeat(5000)}`;

function wrongValue(f: Fuzzer): Json {
  const values: (() => Json)[] = [
    () => null,
    () => true,
    () => false,
    () => 0,
    () => -1,
    () => 1.0000001,
    () => 2,
    () => -1e-9,
    () => 8.64e15 + 1,
    () => 1e308,
    () => '',
    () => 'x',
    () => '1',
    () => 'null',
    () => [],
    () => [1, 2, 3],
    () => ({}),
    () => ({ a: 1 }),
    () => 'data:image/png;base64,AAAA',
    () => 'data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+',
    () => `${TINY_JPEG_DATA_URL}"><script>`,
    () => 'javascript:alert(1)',
    () => 'https://evil.example/?pwd=1',
    () => 'https://user:pw@evil.example/',
    () => '</script><script>alert(1)</script>',
    () => '<img src=x onerror=alert(1)>',
    () => '\u2028\u2029\ud800',
    () => 'deepfake',
    () => 'face-tracked',
    () => 'SHA-256',
    () => 'a'.repeat(64),
    () => 'A'.repeat(64),
    () => DEEP,
    () => 'x'.repeat(f.pick([65, 201, 501, 1001, 2049, 10_001, 100_000])),
    () => `data:image/jpeg;base64,${'A'.repeat(MAX_IMAGE_CHARS)}`,
    () => protoKeys(f),
  ];
  return f.pick(values)();
}

/** An object with the keys that pollute prototypes when code assigns them naively. */
function protoKeys(f: Fuzzer): Json {
  const obj: { [key: string]: Json } = {};
  for (const key of ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString']) {
    if (f.chance(0.6)) Object.defineProperty(obj, key, { value: f.chance(0.5) ? { polluted: true } : 'x', enumerable: true, writable: true, configurable: true });
  }
  return obj;
}

/** Every (container, key) slot in the tree, so a mutation can land anywhere. */
function slots(root: Json): [Container, string | number][] {
  const out: [Container, string | number][] = [];
  const walk = (node: Json): void => {
    if (Array.isArray(node)) {
      node.forEach((child, i) => {
        out.push([node, i]);
        walk(child);
      });
    } else if (node !== null && typeof node === 'object') {
      for (const key of Object.keys(node)) {
        out.push([node, key]);
        walk(node[key] ?? null);
      }
    }
  };
  walk(root);
  return out;
}

function containers(root: Json): Container[] {
  const out: Container[] = [];
  const walk = (node: Json): void => {
    if (Array.isArray(node)) {
      out.push(node);
      node.forEach(walk);
    } else if (node !== null && typeof node === 'object') {
      out.push(node);
      Object.values(node).forEach(walk);
    }
  };
  walk(root);
  return out;
}

function setSlot(container: Container, key: string | number, value: Json): void {
  if (Array.isArray(container)) container[Number(key)] = value;
  else Object.defineProperty(container, String(key), { value, enumerable: true, writable: true, configurable: true });
}

interface Doc {
  data: Json;
  /** A member to append to one object when serialising: a duplicate key, whose later value JSON.parse keeps. */
  duplicate: { target: Container; key: string; value: Json } | null;
}

/** One structural mutation; returns what it did, for the failure message. */
function mutateData(f: Fuzzer, doc: Doc): string {
  const all = slots(doc.data);
  const [container, key] = f.pick(all);
  switch (f.int(7)) {
    case 0: {
      if (Array.isArray(container)) container.splice(Number(key), 1);
      else delete container[key];
      return `delete ${String(key)}`;
    }
    case 1:
    case 2: {
      setSlot(container, key, wrongValue(f));
      return `replace ${String(key)}`;
    }
    case 3: {
      const objects = containers(doc.data).filter((c) => !Array.isArray(c));
      const target = f.pick(objects) as { [key: string]: Json };
      const keys = Object.keys(target);
      if (keys.length === 0) return 'duplicate (none)';
      const dup = f.pick(keys);
      doc.duplicate = { target, key: dup, value: f.chance(0.5) ? wrongValue(f) : clone(target[dup] ?? null) };
      return `duplicate key ${dup}`;
    }
    case 4: {
      const target = f.pick(containers(doc.data));
      const extra = f.pick(['__proto__', 'constructor', 'prototype', 'extra', 'toString', '']);
      if (Array.isArray(target)) target.push(wrongValue(f));
      else setSlot(target, extra, wrongValue(f));
      return `add ${extra}`;
    }
    case 5: {
      // Over a limit: a list grown one past its maximum (or far past it).
      const lists = containers(doc.data).filter((c): c is Json[] => Array.isArray(c) && c.length > 0);
      const list = f.pick(lists);
      // Past each limit (24 frames, 50 reasons, 64 participants, 100 parts, 4000 points), but not into hundreds of
      // megabytes: a list of participants or images grows less far.
      const size = JSON.stringify(list[0]).length;
      const target = f.pick([25, 51, 65, 101, 201, 4001].filter((n) => n === 25 || n * size < 4_000_000));
      while (list.length < target) list.push(clone(list[0] ?? null));
      return `grow a list to ${target}`;
    }
    default: {
      // A plausible but different value of the same type: often still valid, so the import must accept it and flag
      // the hashes.
      const current = Array.isArray(container) ? container[Number(key)] : container[key];
      if (typeof current === 'number') setSlot(container, key, f.chance(0.5) ? current + 1 : f.random());
      else if (typeof current === 'string') setSlot(container, key, `${current}!`);
      else if (typeof current === 'boolean') setSlot(container, key, !current);
      return `tweak ${String(key)}`;
    }
  }
}

function serialise(doc: Doc): string {
  const write = (node: Json): string => {
    if (Array.isArray(node)) return `[${node.map(write).join(',')}]`;
    if (node !== null && typeof node === 'object') {
      const members = Object.keys(node).map((k) => `${JSON.stringify(k)}:${write(node[k] ?? null)}`);
      if (doc.duplicate?.target === node) members.push(`${JSON.stringify(doc.duplicate.key)}:${write(doc.duplicate.value)}`);
      return `{${members.join(',')}}`;
    }
    if (node === DEEP) return DEEP_JSON;
    return JSON.stringify(node);
  };
  return write(doc.data);
}

const NOISE = ['{', '}', '[', ']', '"', '\\', ',', ':', '<', '>', '/', '\u0000', '\u2028', '\ud83d', 'é', ' ', '\n', 'a', '0', '-', 'e', 'null', '1e400', '</script>', '<!--'];

/** One byte-level mutation of the file's text. */
function mutateText(f: Fuzzer, text: string): [string, string] {
  const at = f.int(text.length + 1);
  switch (f.int(6)) {
    case 0:
      return [text.slice(0, at), `truncate at ${at}`];
    case 1: {
      let out = text;
      const n = 1 + f.int(8);
      for (let i = 0; i < n; i++) {
        const p = f.int(out.length);
        out = out.slice(0, p) + f.pick(NOISE) + out.slice(p + 1);
      }
      return [out, `${n} random replacements`];
    }
    case 2:
      return [text.slice(0, at) + f.pick(NOISE) + text.slice(at), `insert at ${at}`];
    case 3: {
      const numbers = [...text.matchAll(/-?\d+(\.\d+)?([eE][+-]?\d+)?/g)];
      if (numbers.length === 0) return [text, 'no number'];
      const m = f.pick(numbers);
      const replacement = f.pick(['1e400', '-1e400', '-0', '1e-400', '99999999999999999999', '0.5']);
      return [text.slice(0, m.index) + replacement + text.slice(m.index + m[0].length), `number → ${replacement}`];
    }
    case 4: {
      const end = Math.min(text.length, at + f.int(200));
      return [text.slice(0, at) + text.slice(end), `cut ${at}..${end}`];
    }
    default: {
      const random = Array.from({ length: 1 + f.int(64) }, () => String.fromCharCode(f.int(0x10000))).join('');
      return [text.slice(0, at) + random + text.slice(at), `random chars at ${at}`];
    }
  }
}

/** An HTML file around some JSON: as the writer makes it, or with the element itself damaged. */
function htmlAround(f: Fuzzer, base: string, json: string): [string, string] {
  const open = '<script type="application/json" id="unmask-report-data">';
  const start = base.indexOf(open) + open.length;
  const end = base.indexOf('</script>', start);
  const before = base.slice(0, start);
  const after = base.slice(end);
  switch (f.int(6)) {
    case 0:
      return [before + json, 'no closing tag'];
    case 1:
      return [before.replace(open, '<script type="application/json" id="other">') + json + after, 'wrong id'];
    case 2:
      return [before + json + after + open + '{}</script>', 'a second data element'];
    default:
      return [before + json + after, 'as written'];
  }
}

/** About a third of the time, one byte-level mutation of the whole file (recorded in `steps`). */
function maybeMutateText(f: Fuzzer, text: string, steps: string[]): string {
  if (!f.chance(0.35)) return text;
  const [mutated, step] = mutateText(f, text);
  steps.push(step);
  return mutated;
}

async function importOf(text: string): Promise<Awaited<ReturnType<typeof parseImport>>> {
  return parseImport(text, Buffer.byteLength(text, 'utf8'));
}

function expectSound(result: Awaited<ReturnType<typeof parseImport>>, what: string): void {
  if (result.ok) {
    expect(isReportExport(result.export), what).toBe(true);
    expect(typeof result.check.ok, what).toBe('boolean');
    expect(typeof result.check.wholeMatches, what).toBe('boolean');
    expect(result.check.mismatched.every((name) => typeof name === 'string'), what).toBe(true);
  } else {
    expect(typeof result.error, what).toBe('string');
    expect(result.error.length, what).toBeGreaterThan(0);
    // The catch-all is for bugs: every refusal the fuzzer provokes must have its own message.
    expect(result.error, what).not.toMatch(/^This file could not be read as an Unmask report/);
  }
}

describe(`report import fuzzing (seed ${SEED}, ${ITERATIONS} iterations per form)`, () => {
  let base: ReportExport;
  const tally = { json: { ok: 0, refused: 0, altered: 0 }, html: { ok: 0, refused: 0, altered: 0 } };

  /** Imports one fuzzed file: it must not throw, and its outcome must be sound; tallies the outcome. */
  const checkImport = async (form: 'json' | 'html', text: string, what: string): Promise<void> => {
    let result: Awaited<ReturnType<typeof parseImport>>;
    try {
      result = await importOf(text);
    } catch (e) {
      throw new Error(`${what}: parseImport threw ${String(e)}`, { cause: e });
    }
    expectSound(result, what);
    if (!result.ok) tally[form].refused++;
    else if (result.check.ok) tally[form].ok++;
    else tally[form].altered++;
  };

  it(`JSON files (seed ${SEED}): never throws, refuses with a message or returns a valid export`, async () => {
    base = await buildExport(makeReport(), EXPORTED_AT);
    const f = new Fuzzer(mulberry32(SEED));
    for (let i = 0; i < ITERATIONS; i++) {
      const doc: Doc = { data: clone(base) as unknown as Json, duplicate: null };
      const steps: string[] = [];
      const structural = 1 + f.int(3);
      for (let k = 0; k < structural; k++) if (f.chance(0.7)) steps.push(mutateData(f, doc));
      const text = maybeMutateText(f, serialise(doc), steps);
      await checkImport('json', text, `seed ${SEED} iteration ${i}: ${steps.join('; ') || 'unchanged'}`);
    }
    // The run must exercise all three outcomes, or it tests less than it claims.
    expect(tally.json.refused).toBeGreaterThan(ITERATIONS / 4);
    expect(tally.json.altered).toBeGreaterThan(10);
    expect(tally.json.ok).toBeGreaterThan(10);
  }, 120_000);

  it(`HTML files (seed ${SEED}): never throws, refuses with a message or returns a valid export`, async () => {
    base ??= await buildExport(makeReport(), EXPORTED_AT);
    const html = renderReportHtml(base);
    const f = new Fuzzer(mulberry32(SEED ^ 0x9e3779b9));
    for (let i = 0; i < ITERATIONS; i++) {
      const doc: Doc = { data: clone(base) as unknown as Json, duplicate: null };
      const steps: string[] = [];
      const structural = f.int(3);
      for (let k = 0; k < structural; k++) steps.push(mutateData(f, doc));
      // Mostly json as the writer does; sometimes raw, so that a "</script>" in a value ends the element early.
      const raw = serialise(doc);
      const json = f.chance(0.85) ? raw.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : raw;
      const [wrapped, around] = htmlAround(f, html, json);
      steps.push(around);
      const text = maybeMutateText(f, wrapped, steps);
      await checkImport('html', text, `seed ${SEED} iteration ${i}: ${steps.join('; ')}`);
    }
    expect(tally.html.refused).toBeGreaterThan(ITERATIONS / 4);
    expect(tally.html.altered).toBeGreaterThan(10);
    expect(tally.html.ok).toBeGreaterThan(10);
  }, 120_000);

  it('the writer’s own escaping agrees with the fuzzer’s', () => {
    const sample = { s: '<>&\u2028\u2029' };
    expect(scriptSafeJson(sample)).toBe(JSON.stringify(sample).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  });
});

describe('isCallReport refuses each malformed report', () => {
  type Mutation = (r: CallReport & Record<string, unknown>) => void;
  const p = (r: CallReport, i = 0): CallReport['participants'][number] => r.participants[i]!;
  const point = (r: CallReport): CallReport['participants'][number]['timeline'][number] => p(r, 1).timeline[40]!;
  const frame = (r: CallReport): CallReport['keyFrames'][number] => r.keyFrames[0]!;
  const set = (obj: object, key: string, value: unknown): void => {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  };
  const challenge = makeChallenge('p2', 1, { outcome: 'passed', detail: '' });

  const cases: [string, Mutation, RegExp][] = [
    ['wrong format', (r) => set(r, 'format', 'unmask-report'), /report\.format/],
    ['older schema version', (r) => set(r, 'schemaVersion', 1), /report\.schemaVersion/],
    ['schema version as text', (r) => set(r, 'schemaVersion', '2'), /report\.schemaVersion/],
    ['missing id', (r) => void delete (r as Record<string, unknown>).id, /report\.id is missing/],
    ['empty id', (r) => set(r, 'id', ''), /report\.id is empty/],
    ['id too long', (r) => set(r, 'id', 'x'.repeat(65)), /report\.id is longer than 64/],
    ['NaN time', (r) => set(r, 'createdAt', Number.NaN), /report\.createdAt/],
    ['infinite time', (r) => set(r.call, 'startedAt', Infinity), /report\.call\.startedAt/],
    ['time beyond any date', (r) => set(r.call, 'startedAt', 9e15), /report\.call\.startedAt/],
    ['time as text', (r) => set(r.call, 'endedAt', '2025-03-14'), /report\.call\.endedAt/],
    ['unknown top-level field', (r) => set(r, 'extra', 1), /unexpected field "extra"/],
    ['__proto__ field', (r) => set(r, '__proto__', { polluted: true }), /unexpected field "__proto__"/],
    ['constructor field in a participant', (r) => set(p(r), 'constructor', 'x'), /participants\[0\] has an unexpected field "constructor"/],
    ['site with a path', (r) => set(r.call, 'site', 'https://meet.google.com/abc'), /report\.call\.site is not a site origin/],
    ['site not http', (r) => set(r.call, 'site', 'file://'), /report\.call\.site/],
    ['meeting URL with a password', (r) => set(r.call, 'meetingUrl', 'https://zoom.us/j/1?pwd=x'), /report\.call\.meetingUrl still has/],
    ['meeting URL with credentials', (r) => set(r.call, 'meetingUrl', 'https://a:b@zoom.us/j/1'), /report\.call\.meetingUrl still has/],
    ['meeting URL javascript:', (r) => set(r.call, 'meetingUrl', 'javascript:alert(1)'), /report\.call\.meetingUrl is not an http/],
    ['meeting URL garbage', (r) => set(r.call, 'meetingUrl', 'not a url'), /report\.call\.meetingUrl is not a web address/],
    ['meeting URL too long', (r) => set(r.call, 'meetingUrl', `https://a.example/${'x'.repeat(2048)}`), /longer than 2048/],
    ['participants not a list', (r) => set(r, 'participants', {}), /report\.participants is not a list/],
    ['65 participants', (r) => set(r, 'participants', Array.from({ length: 65 }, (_, i) => ({ ...p(r), id: `p${i}` }))), /more than 64/],
    ['label too long', (r) => set(p(r), 'label', 'x'.repeat(201)), /participants\[0\]\.label is longer than 200/],
    ['label not text', (r) => set(p(r), 'label', 42), /participants\[0\]\.label is not text/],
    ['unknown final verdict', (r) => set(p(r), 'finalVerdict', 'fake'), /finalVerdict is not one of/],
    ['peak score above 1', (r) => set(p(r), 'peakScore', 1.01), /peakScore/],
    ['negative peak score', (r) => set(p(r), 'peakScore', -0.1), /peakScore/],
    ['51 reasons', (r) => set(p(r), 'reasons', Array.from({ length: 51 }, () => 'r')), /reasons has more than 50/],
    ['reason too long', (r) => set(p(r), 'reasons', ['x'.repeat(501)]), /reasons\[0\] is longer than 500/],
    ['reason not text', (r) => set(p(r), 'reasons', [null]), /reasons\[0\] is not text/],
    ['4001 timeline points', (r) => set(p(r), 'timeline', Array.from({ length: 4001 }, () => point(r))), /timeline has more than 4000/],
    ['timeline point with a bad state', (r) => set(point(r), 'state', 'dancing'), /timeline\[40\]\.state/],
    ['timeline point with a bad verdict', (r) => set(point(r), 'verdict', 'DEEPFAKE'), /timeline\[40\]\.verdict/],
    ['timeline score as text', (r) => set(point(r), 'score', '0.5'), /timeline\[40\]\.score/],
    ['timeline score NaN', (r) => set(point(r), 'score', Number.NaN), /timeline\[40\]\.score/],
    ['timeline reason too long', (r) => set(point(r), 'reason', 'x'.repeat(501)), /timeline\[40\]\.reason/],
    ['timeline point missing t', (r) => void delete (point(r) as Partial<CallReport['participants'][number]['timeline'][number]>).t, /timeline\[40\]\.t is missing/],
    ['timeline point with an extra field', (r) => set(point(r), 'evil', '<script>'), /unexpected field "evil"/],
    ['challenge with a bad outcome', (r) => set(r, 'challenges', [{ ...challenge, outcome: 'maybe' }]), /challenges\[0\]\.outcome/],
    ['challenge detail too long', (r) => set(r, 'challenges', [{ ...challenge, detail: 'x'.repeat(501) }]), /challenges\[0\]\.detail/],
    ['versions missing model', (r) => void delete (r.versions as Partial<CallReport['versions']>).model, /report\.versions\.model is missing/],
    ['releasedForVerdicts as text', (r) => set(r.versions.model, 'releasedForVerdicts', 'yes'), /releasedForVerdicts/],
    ['user agent too long', (r) => set(r.versions, 'userAgent', 'x'.repeat(1001)), /userAgent/],
    ['25 key frames', (r) => set(r, 'keyFrames', Array.from({ length: 25 }, () => frame(r))), /keyFrames has more than 24/],
    ['PNG key frame', (r) => set(frame(r), 'image', 'data:image/png;base64,iVBORw0KGgo='), /keyFrames\[0\]\.image is not a JPEG/],
    ['SVG key frame', (r) => set(frame(r), 'image', 'data:image/svg+xml;base64,PHN2Zz4='), /not a JPEG/],
    ['key frame from a URL', (r) => set(frame(r), 'image', 'https://evil.example/x.jpg'), /not a JPEG/],
    ['key frame with markup after the data', (r) => set(frame(r), 'image', `${TINY_JPEG_DATA_URL}"><script>`), /not a JPEG/],
    ['key frame with a line break', (r) => set(frame(r), 'image', `data:image/jpeg;base64,${TINY_JPEG_BASE64}\n`), /not a JPEG/],
    ['key frame with three padding characters', (r) => set(frame(r), 'image', `data:image/jpeg;base64,AAAA===`), /not a JPEG/],
    ['key frame over 2 000 000 characters', (r) => set(frame(r), 'image', `data:image/jpeg;base64,${'A'.repeat(MAX_IMAGE_CHARS)}`), /larger than 2000000/],
    ['key frame box missing', (r) => void delete (frame(r) as Partial<CallReport['keyFrames'][number]>).faceBox, /faceBox is missing/],
    ['key frame box NaN', (r) => set(frame(r).faceBox, 'x', Number.NaN), /faceBox\.x/],
    ['key frame score 2', (r) => set(frame(r), 'score', 2), /keyFrames\[0\]\.score/],
    ['othersBlurred as number', (r) => set(frame(r), 'othersBlurred', 1), /othersBlurred/],
    ['note too long', (r) => set(r, 'note', 'x'.repeat(10_001)), /report\.note is longer than 10000/],
    ['note missing', (r) => void delete (r as Partial<CallReport>).note, /report\.note is missing/],
    ['note null', (r) => set(r, 'note', null), /report\.note is not text/],
  ];

  it.each(cases)('%s', (_name, mutate, message) => {
    const report = clone(makeReport()) as CallReport & Record<string, unknown>;
    mutate(report);
    expect(isCallReport(report)).toBe(false);
    expect(callReportProblem(report)).toMatch(message);
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['a string', 'report'],
    ['a list', [makeReport()]],
    ['a number', 2],
    ['an empty object', {}],
  ])('%s is not a report', (_name, value) => {
    expect(isCallReport(value)).toBe(false);
  });

  it('and accepts the values at the limits', () => {
    const report = makeReport();
    p(report).label = 'x'.repeat(200);
    p(report).reasons = Array.from({ length: 50 }, () => 'r'.repeat(500));
    p(report).peakScore = 1;
    point(report).score = 0;
    report.note = 'n'.repeat(10_000);
    report.id = 'i'.repeat(64);
    report.keyFrames = Array.from({ length: 24 }, () => ({ ...frame(report) }));
    frame(report).image = `data:image/jpeg;base64,${'A'.repeat(MAX_IMAGE_CHARS - 'data:image/jpeg;base64,'.length)}`;
    report.participants = Array.from({ length: 64 }, (_, i) => ({ ...p(report), id: `p${i}` }));
    p(report).timeline = Array.from({ length: 4000 }, () => ({ ...point(report) }));
    expect(callReportProblem(report)).toBeNull();
  });
});
