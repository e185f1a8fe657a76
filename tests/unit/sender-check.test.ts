import { describe, expect, it } from 'vitest';
import { senderMayRequest, type SenderFacts } from '../../src/background/sender-check';
import { REQUEST_ORIGIN, type BackgroundMessageType } from '../../src/shared/messages';

const ID = 'abcdefghijklmnopabcdefghijklmnop';
const BASE = `chrome-extension://${ID}/`;
const OTHER_ID = 'ponmlkjihgfedcbaponmlkjihgfedcba';

const TYPES = Object.keys(REQUEST_ORIGIN) as BackgroundMessageType[];
const CONTENT_TYPES = TYPES.filter((t) => REQUEST_ORIGIN[t] === 'content-script');
const ENGINE_TYPES = TYPES.filter((t) => REQUEST_ORIGIN[t] === 'engine-page');
const POPUP_TYPES = TYPES.filter((t) => REQUEST_ORIGIN[t] === 'popup');
const REPORT_TYPES = TYPES.filter((t) => REQUEST_ORIGIN[t] === 'report-pages');

const may = (type: BackgroundMessageType, sender: SenderFacts): boolean => senderMayRequest(type, sender, ID, BASE);

/** A content script in the top frame of a call tab. */
const contentScript: SenderFacts = { id: ID, url: 'https://meet.google.com/abc-defg-hij', tabId: 41, frameId: 0 };
/** Our engine page, embedded as an iframe in the call tab. */
const enginePage: SenderFacts = { id: ID, url: `${BASE}src/engine/engine.html`, tabId: 41, frameId: 7 };
/** Our popup: no tab. */
const popup: SenderFacts = { id: ID, url: `${BASE}src/ui/popup.html` };
/** Our report page, opened in a tab of its own. */
const reportPage: SenderFacts = { id: ID, url: `${BASE}src/ui/report.html?tab=41`, tabId: 55, frameId: 0 };
const reportsPage: SenderFacts = { id: ID, url: `${BASE}src/ui/reports.html`, tabId: 56, frameId: 0 };

