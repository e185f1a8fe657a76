/**
 * The badge over an analysed participant's tile. It lives in its own host element at the top of the video's document
 * (not inside the meeting's layout, so the site's CSS and re-renders cannot move or break it), inside a closed shadow
 * root (the page cannot read or restyle it), and ignores the pointer (the meeting's buttons stay clickable). The host
 * is guarded (content/guarded-host): put back, within a budget, when the page removes it or changes its style.
 */
import { GuardedHost } from './guarded-host';
import { STATE_TEXT, VERDICT_TEXT } from '../shared/labels';
import type { ParticipantState, ParticipantSummary, RiskVerdict } from '../shared/types';

const STATE_COLOR: Record<ParticipantState, string> = {
  starting: '#5f6368',
  analysing: '#5f6368',
  'no-face': '#5f6368',
  'face-tracked': '#1a73e8',
  paused: '#5f6368',
  'engine-error': '#b3261e',
};

const VERDICT_COLOR: Record<RiskVerdict, string> = {
  insufficient: '#5f6368',
  genuine: '#188038',
  suspicious: '#e37400',
  deepfake: '#d93025',
};

const STYLE = `
:host { all: initial; }
.badge { position: absolute; left: 8px; top: 8px; max-width: calc(100% - 16px); display: flex; gap: 6px; align-items: center;
  font: 500 12px/1.3 system-ui, sans-serif; color: #fff; background: rgba(32,33,36,.82); border-radius: 12px;
  padding: 3px 9px 3px 7px; box-shadow: 0 1px 3px rgba(0,0,0,.4); white-space: nowrap; overflow: hidden; }
.dot { width: 9px; height: 9px; border-radius: 50%; flex: none; }
.name { opacity: .8; overflow: hidden; text-overflow: ellipsis; }
.state { font-weight: 600; }
.quality { opacity: .8; }
.badge.deepfake { background: rgba(165,14,14,.92); }
.badge.suspicious { background: rgba(120,66,0,.9); }
`;

export class ParticipantOverlay {
  private readonly host: GuardedHost;
  private readonly badge: HTMLElement;
  private readonly dot: HTMLElement;
  private readonly name: HTMLElement;
  private readonly state: HTMLElement;
  private readonly quality: HTMLElement;
  private shown = true;

  constructor(
    private readonly video: HTMLVideoElement,
    signal: AbortSignal,
  ) {
    const doc = video.ownerDocument;
    this.host = new GuardedHost(
      doc,
      { position: 'fixed', left: '0', top: '0', width: '0', height: '0', 'pointer-events': 'none', 'z-index': '2147483646', display: 'block', visibility: 'visible', opacity: '1' },
      signal,
      { onGiveUp: () => console.warn('Unmask: this page keeps removing or restyling the badge on a video; the toolbar button and the popup still show what Unmask sees') },
    );
    const shadow = this.host.shadow;
    const style = doc.createElement('style');
    style.textContent = STYLE;
    this.badge = doc.createElement('div');
    this.badge.className = 'badge';
    this.badge.setAttribute('role', 'status');
    this.dot = doc.createElement('span');
    this.dot.className = 'dot';
    this.name = doc.createElement('span');
    this.name.className = 'name';
    this.state = doc.createElement('span');
    this.state.className = 'state';
    this.quality = doc.createElement('span');
    this.quality.className = 'quality';
    this.badge.append(this.dot, this.name, this.state, this.quality);
    shadow.append(style, this.badge);

    const view = doc.defaultView;
    const reposition = (): void => this.position();
    view?.addEventListener('resize', reposition, { signal, passive: true });
    view?.addEventListener('scroll', reposition, { signal, passive: true, capture: true });
    const resizeObserver = new ResizeObserver(reposition);
    resizeObserver.observe(video);
    signal.addEventListener('abort', () => resizeObserver.disconnect(), { once: true });
    this.position();
  }

  setShown(shown: boolean): void {
    this.shown = shown;
    this.host.setStyle('display', shown ? 'block' : 'none');
  }

  update(summary: ParticipantSummary): void {
    // While a face is tracked the badge says the verdict; otherwise what stands in the way (no face, paused...).
    const tracked = summary.state === 'face-tracked';
    const { risk } = summary;
    // A failed caller check raises the verdict whether or not the detector's own verdicts are released: shown then.
    if (tracked && !summary.verdictsAvailable && !summary.verification?.raised) {
      // No released face-swap model: say what is known, the face and its quality; no verdict.
      const face = summary.faces[0];
      const faces = summary.faces.length;
      this.dot.style.background = STATE_COLOR['face-tracked'];
      this.badge.className = 'badge';
      this.name.textContent = summary.label;
      this.state.textContent = STATE_TEXT['face-tracked'];
      this.quality.textContent = !face ? '' : faces > 1 ? `· ${faces} faces` : `· ${face.grade} quality, ${Math.round(face.quality.faceSizePx)} px`;
      this.badge.title = summary.detail;
      this.badge.setAttribute('aria-label', `Unmask: ${summary.label}: face tracked. ${summary.detail}`);
      this.position();
      return;
    }
    const headline = tracked ? VERDICT_TEXT[risk.verdict] : STATE_TEXT[summary.state];
    this.dot.style.background = tracked ? VERDICT_COLOR[risk.verdict] : STATE_COLOR[summary.state];
    this.badge.className = `badge ${tracked ? risk.verdict : ''}`;
    this.name.textContent = summary.label;
    this.state.textContent = headline;
    const faces = summary.faces.length;
    this.quality.textContent = !tracked
      ? ''
      : risk.verdict === 'insufficient'
        ? `· ${risk.reason ?? ''}`
        : `· ${risk.score === null ? '' : `${Math.round(risk.score * 100)}%`}${faces > 1 ? ` · ${faces} faces` : ''}`;
    this.badge.title = summary.detail;
    this.badge.setAttribute('aria-label', `Unmask: ${summary.label}: ${headline}. ${summary.detail}`);
    this.position();
  }

  /** Follows the video's box on screen (the host is fixed-positioned at the top of the document). */
  private position(): void {
    if (!this.shown) return;
    this.host.ensure();
    const r = this.video.getBoundingClientRect();
    this.host.setStyle('left', `${r.left}px`);
    this.host.setStyle('top', `${r.top}px`);
    this.host.setStyle('width', `${r.width}px`);
    this.host.setStyle('height', `${r.height}px`);
  }
}
