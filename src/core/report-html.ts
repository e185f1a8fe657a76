/**
 * A call report as one self-contained HTML file: readable offline, in any browser, years later, with nothing that
 * runs. Its Content-Security-Policy allows no script, no fetch and no image but data URLs, and every string of the
 * report (participant names and the note come from the call page and the user) is escaped, so a hostile label can
 * neither run nor load anything when the file is opened.
 *
 * The export's JSON is embedded in a `<script type="application/json">` element (never executed: not a script type)
 * so the Reports page can import the HTML file and check its hashes; `core/report-format` finds it by string search.
 */
import { CHALLENGE_OUTCOME_TEXT, VERDICT_TEXT } from '../shared/labels';
import type { ReportExport, ReportParticipant, KeyFrame, ChallengeResult } from '../shared/report-types';
import type { RiskVerdict } from '../shared/types';
import { DEFAULT_FUSION } from './risk-fusion';
import { JPEG_DATA_URL, MAX_IMAGE_CHARS, REPORT_DATA_OPEN_TAG } from './report-format';

/** Written into the file as it is (a constant with no double quote), so it reads plainly in the raw HTML. */
export const REPORT_HTML_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Safe in text and in quoted attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * JSON that cannot end the element it sits in: `<` and `>` (no `</script>`, no `<!--`), `&`, and the two line
 * separators that old JavaScript parsers took for line ends, all as \u escapes, which JSON.parse reads back as is.
 */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function isoTime(t: number): string | null {
  const date = new Date(t);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** "14 May 2024, 10:03:12 UTC": fixed to UTC so the file reads the same wherever it is opened. */
function readableUtc(t: number): string {
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return 'unknown time';
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()] ?? ''} ${d.getUTCFullYear()}, ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC`;
}

function timeHtml(t: number): string {
  const iso = isoTime(t);
  if (iso === null) return `unknown time (${escapeHtml(String(t))})`;
  return `<time datetime="${escapeHtml(iso)}">${escapeHtml(readableUtc(t))}</time> <span class="iso">(${escapeHtml(iso)})</span>`;
}

/** Seconds from the start of the call, for times within the call. */
function offsetText(t: number, startedAt: number): string {
  const s = (t - startedAt) / 1000;
  return `${s >= 0 ? '+' : '−'}${Math.abs(s).toFixed(1)} s`;
}

function scoreText(score: number | null): string {
  return score === null ? 'none' : score.toFixed(2);
}

function verdictHtml(verdict: RiskVerdict): string {
  const text = VERDICT_TEXT[verdict] ?? String(verdict);
  return `<span class="verdict v-${escapeHtml(String(verdict))}">${escapeHtml(text)}</span>`;
}

const CSS = `
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d1d1f; max-width: 860px; margin: 24px auto; padding: 0 16px; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; border-bottom: 1px solid #ddd; padding-bottom: 4px; margin-top: 1.8em; }
h3 { font-size: 1.1em; margin-bottom: 0.3em; overflow-wrap: anywhere; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; }
dt { color: #555; }
dd { margin: 0; overflow-wrap: anywhere; }
.iso, .muted { color: #666; }
.verdict { font-weight: 600; padding: 0 6px; border-radius: 4px; }
.v-deepfake { background: #fde2e1; color: #8a1512; }
.v-suspicious { background: #fff0d6; color: #7a4a00; }
.v-genuine { background: #e1f5e4; color: #175c26; }
.v-insufficient { background: #eee; color: #444; }
article { border: 1px solid #ddd; border-radius: 8px; padding: 8px 16px 12px; margin: 12px 0; }
figure { margin: 12px 0; }
figcaption { color: #555; font-size: 0.9em; }
svg { max-width: 100%; height: auto; background: #fafafa; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; border-bottom: 1px solid #eee; padding: 4px 8px 4px 0; vertical-align: top; overflow-wrap: anywhere; }
code { font: 12px/1.4 ui-monospace, Menlo, Consolas, monospace; word-break: break-all; }
pre.note { white-space: pre-wrap; overflow-wrap: anywhere; font: inherit; background: #f6f6f6; padding: 8px 12px; border-radius: 6px; }
.frames { display: flex; flex-wrap: wrap; gap: 16px; }
.frames img { width: 320px; max-width: 100%; height: auto; display: block; border: 1px solid #ccc; }
.warning { background: #fff6e0; border-left: 4px solid #e0a000; padding: 6px 12px; }
`;

export function renderReportHtml(exp: ReportExport): string {
  const report = exp.report;
  const labels = new Map(report.participants.map((p) => [p.id, p.label]));
  const who = (participantId: string): string => {
    const label = labels.get(participantId);
    return label === undefined ? escapeHtml(participantId) : `${escapeHtml(label)} <span class="muted">(${escapeHtml(participantId)})</span>`;
  };
  const created = isoTime(report.createdAt) ?? '';

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_HTML_CSP}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Unmask call report – ${escapeHtml(report.call.site)} – ${escapeHtml(created)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>Unmask call report</h1>
<p class="muted">What Unmask showed about the people in a video call, kept as evidence. Unmask's verdicts are the output of an automated detector and can be wrong; read them with the reasons and the timeline.</p>
</header>

<section>
<h2>Call</h2>
<dl>
<dt>Report</dt><dd><code>${escapeHtml(report.id)}</code></dd>
<dt>Created</dt><dd>${timeHtml(report.createdAt)}</dd>
<dt>Exported</dt><dd>${timeHtml(exp.exportedAt)}</dd>
<dt>Site</dt><dd>${escapeHtml(report.call.site)}</dd>
<dt>Meeting URL</dt><dd>${escapeHtml(report.call.meetingUrl)} <span class="muted">(query string and fragment removed: they can carry meeting passwords)</span></dd>
<dt>Call started</dt><dd>${timeHtml(report.call.startedAt)}</dd>
<dt>Call ended</dt><dd>${report.call.endedAt === null ? 'still going on when the report was made' : timeHtml(report.call.endedAt)}</dd>
</dl>
</section>

<section>
<h2>Versions</h2>
<dl>
<dt>Unmask</dt><dd>${escapeHtml(report.versions.extension)}</dd>
<dt>Face-swap model</dt><dd>${escapeHtml(report.versions.model.name)} ${escapeHtml(report.versions.model.version)} – ${
    report.versions.model.releasedForVerdicts ? 'released for verdicts' : 'not released for verdicts'
  }</dd>
<dt>Browser</dt><dd>${escapeHtml(report.versions.userAgent)}</dd>
</dl>
${
  report.versions.model.releasedForVerdicts
    ? ''
    : '<p class="warning">This model was not released for live verdicts when the report was made: during the call Unmask showed face tracking only, and any score below is experimental.</p>'
}
</section>

<section>
<h2>Participants</h2>
${report.participants.length === 0 ? '<p>No participant was seen.</p>' : report.participants.map((p) => participantHtml(p, report.call.startedAt)).join('\n')}
</section>

<section>
<h2>Caller verification</h2>
${challengesHtml(report.challenges, who)}
</section>

<section>
<h2>Key frames</h2>
${keyFramesHtml(report.keyFrames, report.call.startedAt, who)}
</section>

<section>
<h2>Note</h2>
${report.note === '' ? '<p class="muted">No note.</p>' : `<pre class="note">${escapeHtml(report.note)}</pre>`}
</section>

<section>
<h2>Integrity</h2>
${integrityHtml(exp)}
</section>

${REPORT_DATA_OPEN_TAG}${scriptSafeJson(exp)}</script>
</body>
</html>
`;
}

function participantHtml(p: ReportParticipant, startedAt: number): string {
  const reasons =
    p.reasons.length === 0
      ? '<p class="muted">No reasons were recorded.</p>'
      : `<ul>${p.reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>`;
  return `<article>
<h3>${escapeHtml(p.label === '' ? p.id : p.label)} <span class="muted">(${escapeHtml(p.id)})</span></h3>
<dl>
<dt>First seen</dt><dd>${timeHtml(p.firstSeen)} <span class="muted">${offsetText(p.firstSeen, startedAt)}</span></dd>
<dt>Last seen</dt><dd>${timeHtml(p.lastSeen)} <span class="muted">${offsetText(p.lastSeen, startedAt)}</span></dd>
<dt>Final verdict</dt><dd>${verdictHtml(p.finalVerdict)}</dd>
<dt>Peak score</dt><dd>${scoreText(p.peakScore)}</dd>
</dl>
<h4>Reasons</h4>
${reasons}
${scoreChartHtml(p, startedAt)}
</article>`;
}

// ---------------------------------------------------------------------------------------------------------------
// Score chart: inline SVG, so the file needs nothing but itself to show it.

const CHART = { width: 640, height: 220, left: 44, right: 120, top: 12, bottom: 34 };

/** A round step (1, 2 or 5 times a power of ten) giving about `count` ticks over `range`. */
function niceStep(range: number, count: number): number {
  const raw = range / count;
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  return step ?? 10 * power;
}

function scoreChartHtml(p: ReportParticipant, startedAt: number): string {
  const points = p.timeline.map((point) => ({ x: (point.t - startedAt) / 1000, score: point.score })).sort((a, b) => a.x - b.x);
  if (!points.some((point) => point.score !== null)) {
    return '<p class="muted">No score was shown for this participant during the call (never enough evidence, or no released model), so there is no chart.</p>';
  }
  const xs = points.map((point) => point.x);
  const xMin = Math.min(0, ...xs);
  let xMax = Math.max(...xs, (p.lastSeen - startedAt) / 1000);
  if (!(xMax - xMin >= 1)) xMax = xMin + 1;

  const plotW = CHART.width - CHART.left - CHART.right;
  const plotH = CHART.height - CHART.top - CHART.bottom;
  const px = (x: number): string => (CHART.left + ((x - xMin) / (xMax - xMin)) * plotW).toFixed(1);
  const py = (y: number): string => (CHART.top + (1 - y) * plotH).toFixed(1);
  const right = CHART.left + plotW;

  const parts: string[] = [];
  for (const y of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(`<line x1="${CHART.left}" x2="${right}" y1="${py(y)}" y2="${py(y)}" stroke="#e4e4e4"/>`);
    parts.push(`<text x="${CHART.left - 6}" y="${py(y)}" dy="4" text-anchor="end" font-size="11" fill="#555">${y.toFixed(2)}</text>`);
  }
  const step = niceStep(xMax - xMin, 6);
  for (let x = Math.ceil(xMin / step) * step, n = 0; x <= xMax + 1e-9 && n < 20; x += step, n++) {
    parts.push(`<line x1="${px(x)}" x2="${px(x)}" y1="${py(0)}" y2="${(CHART.top + plotH + 4).toFixed(1)}" stroke="#999"/>`);
    parts.push(`<text x="${px(x)}" y="${CHART.top + plotH + 17}" text-anchor="middle" font-size="11" fill="#555">${Number(x.toFixed(6))} s</text>`);
  }
  parts.push(`<text x="${(CHART.left + plotW / 2).toFixed(1)}" y="${CHART.height - 2}" text-anchor="middle" font-size="11" fill="#555">seconds from the start of the call</text>`);

  const thresholds = [
    { value: DEFAULT_FUSION.suspicious.enter, label: 'suspicious', colour: '#c77800' },
    { value: DEFAULT_FUSION.deepfake.enter, label: 'likely deepfake', colour: '#b3261e' },
  ];
  for (const th of thresholds) {
    parts.push(`<line x1="${CHART.left}" x2="${right}" y1="${py(th.value)}" y2="${py(th.value)}" stroke="${th.colour}" stroke-dasharray="5 4"/>`);
    parts.push(`<text x="${right + 6}" y="${py(th.value)}" dy="4" font-size="11" fill="${th.colour}">${escapeHtml(`${th.label} ${th.value.toFixed(2)}`)}</text>`);
  }

  // Runs of consecutive scored points become one line each; a null score breaks the line (nothing was shown then).
  let run: { x: number; score: number }[] = [];
  const flush = (): void => {
    const first = run[0];
    if (run.length === 1 && first) {
      parts.push(`<circle cx="${px(first.x)}" cy="${py(first.score)}" r="2.5" fill="#1f5fbf"/>`);
    } else if (run.length > 1) {
      const d = run.map((point, i) => `${i === 0 ? 'M' : 'L'}${px(point.x)} ${py(point.score)}`).join(' ');
      parts.push(`<path d="${d}" fill="none" stroke="#1f5fbf" stroke-width="1.8" stroke-linejoin="round"/>`);
    }
    run = [];
  };
  for (const point of points) {
    if (point.score === null) flush();
    else run.push({ x: point.x, score: Math.min(1, Math.max(0, point.score)) });
  }
  flush();
  parts.push(`<rect x="${CHART.left}" y="${CHART.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#bbb"/>`);

  const name = p.label === '' ? p.id : p.label;
  return `<figure>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${CHART.width} ${CHART.height}" width="${CHART.width}" height="${CHART.height}" role="img" aria-label="${escapeHtml(`Risk score over time for ${name}`)}">
${parts.join('\n')}
</svg>
<figcaption>The risk score Unmask showed for this participant (0: looks genuine, 1: likely a face swap) against seconds from the start of the call. Dashed lines: the thresholds above which Unmask says <em>Suspicious</em> (${DEFAULT_FUSION.suspicious.enter.toFixed(2)}) and <em>Likely deepfake</em> (${DEFAULT_FUSION.deepfake.enter.toFixed(2)}). Gaps: no score was shown then (not enough evidence, no face, paused).</figcaption>
</figure>`;
}

// ---------------------------------------------------------------------------------------------------------------

function challengesHtml(challenges: ChallengeResult[], who: (id: string) => string): string {
  if (challenges.length === 0) return '<p>No caller verification was run.</p>';
  return challenges.map((c) => challengeHtml(c, who)).join('\n');
}

/** One check: what was asked, each step's measurements and reasons, the result and the advice shown with it. */
function challengeHtml(c: ChallengeResult, who: (id: string) => string): string {
  const outcome = escapeHtml(CHALLENGE_OUTCOME_TEXT[c.outcome] ?? String(c.outcome));
  const counted = c.outcome === 'failed' ? (c.counted ? ' (counted toward the verdict)' : ' (not counted: it rested on the detector still in development)') : '';
  const steps = c.steps
    .map((s) => {
      const figures = Object.entries(s.measurements)
        .map(([name, value]) => `${escapeHtml(name)} ${escapeHtml(String(value))}`)
        .join(', ');
      const reasons = s.reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('');
      const frames = s.keyFrames.map((f) => `<li>${timeHtml(f.t)}: ${escapeHtml(f.why)}</li>`).join('');
      return `<tr><td>${escapeHtml(s.asked)}</td><td>${escapeHtml(CHALLENGE_OUTCOME_TEXT[s.outcome] ?? String(s.outcome))}</td><td><ul>${reasons}</ul>${frames ? `<p>Frames:</p><ul>${frames}</ul>` : ''}</td><td>${figures || '—'}</td></tr>`;
    })
    .join('\n');
  const reasons = c.reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('');
  const advice = c.advice.map((a) => `<li>${escapeHtml(a)}</li>`).join('');
  return `<section class="challenge">
<h3>${who(c.participantId)} · ${timeHtml(c.t)} to ${timeHtml(c.endedAt)}: ${outcome}${escapeHtml(counted)}</h3>
<p>${escapeHtml(c.detail)}</p>
${reasons ? `<ul>${reasons}</ul>` : ''}
<table>
<thead><tr><th>Asked</th><th>Step result</th><th>What was measured</th><th>Figures</th></tr></thead>
<tbody>
${steps}
</tbody>
</table>
${advice ? `<p>Advice shown:</p><ul>${advice}</ul>` : ''}
</section>`;
}

function keyFramesHtml(frames: KeyFrame[], startedAt: number, who: (id: string) => string): string {
  if (frames.length === 0) return '<p>No key frames were kept.</p>';
  const figures = frames.map((f, i) => {
    // Only a base64 JPEG data URL is ever put in src: nothing else can be loaded or rendered from an imported file.
    const image =
      f.image.length <= MAX_IMAGE_CHARS && JPEG_DATA_URL.test(f.image)
        ? `<img src="${escapeHtml(f.image)}" alt="Key frame ${i + 1}">`
        : '<p class="warning">Image left out: it is not a JPEG image.</p>';
    return `<figure>
${image}
<figcaption>${who(f.participantId)}<br>${timeHtml(f.t)} <span class="muted">${offsetText(f.t, startedAt)}</span><br>Detector score: ${scoreText(f.score)}<br>${
      f.othersBlurred ? 'Everything outside the face was blurred before saving.' : 'Not blurred: the whole tile as it was.'
    }</figcaption>
</figure>`;
  });
  return `<div class="frames">
${figures.join('\n')}
</div>`;
}

function integrityHtml(exp: ReportExport): string {
  const rows = Object.entries(exp.integrity.parts)
    .map(([name, hash]) => `<tr><td>${escapeHtml(name)}</td><td><code>${escapeHtml(hash)}</code></td></tr>`)
    .join('\n');
  return `<p>SHA-256 hashes of each part of the report's data (its canonical JSON), computed when the report was exported, and of the list of part hashes (<em>whole</em>).</p>
<table>
<thead><tr><th>Part</th><th>SHA-256</th></tr></thead>
<tbody>
${rows}
<tr><th>whole</th><th><code>${escapeHtml(exp.integrity.whole)}</code></th></tr>
</tbody>
</table>
<p><strong>How to check this file:</strong> open the Reports page of Unmask and import this file (or the JSON export). Unmask recomputes every hash from the data embedded in the file and names any part that no longer matches. Then compare the whole hash with one recorded elsewhere, for example by your organisation's report endpoint when the report was sent, or noted when it was exported: if they are the same, the report is unchanged since then.</p>
<p><strong>What the hashes do not prove:</strong> they are not a signature. Whoever alters a report can compute new hashes for it, so hashes that match within this file alone do not show that it is genuine or who made it. Only the embedded data is checked, not the text shown on this page.</p>`;
}
