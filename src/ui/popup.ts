/**
 * The popup: the current tab's participants and their status, live (pushed by the background over a port), and the
 * switches for the tab, the site and the overlays. Everything shown comes from the call page, so it is inserted as
 * text, never as HTML.
 */
import { STATE_TEXT, VERDICT_TEXT } from '../shared/labels';
import type { PopupPush } from '../shared/messages';
import { POPUP_PORT, sendToBackground } from '../shared/messages';
import { PendingSwitch } from './pending-switch';
import type { TabState } from '../shared/types';

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`popup.html lacks #${id}`);
  return el as T;
};

async function currentTabId(): Promise<number | null> {
  // Tests open the popup as a page with ?tab=ID; in a real popup it is the active tab.
  const fromQuery = Number(new URLSearchParams(location.search).get('tab'));
  if (Number.isInteger(fromQuery) && fromQuery > 0) return fromQuery;
  const [tab] = await chrome.tabs.query({ active: true, currentWindow: true });
  return tab?.id ?? null;
}

function renderParticipants(state: TabState | null): void {
  const list = $('participants');
  const participants = state?.enabled ? state.participants : [];
  list.replaceChildren(
    ...participants.map((p) => {
      const li = document.createElement('li');
      li.dataset.participantId = p.id;
      li.dataset.state = p.state;
      const name = document.createElement('span');
      name.className = 'name';
      name.textContent = p.label;
      const stateEl = document.createElement('span');
      stateEl.className = 'state';
      // A verdict raised by a failed caller check is shown even while the detector's own verdicts are not released.
      const tracked = p.state === 'face-tracked' && (p.verdictsAvailable || p.verification?.raised === true);
      stateEl.dataset.state = p.state;
      stateEl.dataset.verdict = tracked ? p.risk.verdict : '';
      stateEl.textContent = tracked ? VERDICT_TEXT[p.risk.verdict] : STATE_TEXT[p.state];
      li.dataset.verdict = tracked ? p.risk.verdict : '';
      const detail = document.createElement('div');
      detail.className = 'detail';
      detail.textContent = p.detail;
      const figures = document.createElement('div');
      figures.className = 'figures';
      const face = p.faces[0];
      const pose = face ? `head yaw ${face.pose.yawDeg.toFixed(0)}°, pitch ${face.pose.pitchDeg.toFixed(0)}°, roll ${face.pose.rollDeg.toFixed(0)}° · ` : '';
      const since = new Date(tracked && p.risk.verdict !== 'insufficient' ? p.risk.since : p.since).toLocaleTimeString();
      figures.textContent = `${pose}${p.analysedFps.toFixed(1)} frames/s analysed · since ${since}`;
      li.append(name, stateEl, detail, figures);
      const check = p.challenge && p.challenge.phase !== 'done' ? `Verification running: step ${p.challenge.stepIndex + 1} of ${p.challenge.stepCount} (open the side panel).` : p.verification?.line;
      if (check) {
        const line = document.createElement('div');
        line.className = 'verification';
        line.dataset.outcome = p.verification?.outcome ?? 'running';
        line.textContent = check;
        li.append(line);
      }
      return li;
    }),
  );
  $('empty').hidden = participants.length > 0;
  const engine = state?.engine;
  $('engine').textContent =
    !engine || engine.kind === 'idle'
      ? ''
      : engine.kind === 'ready'
        ? `Face models loaded in ${engine.loadMs} ms (on this computer).`
        : engine.kind === 'loading'
          ? 'Loading the face models…'
          : engine.kind === 'crashed'
            ? `The analysis engine crashed and restarted (${engine.message}).`
            : `The analysis engine failed: ${engine.message}`;
}

function showError(message: string | null): void {
  const el = $('error');
  el.textContent = message ?? '';
  el.hidden = !message;
}

