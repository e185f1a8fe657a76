/**
 * The Reports page: saved reports (view, export, send, delete), calls that can still be reported, import and
 * verification of exported files, and the retention setting. Imported files are untrusted: `parseImport` validates
 * them (size, shape, JPEG-only images) and they are drawn with textContent only.
 */
import { buildExport, MAX_IMPORT_BYTES, parseImport } from '../core/report-format';
import { renderReportHtml } from '../core/report-html';
import { openReportStore, type ReportStore } from '../core/report-store';
import { sendToBackground } from '../shared/messages';
import type { StoredReportMeta } from '../shared/report-types';
import { loadEffectiveSettings, saveSettings } from '../shared/settings';
import { renderChannels } from './channels-view';
import { byId, download, el, exportName, renderReport, showError, VERDICT_TEXT, when } from './report-view';

const $ = byId;

function deliveryText(d: StoredReportMeta['delivery']): string {
  switch (d.state) {
    case 'none':
      return 'not sent';
    case 'queued':
      return `queued (${d.attempts} attempt(s)${d.lastError ? `, last: ${d.lastError}` : ''}; next ${when(d.nextAttemptAt)})`;
    case 'delivered':
      return `sent ${when(d.at)}`;
    case 'rejected':
      return `refused by the endpoint (${d.error})`;
  }
}

let store: ReportStore;

async function view(id: string): Promise<void> {
  const report = await store.get(id);
  const meta = await store.meta(id);
  if (!report || !meta) return;
  $('view-section').hidden = false;
  $('view-id').textContent = id;
  const integrity = $('view-integrity');
  if (meta.imported && meta.integrity) {
    integrity.className = meta.integrity.ok ? 'verified' : 'altered';
    integrity.textContent = meta.integrity.ok
      ? 'Imported file: every part matches its SHA-256 hash.'
      : `Imported file: ALTERED or damaged — these parts do not match their hashes: ${meta.integrity.mismatched.join(', ') || 'the list of hashes'}.`;
  } else {
    integrity.className = 'muted';
    integrity.textContent = 'Made on this computer.';
  }
  renderReport($('view'), report, { noKeyFramesText: 'No key frames were included.' });
  $('view-section').scrollIntoView();
}

function actionButton(label: string, action: () => Promise<void>): HTMLButtonElement {
  const b = el('button', label);
  b.type = 'button';
  b.addEventListener('click', () => {
    b.disabled = true;
    action()
      .catch((error: unknown) => showError(error instanceof Error ? error.message : String(error)))
      .finally(() => {
        b.disabled = false;
      });
  });
  return b;
}

async function renderList(endpointSet: boolean): Promise<void> {
  const metas = await store.list();
  $('no-reports').hidden = metas.length > 0;
  $('reports').replaceChildren(
    ...metas.map((m) => {
      const tr = el('tr');
      tr.dataset.reportId = m.id;
      tr.dataset.verdict = m.worstVerdict;
      tr.dataset.delivery = m.delivery.state;
      const call = el('td');
      call.append(el('div', m.meetingUrl), el('div', `${m.participantCount} participant(s), ${m.keyFrameCount} key frame(s)${m.imported ? ' · imported' : ''}`, 'muted'));
      if (m.imported && m.integrity) call.append(el('div', m.integrity.ok ? 'hashes verified' : 'ALTERED', m.integrity.ok ? 'verified' : 'altered'));
      const actions = el('td', undefined, 'actions');
      actions.append(
        actionButton('View', () => view(m.id)),
        actionButton('Export HTML', async () => {
          const r = await store.get(m.id);
          if (r) download(exportName(r, 'html'), renderReportHtml(await buildExport(r, Date.now())), 'text/html');
        }),
        actionButton('Export JSON', async () => {
          const r = await store.get(m.id);
          if (r) download(exportName(r, 'json'), JSON.stringify(await buildExport(r, Date.now()), null, 2), 'application/json');
        }),
      );
      if (endpointSet && !m.imported)
        actions.append(
          actionButton('Send', async () => {
            const r = await sendToBackground({ type: 'report/send', reportId: m.id });
            if (!r.ok) showError(r.error ?? 'Could not queue it.');
            await renderList(endpointSet);
          }),
        );
      actions.append(
        actionButton('Delete', async () => {
          if (!confirm('Delete this report from this computer? Exported copies are not affected.')) return;
          await store.delete(m.id);
          await renderList(endpointSet);
          if ($('view-id').textContent === m.id) $('view-section').hidden = true;
        }),
      );
      tr.append(el('td', when(m.createdAt)), call, el('td', VERDICT_TEXT[m.worstVerdict]), el('td', deliveryText(m.delivery)), actions);
      return tr;
    }),
  );
}

