/**
 * A call report drawn into an extension page: the preview the user checks before saving ("exactly what will be
 * kept") and the Reports page's view of a saved or imported report. Built with DOM calls and textContent only:
 * labels, reasons and notes come from the call page or from an imported file, and are never parsed as HTML. Images
 * are only ever JPEG data URLs (the report validators allow nothing else).
 */
import { DEFAULT_FUSION } from '../core/risk-fusion';
import { CHALLENGE_OUTCOME_TEXT, VERDICT_TEXT } from '../shared/labels';
import type { CallReport, ReportParticipant } from '../shared/report-types';

export { VERDICT_TEXT };

const SVG = 'http://www.w3.org/2000/svg';

/** The page's element with this id; a missing one is a bug in the page's HTML, so it throws. */
export function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`${location.pathname} lacks #${id}`);
  return node as T;
}

/** Shows `message` in the page's #error line (or hides it for null). */
export function showError(message: string | null): void {
  const line = byId('error');
  line.textContent = message ?? '';
  line.hidden = !message;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

export const when = (ms: number): string => new Date(ms).toLocaleString();
const pct = (score: number | null): string => (score === null ? '—' : `${Math.round(score * 100)}%`);

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

/** The participant's shown score over the call, with the warning thresholds; gaps where no score was shown. */
export function scoreChart(p: ReportParticipant, startedAt: number, endAt: number): SVGSVGElement {
  const width = 640;
  const height = 120;
  const span = Math.max(1000, endAt - startedAt);
  const x = (t: number): number => ((t - startedAt) / span) * width;
  const y = (s: number): number => height * (1 - s);
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img', class: 'chart' });
  chart.setAttribute('aria-label', `Risk score of ${p.label} over the call`);
  chart.append(svg('rect', { x: 0, y: 0, width, height, fill: '#f8f9fa', stroke: '#dadce0' }));
  for (const [level, color] of [
    [DEFAULT_FUSION.suspicious.enter, '#e37400'],
    [DEFAULT_FUSION.deepfake.enter, '#d93025'],
  ] as const)
    chart.append(svg('line', { x1: 0, x2: width, y1: y(level), y2: y(level), stroke: color, 'stroke-dasharray': '4 4' }));
  let d = '';
  let pen = false;
  for (const point of p.timeline) {
    if (point.score === null) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${x(point.t).toFixed(1)} ${y(point.score).toFixed(1)} `;
    pen = true;
  }
  if (d) chart.append(svg('path', { d, fill: 'none', stroke: '#1a73e8', 'stroke-width': 2 }));
  return chart;
}

export interface ReportViewOptions {
  /** Shown above the key frames when there are none (e.g. why none are included). */
  noKeyFramesText: string;
}

/** Draws `report` into `container`, replacing what was there. */
export function renderReport(container: HTMLElement, report: CallReport, options: ReportViewOptions): void {
  const summary = el('dl', undefined, 'summary');
  const row = (term: string, value: string): void => {
    summary.append(el('dt', term), el('dd', value));
  };
  const endAt = report.call.endedAt ?? report.createdAt;
  row('Site', report.call.site);
  row('Meeting address', `${report.call.meetingUrl} (anything after "?" or "#" removed: it can hold passwords)`);
  row('Call started', when(report.call.startedAt));
  row('Call ended', report.call.endedAt === null ? `still going on at ${when(report.createdAt)}` : when(report.call.endedAt));
  row('Unmask version', report.versions.extension);
  row(
    'Face-swap model',
    `${report.versions.model.name} ${report.versions.model.version}` +
      (report.versions.model.releasedForVerdicts ? '' : ' (not yet validated for live verdicts: it tracked faces, it gave no verdict)'),
  );
  row('Browser', report.versions.userAgent);

  const people = el('section');
  people.append(el('h3', `Participants (${report.participants.length})`));
  for (const p of report.participants) {
    const card = el('article', undefined, 'participant');
    card.dataset.participantId = p.id;
    card.dataset.verdict = p.finalVerdict;
    card.append(el('h4', p.label));
    card.append(
      el(
        'p',
        `${VERDICT_TEXT[p.finalVerdict]} at the end · highest risk score ${pct(p.peakScore)} · seen from ${when(p.firstSeen)} to ${when(p.lastSeen)}`,
        'verdict',
      ),
    );
    card.append(scoreChart(p, report.call.startedAt, endAt));
    if (p.peakScore === null) card.append(el('p', 'No risk score was shown for this participant during the call.', 'muted'));
    const reasons = el('ul', undefined, 'reasons');
    for (const r of p.reasons) reasons.append(el('li', r));
    card.append(el('p', 'What Unmask said:', 'muted'), reasons);
    people.append(card);
  }

  const challenges = el('section');
  challenges.append(el('h3', 'Caller verification'));
  if (report.challenges.length === 0) challenges.append(el('p', 'No caller verification was run.', 'muted'));
  for (const c of report.challenges) {
    const who = report.participants.find((p) => p.id === c.participantId)?.label ?? c.participantId;
    const card = el('div', undefined, 'challenge');
    card.dataset.outcome = c.outcome;
    card.append(el('p', `${who} · ${when(c.t)} · ${c.challenge}: ${CHALLENGE_OUTCOME_TEXT[c.outcome].toLowerCase()}`, 'verdict'));
    card.append(el('p', c.detail));
    const list = el('ul', undefined, 'reasons');
    for (const r of c.reasons) list.append(el('li', r));
    for (const s of c.steps) {
      const figures = Object.entries(s.measurements).map(([k, v]) => `${k} ${v}`).join(', ');
      list.append(el('li', `${s.asked} → ${CHALLENGE_OUTCOME_TEXT[s.outcome].toLowerCase()}: ${s.reasons.join(' ')}${figures ? ` [${figures}]` : ''}`));
    }
    card.append(list);
    challenges.append(card);
  }

  const frames = el('section');
  frames.append(el('h3', `Key frames (${report.keyFrames.length})`));
  if (report.keyFrames.length === 0) frames.append(el('p', options.noKeyFramesText, 'muted'));
  const strip = el('div', undefined, 'frames');
  for (const f of report.keyFrames) {
    const figure = el('figure');
    const img = el('img');
    img.src = f.image;
    img.alt = `Still of ${report.participants.find((p) => p.id === f.participantId)?.label ?? f.participantId} at ${when(f.t)}`;
    figure.append(img, el('figcaption', `${when(f.t)} · score ${pct(f.score)}${f.othersBlurred ? ' · others blurred' : ''}`));
    strip.append(figure);
  }
  frames.append(strip);

  const note = el('section');
  note.append(el('h3', 'Your note'));
  note.append(el('p', report.note || '(none)', 'note'));

  container.replaceChildren(summary, people, challenges, frames, note);
}

/** Offers `text` as a file download (no permission needed: the user clicked). */
export function download(filename: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export const exportName = (report: CallReport, ext: 'html' | 'json'): string =>
  `unmask-report-${new Date(report.createdAt).toISOString().slice(0, 10)}-${report.id.slice(0, 8)}.${ext}`;