async function main(): Promise<void> {
  const tabId = await currentTabId();
  if (tabId === null) return;
  const { state, settings, managed, site } = await sendToBackground({ type: 'popup/get-state', tabId });
  $('site').textContent = site.origin ?? 'This page cannot be analysed.';
  const tabEnabled = $<HTMLInputElement>('tab-enabled');
  const siteEnabled = $<HTMLInputElement>('site-enabled');
  const showOverlay = $<HTMLInputElement>('show-overlay');
  const analyze = $<HTMLButtonElement>('analyze-tab');
  tabEnabled.checked = state?.enabled ?? false;
  tabEnabled.disabled = state === null;
  siteEnabled.checked = site.enabled;
  siteEnabled.disabled = site.origin === null;
  showOverlay.checked = settings.showOverlay;
  // What the organisation's policy sets is shown, locked, and says so.
  const lock = (input: HTMLInputElement, key: (typeof managed)[number]): void => {
    if (!managed.includes(key)) return;
    input.disabled = true;
    input.title = 'Set by your organisation';
    input.parentElement?.setAttribute('data-managed', 'true');
  };
  lock(showOverlay, 'showOverlay');
  lock(siteEnabled, site.builtIn ? 'disabledSites' : 'extraSites');
  analyze.hidden = state !== null || site.origin === null;
  renderParticipants(state);

  // The side panel stays open while the user is back in the meeting: the place for "Verify this caller". Opened here,
  // in the click's user gesture, as the browser requires.
  $('open-panel').addEventListener('click', () => {
    chrome.sidePanel.open({ tabId }).then(
      () => window.close(),
      (error: unknown) => showError(`The side panel could not open: ${String(error)}`),
    );
  });
  // The report page opens in a tab of its own: the popup closes as soon as focus leaves it.
  $('report-call').addEventListener('click', () => void chrome.tabs.create({ url: chrome.runtime.getURL(`src/ui/report.html?tab=${tabId}`) }));
  // The port below may still deliver a state pushed before this click: held, so it does not undo the click.
  const tabSwitch = new PendingSwitch();
  tabEnabled.addEventListener('change', () => {
    const enabled = tabEnabled.checked;
    tabSwitch.chose(enabled);
    sendToBackground({ type: 'popup/set-tab-enabled', tabId, enabled }).then(
      () => undefined,
      (error: unknown) => {
        tabEnabled.checked = tabSwitch.failed() ?? !enabled;
        showError(`Could not turn analysis ${enabled ? 'on' : 'off'}: ${String(error)}`);
      },
    );
  });
  showOverlay.addEventListener('change', () => {
    const show = showOverlay.checked;
    void sendToBackground({ type: 'popup/set-overlay', show }).then((r) => {
      showError(r.ok ? null : (r.error ?? 'failed'));
      if (!r.ok) showOverlay.checked = !show;
    });
  });
  analyze.addEventListener('click', () => {
    void sendToBackground({ type: 'popup/analyze-tab', tabId }).then((r) => {
      showError(r.ok ? null : (r.error ?? 'failed'));
      if (r.ok) analyze.hidden = true;
    });
  });
  siteEnabled.addEventListener('change', () => {
    const origin = site.origin;
    if (!origin) return;
    const enabled = siteEnabled.checked;
    // The host permission must be requested here, in the click's user gesture; the background then registers the script.
    const permission = enabled && !site.builtIn ? chrome.permissions.request({ origins: [`${origin}/*`] }) : Promise.resolve(true);
    void permission
      .then((granted) => (granted ? sendToBackground({ type: 'popup/set-site-enabled', tabId, origin, enabled }) : { ok: false, error: 'Permission was not granted.' }))
      .then((r) => {
        showError(r.ok ? null : (r.error ?? 'failed'));
        if (!r.ok) siteEnabled.checked = !enabled;
      });
  });

  const port = chrome.runtime.connect({ name: POPUP_PORT });
  port.onMessage.addListener((message: PopupPush) => {
    if (message.type === 'tab-state' && message.state.tabId === tabId) {
      tabEnabled.disabled = false;
      tabEnabled.checked = tabSwitch.shown(message.state.enabled);
      analyze.hidden = true;
      renderParticipants(message.state);
    }
  });
  port.postMessage({ tabId });
}

main().catch((error: unknown) => showError(String(error)));
