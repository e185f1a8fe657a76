import { Window } from 'happy-dom';
import { afterAll, describe, expect, it } from 'vitest';
import { buildExport, parseImport } from '../../src/core/report-format';
import { escapeHtml, renderReportHtml, REPORT_HTML_CSP, scriptSafeJson } from '../../src/core/report-html';
import { DEFAULT_FUSION } from '../../src/core/risk-fusion';
import type { CallReport, ReportExport } from '../../src/shared/report-types';
import { CALL_START, makeChallenge, makeReport, TINY_JPEG_DATA_URL } from './fixtures/report';

const EXPORTED_AT = Date.UTC(2025, 2, 14, 10, 0, 0);

// A real HTML parser, with scripts off, to look at the document the way a browser builds it.
const window = new Window({ settings: { disableJavaScriptEvaluation: true, disableJavaScriptFileLoading: true, disableCSSFileLoading: true } });
afterAll(async () => {
  await window.happyDOM.close();
});

function parse(html: string): Document {
  return new window.DOMParser().parseFromString(html, 'text/html') as unknown as Document;
}

async function render(report: CallReport = makeReport()): Promise<{ exp: ReportExport; html: string; doc: Document }> {
  const exp = await buildExport(report, EXPORTED_AT);
  const html = renderReportHtml(exp);
  return { exp, html, doc: parse(html) };
}

/**
 * Every start tag in the markup with its quoted attribute values blanked, as the HTML tokenizer splits it (escaped
 * text inside a value is only text). The JSON element holds no `<`, so it adds no tags.
 */
function startTagsWithoutValues(html: string): string[] {
  return (html.match(/<[a-zA-Z](?:"[^"]*"|'[^']*'|[^>"'])*>/g) ?? []).map((tag) => tag.replace(/"[^"]*"|'[^']*'/g, '""'));
}

describe('escapeHtml', () => {
  it('escapes what could end text or an attribute', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;');
    expect(escapeHtml('plain – text 😀')).toBe('plain – text 😀');
  });
});

describe('scriptSafeJson', () => {
  it('escapes <, >, &, U+2028 and U+2029 and still parses back', () => {
    const value = { s: '</script><!-- & \u2028 \u2029 >' };
    const json = scriptSafeJson(value);
    expect(json).not.toMatch(/[<>&\u2028\u2029]/);
    expect(json).toContain('\\u003c/script\\u003e');
    expect(JSON.parse(json)).toEqual(value);
  });
});

