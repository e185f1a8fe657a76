/**
 * The report page ("Report this call", from the popup): asks the background for a draft of the tab's call, shows
 * exactly what will be kept, lets the user add key frames (blurred around the face by default) and a note, and saves
 * the report in the extension's IndexedDB. If saving fails (disk full, storage denied) the draft stays on the page
 * and can still be exported to a file: nothing the user prepared is lost.
 */
import { buildExport } from '../core/report-format';
import { renderReportHtml } from '../core/report-html';
import { openReportStore } from '../core/report-store';
import { sendToBackground } from '../shared/messages';
import type { CallReport, KeyFrame } from '../shared/report-types';
import { loadSettings } from '../shared/settings';
import { blurAllButFace } from './blur-stills';
import { renderChannels } from './channels-view';
import { byId, download, exportName, renderReport, showError } from './report-view';

const $ = byId;

type Still = Omit<KeyFrame, 'othersBlurred'>;

async function keyFramesFor(stills: Still[], include: boolean, blur: boolean): Promise<KeyFrame[]> {
  if (!include) return [];
  const out: KeyFrame[] = [];
  for (const s of stills) out.push({ ...s, image: blur ? await blurAllButFace(s) : s.image, othersBlurred: blur });
  return out;
}

function exportFiles(report: CallReport): { html: () => Promise<void>; json: () => Promise<void> } {
  return {
    html: async () => download(exportName(report, 'html'), renderReportHtml(await buildExport(report, Date.now())), 'text/html'),
    json: async () => download(exportName(report, 'json'), JSON.stringify(await buildExport(report, Date.now()), null, 2), 'application/json'),
  };
}

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const tab = Number(params.get('tab'));
  const callId = params.get('call');
  const draft = await sendToBackground(
    callId ? { type: 'report/draft', callId } : { type: 'report/draft', tabId: Number.isInteger(tab) && tab >= 0 ? tab : -1 },
  );
  if (!draft.ok) {
    $('status').textContent = '';
    showError(draft.error);
    return;
  }
  const settings = await loadSettings();
  renderChannels($('channels'), settings);
  $('channels-section').hidden = false;
  const include = $<HTMLInputElement>('include-frames');
  const blur = $<HTMLInputElement>('blur-others');
  const note = $<HTMLTextAreaElement>('note');
  $('frames-available').textContent = String(draft.stills.length);
  include.disabled = draft.stills.length === 0;
  const noFramesText = (): string =>
    draft.stills.length === 0
      ? 'No stills are available for this call (the meeting tab was closed, or no face was seen).'
      : 'Not included: tick "Include key frames" to add them.';

  let current: CallReport = draft.report;
  let renderToken = 0;
  let noteTimer: ReturnType<typeof setTimeout> | null = null;
  // The preview is drawn from the very object that will be saved, each time an option or the note changes.
  const draw = (): void => renderReport($('preview'), current, { noKeyFramesText: noFramesText() });
  const refresh = async (): Promise<void> => {
    const token = ++renderToken;
    const keyFrames = await keyFramesFor(draft.stills, include.checked, blur.checked);
    if (token !== renderToken) return;
    current = { ...draft.report, keyFrames, note: note.value };
    draw();
  };
  include.addEventListener('change', () => void refresh());
  blur.addEventListener('change', () => void refresh());
  note.addEventListener('input', () => {
    current = { ...current, note: note.value };
    if (noteTimer !== null) clearTimeout(noteTimer);
    noteTimer = setTimeout(draw, 300);
  });
  await refresh();
  $('status').textContent = draft.ongoing ? 'The call is still going on: the report covers it up to now.' : '';
  $('form').hidden = false;

  $('form').addEventListener('submit', (event) => {
    event.preventDefault();
    void save();
  });

  const save = async (): Promise<void> => {
    $<HTMLButtonElement>('save').disabled = true;
    await refresh();
    const report = current;
    const files = exportFiles(report);
    $('export-html').onclick = () => void files.html();
    $('export-json').onclick = () => void files.json();
    try {
      const store = await openReportStore();
      try {
        await store.save(report);
      } finally {
        store.close();
      }
    } catch (error) {
      // Keep the draft on the page and offer the files instead: the user loses nothing.
      showError(`${error instanceof Error ? error.message : String(error)}`);
      $('saved').hidden = false;
      $('saved').querySelector('h2')!.textContent = 'Not saved';
      $('saved-text').textContent = 'The report could not be saved in the browser. You can still export it to a file below.';
      $<HTMLButtonElement>('save').disabled = false;
      return;
    }
    // For tests and scripts driving the page: which report was just saved.
    (window as unknown as { unmaskSavedReport?: string }).unmaskSavedReport = report.id;
    showError(null);
    $('form').hidden = true;
    $('saved').hidden = false;
    $('saved').querySelector('h2')!.textContent = 'Saved';
    $('saved-text').textContent = `Report saved on this computer (${report.participants.length} participant(s), ${report.keyFrames.length} key frame(s)). It is listed on the Reports page.`;
    const { queued } = await sendToBackground({ type: 'report/saved', reportId: report.id });
    const send = $<HTMLButtonElement>('send');
    send.hidden = !settings.reportEndpoint || queued;
    if (queued) $('send-status').textContent = 'Queued for your organisation: it is sent as soon as it can be reached.';
    send.onclick = () => {
      send.disabled = true;
      void sendToBackground({ type: 'report/send', reportId: report.id }).then((r) => {
        $('send-status').textContent = r.ok ? 'Queued for your organisation: it is sent as soon as it can be reached.' : (r.error ?? 'Could not queue it.');
        send.disabled = r.ok;
      });
    };
  };
}

main().catch((error: unknown) => {
  $('status').textContent = '';
  showError(`The report could not be prepared: ${String(error)}`);
});
