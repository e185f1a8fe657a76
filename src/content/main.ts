/**
 * Content script entry: runs in meeting pages (manifest), in sites the user added (registered dynamically) and in
 * tabs the user asked to analyse (injected through activeTab). It decides whether to run and follows the user's
 * switches; the work is in CallAnalyser.
 */
import { fusionConfigFor } from '../core/sensitivity';
import { adapterFor, isBuiltInSite } from '../core/sites';
import { isContentCommand, type ChallengeReply, type KeyFramesReply } from '../shared/messages';
import { hostDisabled, loadSettings, onSettingsChanged } from '../shared/settings';
import { CallAnalyser } from './call-analyser';

const INSTANCE_KEY = Symbol.for('unmask.content-script');

async function main(): Promise<void> {
  const url = new URL(location.href);
  const analyser = new CallAnalyser(adapterFor(url));
  const settings = await loadSettings();
  let showOverlay = settings.showOverlay;
  analyser.setFusionConfig(fusionConfigFor(settings.sensitivity));
  // A built-in meeting site runs unless the user turned it off; anywhere else this script only runs because the user
  // asked for it (added site or "analyse this tab").
  if (!isBuiltInSite(url) || !hostDisabled(url.hostname, settings.disabledSites)) analyser.start(settings.showOverlay);

  const lifetime = new AbortController();
  onSettingsChanged((next) => {
    showOverlay = next.showOverlay;
    analyser.setOverlayShown(showOverlay);
    analyser.setFusionConfig(fusionConfigFor(next.sensitivity));
    if (isBuiltInSite(url) && hostDisabled(url.hostname, next.disabledSites)) analyser.stop();
  }, lifetime.signal);

  chrome.runtime.onMessage.addListener((message: unknown, sender, sendResponse: (response: KeyFramesReply | ChallengeReply) => void) => {
    // Only our background may command this script (a tab's own pages cannot send runtime messages to it).
    if (sender.id !== chrome.runtime.id || sender.tab || !isContentCommand(message)) return false;
    if (message.type === 'content/key-frames') {
      sendResponse({ frames: analyser.keyFrameStills() });
      return false;
    }
    if (message.type === 'content/challenge') {
      // Fixed steps are a test hook: a release build always picks them at random, unpredictably for the caller.
      const steps = __UNMASK_E2E__ ? message.steps : null;
      sendResponse(analyser.running ? analyser.challenge(message.participantId, message.action, steps) : { ok: false, error: 'Unmask is not analysing this tab.' });
      return false;
    }
    if (message.type === 'content/set-enabled') {
      if (message.enabled) analyser.start(showOverlay);
      else analyser.stop();
    } else analyser.setOverlayShown(message.show);
    return false;
  });
}

const scope = globalThis as { [INSTANCE_KEY]?: true };
// "Analyse this tab" may inject the script where it already runs: one instance per page.
if (!scope[INSTANCE_KEY]) {
  scope[INSTANCE_KEY] = true;
  if (__UNMASK_E2E__) {
    // End-to-end tests only (compiled out of release builds): count the page's window messages that reach this
    // script's world, so that a test of a hostile page's message storm first proves the storm was delivered. Unmask
    // itself listens to no window message: its channels are the engine's MessagePort and the extension's messaging.
    const probe = globalThis as { __unmaskPageMessagesSeen?: number };
    probe.__unmaskPageMessagesSeen = 0;
    window.addEventListener('message', () => {
      probe.__unmaskPageMessagesSeen = (probe.__unmaskPageMessagesSeen ?? 0) + 1;
    });
  }
  main().catch((error: unknown) => console.error('Unmask could not start:', error));
}
