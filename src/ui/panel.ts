/**
 * The side panel: stays open during the call (the popup closes as soon as the user clicks back into the meeting).
 * It shows the tab's participants live (pushed by the background over PANEL_PORT), each one's risk and face quality
 * over the last minutes, and "Verify this caller": the words to say, live feedback while the caller does each step,
 * and the result with its reasons and advice. Everything shown comes from the call page, so it is inserted as text.
 *
 * Which tab: the active tab of this window, followed as the user switches tabs (tests open the page with ?tab=ID).
 */
import type { PopupPush } from '../shared/messages';
import { PANEL_PORT, sendToBackground, type ChallengeAction } from '../shared/messages';
import type { ChallengeLive, ParticipantSummary, TabState } from '../shared/types';
import { CHALLENGE_OUTCOME_TEXT, STATE_TEXT, VERDICT_TEXT } from '../shared/labels';
import { historyPoint, riskChartPaths, type HistoryPoint } from './panel-chart';
import { el } from './report-view';

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`panel.html lacks #${id}`);
  return el as T;
};

/** Seconds of history the chart shows. */
const CHART_SECONDS = 180;

const fixedTab = ((): number | null => {
  const n = Number(new URLSearchParams(location.search).get('tab'));
  return Number.isInteger(n) && n > 0 ? n : null;
})();
/** Test builds only: ?steps=a,b fixes the steps of a check (a release build always picks them at random). */
const fixedSteps = __UNMASK_E2E__ ? new URLSearchParams(location.search).get('steps')?.split(',').filter(Boolean) : undefined;

let tabId: number | null = null;
let port: chrome.runtime.Port | null = null;
const history = new Map<string, HistoryPoint[]>();
let lastState: TabState | null = null;

/** A button that sends one check action for one participant (its `data-action` names it, for tests and styles). */
function actionButton(label: string, participantId: string, action: ChallengeAction): HTMLButtonElement {
  const button = el('button', label);
  button.type = 'button';
  button.dataset.action = action;
  button.addEventListener('click', () => void act(participantId, action));
  return button;
}

function showError(message: string | null): void {
  const error = $('error');
  error.hidden = message === null;
  error.textContent = message ?? '';
}

async function act(participantId: string, action: ChallengeAction): Promise<void> {
  if (tabId === null) return;
  try {
    const reply = await sendToBackground({ type: 'panel/challenge', tabId, participantId, action, ...(fixedSteps && action === 'start' ? { steps: fixedSteps as never } : {}) });
    showError(reply.ok ? null : (reply.error ?? 'Unmask could not do that.'));
  } catch (error) {
    showError(`Unmask could not reach the call page: ${String(error)}`);
  }
}

function chart(id: string, verdictsShown: boolean): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('class', 'chart');
  svg.setAttribute('viewBox', '0 0 300 48');
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('role', 'img');
  const paths = riskChartPaths(history.get(id) ?? [], Date.now(), CHART_SECONDS, 300, 48);
  svg.setAttribute('aria-label', verdictsShown ? 'Risk score and face quality over the last three minutes' : 'Face quality over the last three minutes');
  for (const [d, cls] of [
    [paths.quality, 'quality'],
    [verdictsShown ? paths.risk : '', 'risk'],
  ] as const) {
    if (!d) continue;
    const path = document.createElementNS(ns, 'path');
    path.setAttribute('d', d);
    path.setAttribute('class', cls);
    svg.append(path);
  }
  return svg;
}

function challengeBox(p: ParticipantSummary, c: ChallengeLive): HTMLElement {
  const box = el('div', undefined, 'challenge');
  box.dataset.phase = c.phase;
  if (c.phase === 'done') {
    const outcome = c.outcome ?? 'inconclusive';
    const head = el('p', `Verification: ${CHALLENGE_OUTCOME_TEXT[outcome]}`, 'outcome');
    head.dataset.outcome = outcome;
    box.dataset.outcome = outcome;
    box.append(head);
    if (c.summary) box.append(el('p', c.summary));
    if (c.reasons.length) {
      const list = el('ul', undefined, 'reasons');
      for (const r of c.reasons) list.append(el('li', r));
      box.append(list);
    }
    const advice = el('ul', undefined, 'advice');
    for (const a of c.advice) advice.append(el('li', a));
    box.append(advice);
    box.append(actionButton('Verify again', p.id, 'start'));
    return box;
  }
  box.append(el('p', `Step ${c.stepIndex + 1} of ${c.stepCount}${c.instruction ? `: ${c.instruction}` : ''}`));
  if (c.phase === 'instructing' && c.say) {
    box.append(el('p', 'Say to the caller:', 'muted'), el('p', `“${c.say}”`, 'say'));
  }
  const feedback = el('p', c.feedback, 'feedback');
  feedback.setAttribute('role', 'status');
  box.append(feedback);
  if (c.phase === 'instructing') {
    const start = actionButton('Start: they are doing it', p.id, 'begin-step');
    // Not before the check has its reference (and its hand model): the feedback line says what it waits for.
    start.disabled = c.preparing !== null;
    box.append(start);
  }
  box.append(actionButton('Cancel check', p.id, 'cancel'));
  return box;
}

