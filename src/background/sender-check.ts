import type { BackgroundMessageType } from '../shared/messages';
import { REQUEST_ORIGIN } from '../shared/messages';

/** The parts of `runtime.MessageSender` that decide trust. */
export interface SenderFacts {
  id?: string | undefined;
  url?: string | undefined;
  tabId?: number | undefined;
  frameId?: number | undefined;
}

/**
 * Whether `sender` may send a request of `type`. Extension messages can only come from our own contexts (no
 * `externally_connectable`), but a content script runs inside the untrusted call page and a compromised page renderer
 * could speak for it; so each request is accepted only from the kind of context that is meant to send it:
 * - content-script requests from a tab's top frame, at a web URL (not one of our pages);
 * - engine-page requests from our engine page, inside a tab;
 * - popup requests from our popup page; side-panel requests from our side panel page;
 * - report requests from our report page or Reports page (never from a content script: a call page cannot make,
 *   read or send reports).
 */
export function senderMayRequest(type: BackgroundMessageType, sender: SenderFacts, extensionId: string, extensionBase: string): boolean {
  if (sender.id !== extensionId || !sender.url) return false;
  const ours = sender.url.startsWith(extensionBase);
  switch (REQUEST_ORIGIN[type]) {
    case 'content-script':
      return !ours && sender.tabId !== undefined && sender.tabId >= 0 && sender.frameId === 0;
    case 'engine-page':
      return sender.url.startsWith(`${extensionBase}src/engine/engine.html`) && sender.tabId !== undefined && sender.tabId >= 0;
    case 'popup':
      return sender.url.startsWith(`${extensionBase}src/ui/popup.html`);
    case 'side-panel':
      return sender.url.startsWith(`${extensionBase}src/ui/panel.html`);
    case 'report-pages':
      return sender.url.startsWith(`${extensionBase}src/ui/report.html`) || sender.url.startsWith(`${extensionBase}src/ui/reports.html`);
  }
}