describe('senderMayRequest', () => {
  it('covers all four sender kinds', () => {
    expect(REPORT_TYPES.length).toBeGreaterThan(0);
    expect(CONTENT_TYPES.length).toBeGreaterThan(0);
    expect(ENGINE_TYPES.length).toBeGreaterThan(0);
    expect(POPUP_TYPES.length).toBeGreaterThan(0);
  });

  it('lets each context send exactly its own requests', () => {
    for (const type of TYPES) {
      expect(may(type, contentScript)).toBe(REQUEST_ORIGIN[type] === 'content-script');
      expect(may(type, enginePage)).toBe(REQUEST_ORIGIN[type] === 'engine-page');
      expect(may(type, popup)).toBe(REQUEST_ORIGIN[type] === 'popup');
      expect(may(type, reportPage)).toBe(REQUEST_ORIGIN[type] === 'report-pages');
      expect(may(type, reportsPage)).toBe(REQUEST_ORIGIN[type] === 'report-pages');
    }
  });

  describe('content-script requests', () => {
    it('come from a tab top frame at a web URL', () => {
      for (const type of CONTENT_TYPES) {
        expect(may(type, contentScript)).toBe(true);
        expect(may(type, { ...contentScript, url: 'http://localhost:8080/room', tabId: 0 })).toBe(true);
      }
    });

    it('are refused from a sub-frame', () => {
      for (const type of CONTENT_TYPES) expect(may(type, { ...contentScript, frameId: 3 })).toBe(false);
    });

    it('are refused without a tab (or with the "no tab" id -1)', () => {
      for (const type of CONTENT_TYPES) {
        expect(may(type, { ...contentScript, tabId: undefined })).toBe(false);
        expect(may(type, { ...contentScript, tabId: -1 })).toBe(false);
        expect(may(type, { ...contentScript, frameId: undefined })).toBe(false);
      }
    });

    it('are refused from our own pages (an engine page or popup speaking for a content script)', () => {
      for (const type of CONTENT_TYPES) {
        expect(may(type, { ...contentScript, url: `${BASE}src/engine/engine.html` })).toBe(false);
        expect(may(type, { ...contentScript, url: `${BASE}src/ui/popup.html` })).toBe(false);
      }
    });

    it('are refused from a foreign extension id, or without id or URL', () => {
      for (const type of CONTENT_TYPES) {
        expect(may(type, { ...contentScript, id: OTHER_ID })).toBe(false);
        expect(may(type, { ...contentScript, id: undefined })).toBe(false);
        expect(may(type, { ...contentScript, url: undefined })).toBe(false);
        expect(may(type, { ...contentScript, url: '' })).toBe(false);
      }
    });
  });

  describe('engine-page requests', () => {
    it('come from our engine page inside a tab, query string allowed', () => {
      for (const type of ENGINE_TYPES) {
        expect(may(type, enginePage)).toBe(true);
        expect(may(type, { ...enginePage, url: `${BASE}src/engine/engine.html?session=1` })).toBe(true);
      }
    });

    it('are refused outside a tab', () => {
      for (const type of ENGINE_TYPES) {
        expect(may(type, { ...enginePage, tabId: undefined })).toBe(false);
        expect(may(type, { ...enginePage, tabId: -1 })).toBe(false);
      }
    });

    it('are refused from a content script, the popup, a web page or another extension', () => {
      for (const type of ENGINE_TYPES) {
        expect(may(type, contentScript)).toBe(false);
        expect(may(type, { ...popup, tabId: 41 })).toBe(false);
        expect(may(type, { ...enginePage, url: 'https://evil.example/src/engine/engine.html' })).toBe(false);
        expect(may(type, { ...enginePage, url: `https://evil.example/${BASE}src/engine/engine.html` })).toBe(false);
        expect(may(type, { ...enginePage, url: `chrome-extension://${OTHER_ID}/src/engine/engine.html` })).toBe(false);
        expect(may(type, { ...enginePage, id: OTHER_ID })).toBe(false);
        expect(may(type, { ...enginePage, url: `${BASE}src/ui/popup.html` })).toBe(false);
      }
    });
  });

  describe('popup requests', () => {
    it('come from our popup page', () => {
      for (const type of POPUP_TYPES) {
        expect(may(type, popup)).toBe(true);
        expect(may(type, { ...popup, url: `${BASE}src/ui/popup.html?tab=3` })).toBe(true);
      }
    });

    it('are refused from a web page pretending to be the popup', () => {
      for (const type of POPUP_TYPES) {
        expect(may(type, { ...contentScript, url: 'https://evil.example/src/ui/popup.html' })).toBe(false);
        expect(may(type, { ...contentScript, url: `https://evil.example/?next=${BASE}src/ui/popup.html` })).toBe(false);
        expect(may(type, { ...contentScript, url: `https://evil.example/${BASE}src/ui/popup.html` })).toBe(false);
        expect(may(type, { id: ID, url: 'src/ui/popup.html' })).toBe(false);
      }
    });

    it('are refused from another extension, from our engine page and from a content script', () => {
      for (const type of POPUP_TYPES) {
        expect(may(type, { ...popup, id: OTHER_ID })).toBe(false);
        expect(may(type, { id: OTHER_ID, url: `chrome-extension://${OTHER_ID}/src/ui/popup.html` })).toBe(false);
        expect(may(type, { ...popup, url: `chrome-extension://${OTHER_ID}/src/ui/popup.html` })).toBe(false);
        expect(may(type, enginePage)).toBe(false);
        expect(may(type, contentScript)).toBe(false);
        expect(may(type, { ...popup, url: undefined })).toBe(false);
      }
    });
  });

  describe('report requests', () => {
    it('come from our report and Reports pages only', () => {
      for (const type of REPORT_TYPES) {
        expect(may(type, reportPage)).toBe(true);
        expect(may(type, reportsPage)).toBe(true);
      }
    });

    it('are refused from a call page (its content script), our engine page, the popup and look-alikes', () => {
      for (const type of REPORT_TYPES) {
        expect(may(type, contentScript)).toBe(false);
        expect(may(type, enginePage)).toBe(false);
        expect(may(type, popup)).toBe(false);
        expect(may(type, { ...contentScript, url: `https://evil.example/${BASE}src/ui/report.html` })).toBe(false);
        expect(may(type, { ...reportPage, id: OTHER_ID })).toBe(false);
        expect(may(type, { ...reportPage, url: `chrome-extension://${OTHER_ID}/src/ui/report.html` })).toBe(false);
        expect(may(type, { ...reportPage, url: `${BASE}src/ui/options.html` })).toBe(false);
      }
    });
  });
});