function render(state: TabState | null): void {
  lastState = state;
  const participants = state?.enabled ? state.participants : [];
  $('empty').hidden = participants.length > 0;
  const engine = state?.engine;
  $('engine').textContent = !state ? '' : !state.enabled ? 'Analysis is off in this tab.' : engine?.kind === 'ready' ? (engine.verdicts ? 'Analysing.' : 'Analysing: faces and quality; the face-swap detector is still in development, so its scores are not shown as verdicts. Caller verification works without it.') : engine?.kind === 'failed' || engine?.kind === 'crashed' ? `Engine: ${engine.message}` : 'Starting the analysis engine…';
  try {
    $('site').textContent = state ? new URL(state.url).host : 'No call in this tab.';
  } catch {
    $('site').textContent = '';
  }
  $('participants').replaceChildren(
    ...participants.map((p) => {
      const li = el('li');
      li.dataset.participantId = p.id;
      const verdictShown = p.state === 'face-tracked' && (p.verdictsAvailable || p.verification?.raised === true);
      li.dataset.verdict = verdictShown ? p.risk.verdict : '';
      const state = el('span', verdictShown ? VERDICT_TEXT[p.risk.verdict] : STATE_TEXT[p.state], 'state');
      state.dataset.verdict = verdictShown ? p.risk.verdict : '';
      li.append(el('span', p.label, 'name'), state, el('div', p.detail, 'detail'));
      li.append(chart(p.id, p.verdictsAvailable), el('div', p.verdictsAvailable ? 'red: risk score · blue dashed: face quality' : 'blue dashed: face quality (good / fair / poor)', 'legend'));
      if (p.verification) {
        const v = el('p', p.verification.line, 'verification');
        v.dataset.outcome = p.verification.outcome;
        li.append(v);
      }
      if (p.challenge) li.append(challengeBox(p, p.challenge));
      else {
        const verify = actionButton('Verify this caller', p.id, 'start');
        verify.disabled = p.state !== 'face-tracked';
        verify.title = verify.disabled ? 'Needs a face in view first.' : 'Ask the caller to do two or three things a face swap cannot render.';
        li.append(verify);
      }
      return li;
    }),
  );
}

function onState(state: TabState | null): void {
  const now = Date.now();
  for (const p of state?.participants ?? []) {
    const points = history.get(p.id) ?? [];
    points.push(historyPoint(p, now));
    while (points.length > 0 && (points[0]?.t ?? now) < now - CHART_SECONDS * 1000) points.shift();
    history.set(p.id, points);
  }
  render(state);
}

async function watch(id: number | null): Promise<void> {
  if (id === tabId && port) return;
  tabId = id;
  history.clear();
  showError(null);
  if (id === null) {
    render(null);
    return;
  }
  port ??= (() => {
    const p = chrome.runtime.connect({ name: PANEL_PORT });
    p.onMessage.addListener((message: PopupPush) => {
      if (message.type === 'tab-state' && message.state.tabId === tabId) onState(message.state);
    });
    p.onDisconnect.addListener(() => {
      port = null;
    });
    return p;
  })();
  port.postMessage({ tabId: id });
  const { state } = await sendToBackground({ type: 'panel/get-state', tabId: id });
  if (id === tabId) onState(state);
}

async function activeTab(): Promise<number | null> {
  const [tab] = await chrome.tabs.query({ active: true, currentWindow: true });
  return tab?.id ?? null;
}

if (fixedTab !== null) void watch(fixedTab);
else {
  void activeTab().then(watch);
  chrome.tabs.onActivated.addListener(({ tabId: id }) => void watch(id));
}
// The chart moves on even when no update comes (a paused tile).
setInterval(() => render(lastState), 5000);
