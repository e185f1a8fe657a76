import type { TabState } from '../shared/types';

/**
 * The toolbar badge: how many participants have a tracked face, or "!" when the engine failed. No risk colour yet:
 * until the face-swap model exists the badge must not suggest a verdict.
 */
export function badgeFor(state: TabState | null): { text: string; color: string; title: string } {
  if (state?.enabled && state.engine.kind === 'failed') return { text: '!', color: '#b3261e', title: `Unmask: analysis engine failed (${state.engine.message})` };
  if (!state || !state.enabled || state.participants.length === 0) return { text: '', color: '#5f6368', title: 'Unmask: no call participants found in this tab' };
  const tracked = state.participants.filter((p) => p.state === 'face-tracked').length;
  return {
    text: String(tracked),
    color: '#1a73e8',
    title: `Unmask: ${state.participants.length} participant(s), ${tracked} with a tracked face`,
  };
}