describe('renderReportHtml', () => {
  it('is a document with a CSP that allows no script, fetch or foreign image', async () => {
    const { html, doc } = await render();
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    const csp = doc.querySelector('meta[http-equiv="Content-Security-Policy"]');
    expect(csp?.getAttribute('content')).toBe("default-src 'none'; img-src data:; style-src 'unsafe-inline'");
    expect(REPORT_HTML_CSP).toBe(csp?.getAttribute('content'));
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">`);
    // The CSP comes right after the charset, before anything it has to govern.
    expect(doc.head.children[0]?.getAttribute('charset')).toBe('utf-8');
    expect(doc.head.children[1]).toBe(csp);
    expect(doc.querySelectorAll('link, iframe, object, embed, form, base, audio, video').length).toBe(0);
  });

  it('shows the call, versions, times in ISO and readable UTC', async () => {
    const { exp, doc } = await render();
    const text = doc.body.textContent ?? '';
    expect(doc.querySelector('h1')?.textContent).toBe('Unmask call report');
    expect(text).toContain(new Date(exp.report.createdAt).toISOString());
    expect(text).toContain('14 Mar 2025, 09:31:05 UTC');
    expect(text).toContain(new Date(EXPORTED_AT).toISOString());
    expect(text).toContain('14 Mar 2025, 10:00:00 UTC');
    expect(text).toContain('https://meet.google.com/abc-defg-hij');
    expect(text).toContain('14 Mar 2025, 09:31:02 UTC'); // call end
    expect(text).toContain('unmask-face-swap v1 – released for verdicts');
    expect(text).toContain('Chrome/126.0.0.0');
    expect(text).not.toContain('still going on');
    expect(text).not.toContain('not released for live verdicts');
  });

  it('says when the call was still going on and when the model was not released', async () => {
    const report = makeReport();
    report.call.endedAt = null;
    report.versions.model.releasedForVerdicts = false;
    const text = (await render(report)).doc.body.textContent ?? '';
    expect(text).toContain('still going on');
    expect(text).toContain('not released for verdicts');
    expect(text).toContain('not released for live verdicts');
  });

  it('shows each participant: label, seen, final verdict, peak score, reasons and a score chart with thresholds and gaps', async () => {
    const { exp, doc } = await render();
    const articles = [...doc.querySelectorAll('article')];
    expect(articles).toHaveLength(2);
    const boss = articles[1]!;
    expect(boss.querySelector('h3')?.textContent).toBe('CEO – Jean Dupont (p2)');
    expect(boss.textContent).toContain('Likely deepfake');
    expect(boss.textContent).toContain(`Peak score${exp.report.participants[1]!.peakScore!.toFixed(2)}`);
    expect([...boss.querySelectorAll('li')].map((li) => li.textContent)).toEqual(exp.report.participants[1]!.reasons);
    expect(boss.textContent).toContain('+1.5 s');

    const svg = boss.querySelector('svg');
    expect(svg).not.toBeNull();
    // One line before the no-face gap, one after it.
    expect(svg!.querySelectorAll('path')).toHaveLength(2);
    const dashed = [...svg!.querySelectorAll('line[stroke-dasharray]')];
    expect(dashed).toHaveLength(2);
    // Both thresholds, from the fusion's defaults, on a 0..1 axis: the deepfake line sits above the suspicious one.
    const [suspicious, deepfake] = dashed.map((line) => Number(line.getAttribute('y1')));
    expect(deepfake!).toBeLessThan(suspicious!);
    const axis = [...svg!.querySelectorAll('text')].map((t) => t.textContent);
    expect(axis).toContain(`suspicious ${DEFAULT_FUSION.suspicious.enter.toFixed(2)}`);
    expect(axis).toContain(`likely deepfake ${DEFAULT_FUSION.deepfake.enter.toFixed(2)}`);
    expect(axis).toContain('0 s');
    expect(boss.querySelector('figcaption')?.textContent).toMatch(/risk score .* seconds from the start of the call/);
    // y scale: 0 at the bottom, 1 at the top of a 220-px plot; 0.74 and 0.89 between, in proportion.
    const y0 = Number(svg!.querySelector('line')?.getAttribute('y1'));
    const yOf = (v: number): number => y0 - v * (y0 - 12);
    expect(suspicious).toBeCloseTo(yOf(DEFAULT_FUSION.suspicious.enter), 0);
    expect(deepfake).toBeCloseTo(yOf(DEFAULT_FUSION.deepfake.enter), 0);
  });

  it('explains, instead of a chart, when a participant never had a score', async () => {
    const report = makeReport();
    const p = report.participants[0]!;
    p.timeline = p.timeline.map((point) => ({ ...point, verdict: 'insufficient', score: null, reason: 'not enough evidence yet' }));
    p.peakScore = null;
    p.finalVerdict = 'insufficient';
    const { doc } = await render(report);
    const article = doc.querySelectorAll('article')[0]!;
    expect(article.querySelector('svg')).toBeNull();
    expect(article.textContent).toContain('No score was shown for this participant');
    expect(article.textContent).toContain('Peak scorenone');
  });

  it('draws an isolated scored point as a dot', async () => {
    const report = makeReport();
    const p = report.participants[0]!;
    p.timeline = p.timeline.map((point, i) => ({ ...point, score: i === 20 ? 0.5 : null }));
    const svg = (await render(report)).doc.querySelectorAll('article')[0]!.querySelector('svg')!;
    expect(svg.querySelectorAll('path')).toHaveLength(0);
    expect(svg.querySelectorAll('circle')).toHaveLength(1);
  });

  it('lists verify-caller challenges, or says none was run', async () => {
    expect((await render()).doc.body.textContent).toContain('No caller verification was run');
    const report = makeReport({
      challenges: [makeChallenge('p2', CALL_START + 40_000)],
    });
    const section = (await render(report)).doc.querySelector('section.challenge');
    expect(section?.querySelector('h3')?.textContent).toContain('CEO – Jean Dupont');
    expect(section?.querySelector('h3')?.textContent).toContain('Failed (counted toward the verdict)');
    const rows = section?.querySelectorAll('tbody tr') ?? [];
    expect(rows).toHaveLength(2);
    expect(rows[0]?.textContent).toContain('turn your head slowly to your left');
    expect(rows[0]?.textContent).toContain('The face was lost at 41° of turn');
    expect(rows[0]?.textContent).toContain('yawLeftDeg 63.2');
    expect(rows[1]?.textContent).toContain('Not performed');
    expect(section?.textContent).toContain('hang up and call back');
  });

  it('shows key frames as JPEG data URLs with time, score and the blur note', async () => {
    const { doc } = await render();
    const imgs = [...doc.querySelectorAll('img')];
    expect(imgs.map((img) => img.getAttribute('src'))).toEqual([TINY_JPEG_DATA_URL]);
    const caption = imgs[0]!.closest('figure')?.querySelector('figcaption')?.textContent ?? '';
    expect(caption).toContain('Detector score: 0.93');
    expect(caption).toContain('+55.5 s');
    expect(caption).toContain('blurred');
    const none = await render(makeReport({ keyFrames: [] }));
    expect(none.doc.body.textContent).toContain('No key frames were kept');
  });

  it('never puts anything but a JPEG data URL in an image source', async () => {
    const exp = await buildExport(makeReport(), EXPORTED_AT);
    // renderReportHtml takes typed data, but check the last line of defence anyway.
    exp.report.keyFrames[0]!.image = 'data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+';
    const doc = parse(renderReportHtml(exp));
    expect(doc.querySelectorAll('img')).toHaveLength(0);
    expect(doc.body.textContent).toContain('Image left out');
  });

  it('keeps the note as text with its line breaks', async () => {
    const { exp, doc } = await render();
    const pre = doc.querySelector('pre.note');
    expect(pre?.textContent).toBe(exp.report.note);
    expect(exp.report.note).toContain('\n');
  });

  it('lists every part hash and the whole, and says how to check them', async () => {
    const { exp, doc } = await render();
    const text = doc.body.textContent ?? '';
    for (const [name, hash] of Object.entries(exp.integrity.parts)) {
      expect(text).toContain(name);
      expect(text).toContain(hash);
    }
    expect(text).toContain(exp.integrity.whole);
    expect(text).toMatch(/Reports page of Unmask/);
    expect(text).toMatch(/not a signature/);
  });

  it('embeds the export as inert JSON that parses back to the same data', async () => {
    const { exp, doc } = await render();
    const scripts = [...doc.querySelectorAll('script')];
    expect(scripts).toHaveLength(1);
    expect(scripts[0]!.getAttribute('type')).toBe('application/json');
    expect(scripts[0]!.id).toBe('unmask-report-data');
    expect(JSON.parse(scripts[0]!.textContent ?? '')).toEqual(exp);
  });

  describe('with hostile text from the call page and the user', () => {
    const hostile = (): CallReport => {
      const report = makeReport({ note: 'Look: <img src=x onerror=alert(1)>\n</pre><script>alert(2)</script> & \u2028 \u2029 <!-- -->' });
      report.participants[0]!.label = '</script><script>alert(1)</script>';
      report.participants[1]!.label = '"><svg onload=alert(3)>';
      report.participants[1]!.reasons.push(`<iframe src="javascript:alert(4)"></iframe>' onmouseover='alert(5)`);
      report.participants[1]!.timeline[5]!.reason = '</script><script>alert(6)</script>';
      report.call.meetingUrl = "https://meet.example.com/x'onmouseover='alert(7)'";
      report.versions.userAgent = '<script>alert(8)</script>';
      report.challenges = [
        makeChallenge('<b>p9</b>', CALL_START, { challenge: '<script>', outcome: 'inconclusive', detail: '<style>*{display:none}</style>', reasons: ['<img src=x onerror=alert(10)>'] }),
      ];
      const step = report.challenges[0]!.steps[0]!;
      step.asked = '<script>alert(11)</script>';
      step.measurements = { '<b onclick=alert(12)>': 1 };
      step.keyFrames = [{ t: CALL_START, why: '<iframe srcdoc="<script>alert(13)</script>">' }];
      return report;
    };

    it('contains no executable markup', async () => {
      const { html, doc } = await render(hostile());
      // Markup: one <script, the JSON one; no start tag with an event handler; no element it was not meant to have.
      expect(html.match(/<script/gi)).toEqual(['<script']);
      expect(html).toContain('<script type="application/json" id="unmask-report-data">');
      const tags = startTagsWithoutValues(html);
      expect(tags.length).toBeGreaterThan(100);
      for (const tag of tags) expect(tag).not.toMatch(/\son[a-z]+\s*=/i);
      expect(html).toContain('Look: &lt;img src=x onerror=alert(1)&gt;');
      expect(html).not.toMatch(/<(iframe|svg onload|img src=x|style>\*)/i);
      // The DOM a browser would build: the same.
      expect([...doc.querySelectorAll('script')].map((s) => s.getAttribute('type'))).toEqual(['application/json']);
      expect(doc.querySelectorAll('iframe')).toHaveLength(0);
      expect(doc.querySelectorAll('style')).toHaveLength(1);
      for (const el of doc.querySelectorAll('*')) {
        for (const attr of el.getAttributeNames()) expect(attr.startsWith('on'), `${el.tagName} ${attr}`).toBe(false);
      }
      for (const img of doc.querySelectorAll('img')) expect(img.getAttribute('src')).toBe(TINY_JPEG_DATA_URL);
    });

    it('shows the hostile text as text', async () => {
      const { exp, doc } = await render(hostile());
      expect(doc.querySelectorAll('article h3')[0]?.textContent).toBe('</script><script>alert(1)</script> (p1)');
      expect(doc.querySelector('pre.note')?.textContent).toBe(exp.report.note);
      expect(doc.body.textContent).toContain("https://meet.example.com/x'onmouseover='alert(7)'");
      expect(doc.body.textContent).toContain('<b>p9</b>');
    });

    it('still round-trips through import', async () => {
      const { exp, html } = await render(hostile());
      const result = await parseImport(html, Buffer.byteLength(html));
      expect(result).toEqual({ ok: true, export: exp, check: { ok: true, mismatched: [], wholeMatches: true } });
    });
  });
});