async function renderCalls(): Promise<void> {
  const { calls } = await sendToBackground({ type: 'report/calls' });
  $('no-calls').hidden = calls.length > 0;
  $('calls').replaceChildren(
    ...calls.map((c) => {
      const li = el('li');
      const a = el('a', `${c.site} — ${c.participantCount} participant(s), from ${when(c.startedAt)}${c.ongoing ? ' (going on)' : ` to ${when(c.lastActiveAt)}`}`);
      a.href = `./report.html?call=${encodeURIComponent(c.callId)}`;
      li.append(a);
      return li;
    }),
  );
}

async function importFile(file: File, endpointSet: boolean): Promise<void> {
  const result = $('import-result');
  result.className = '';
  // Refused before reading: a huge file must not be loaded into memory at all.
  if (file.size > MAX_IMPORT_BYTES) {
    result.className = 'error';
    result.textContent = `${file.name} is too large to be an Unmask report (${Math.round(file.size / 1e6)} MB; the limit is ${MAX_IMPORT_BYTES / 1e6} MB).`;
    return;
  }
  const text = await file.text();
  const parsed = await parseImport(text, file.size);
  if (!parsed.ok) {
    result.className = 'error';
    result.textContent = `${file.name}: ${parsed.error}`;
    return;
  }
  const { report } = parsed.export;
  if (await store.meta(report.id)) {
    // Same id: the report is already here (made here, or imported before). Verify, but do not overwrite.
    result.className = parsed.check.ok ? 'verified' : 'altered';
    result.textContent = `${file.name}: this report is already in your list. ${parsed.check.ok ? 'The file matches its hashes.' : `The file does NOT match its hashes (${parsed.check.mismatched.join(', ')}).`}`;
    return;
  }
  await store.save(report, { imported: true, integrity: parsed.check });
  result.className = parsed.check.ok ? 'verified' : 'altered';
  result.textContent = parsed.check.ok
    ? `${file.name}: imported; all ${Object.keys(parsed.export.integrity.parts).length} parts match their SHA-256 hashes.`
    : `${file.name}: imported, but ALTERED or damaged: ${parsed.check.mismatched.join(', ') || 'the list of hashes'} do not match.`;
  await renderList(endpointSet);
}

async function main(): Promise<void> {
  store = await openReportStore();
  const { settings, managed } = await loadEffectiveSettings();
  const endpointSet = settings.reportEndpoint !== '';
  // Retention runs here too (the background also runs it daily): a page listing reports never shows expired ones.
  if (settings.retentionDays > 0) await store.deleteOlderThan(Date.now() - settings.retentionDays * 86_400_000);
  await renderList(endpointSet);
  await renderCalls();
  renderChannels($('channels'), settings);

  const retention = $<HTMLSelectElement>('retention');
  retention.value = String(settings.retentionDays);
  if (managed.includes('retentionDays')) {
    retention.disabled = true;
    $('retention-managed').hidden = false;
  }
  retention.addEventListener('change', () => {
    void saveSettings({ retentionDays: Number(retention.value) })
      .then(() => ($('status').textContent = 'Retention saved.'))
      .catch((error: unknown) => showError(error instanceof Error ? error.message : String(error)));
  });

  const input = $<HTMLInputElement>('import');
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (!file) return;
    const run = importFile(file, endpointSet)
      .catch((error: unknown) => {
        $('import-result').className = 'error';
        $('import-result').textContent = `${file.name}: ${error instanceof Error ? error.message : String(error)}`;
      })
      .finally(() => {
        input.value = '';
      });
    (window as unknown as { unmaskImport?: Promise<void> }).unmaskImport = run;
  });
}

main().catch((error: unknown) => showError(error instanceof Error ? error.message : String(error)));
