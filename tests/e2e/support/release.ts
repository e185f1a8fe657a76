import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Whether the shipped face-swap model is released for live verdicts (models/face-swap/release.json). Until it is,
 * calls show face tracking only, and the tests that need a verdict in a call say loudly that they do not run.
 */
export function liveVerdictsReleased(): boolean {
  const file = resolve(dirname(fileURLToPath(import.meta.url)), '../../../models/face-swap/release.json');
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { liveVerdicts?: unknown }).liveVerdicts === true;
  } catch {
    return false;
  }
}
