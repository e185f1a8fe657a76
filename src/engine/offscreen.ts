/**
 * The offscreen document: home of the one engine worker shared by every tab (one set of models per browser, not one
 * per tab; see docs/architecture.md). Tabs' engine pages hand it their content script's port; only windows of our
 * own extension can reach this document at all (it is not web-accessible and has no opener), and we still check
 * that each message comes from our origin.
 */
import { isEngineAttach } from '../shared/engine-channel';
import { createEngineWorker, EngineHost } from './engine-host';

const host = new EngineHost(createEngineWorker);
const ownOrigin = location.origin;

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (event.origin !== ownOrigin || !isEngineAttach(event.data) || event.ports.length !== 1) return;
  const port = event.ports[0];
  if (port) host.attach(port);
});

if (__UNMASK_E2E__) {
  // End-to-end tests only (compiled out of release builds): simulate a worker crash.
  const hooks = globalThis as { __unmaskCrashWorker?: () => void; __unmaskEngineConnections?: () => number };
  hooks.__unmaskCrashWorker = () => host.crashed('simulated crash (test)');
  hooks.__unmaskEngineConnections = () => host.connectionCount;
}
