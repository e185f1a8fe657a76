import type { TabState } from '../shared/types';

/**
 * The toolbar badge: the worst verdict in the tab ("!" red for a likely deepfake, "?" amber for a suspicious face),
 * else how many participants have a tracked face; "!" on grey when the engine failed.
 */
export function badgeFor(state: TabState | null): { text: string; color: string; title: string } {
  if (state?.enabled && state.engine.kind === 'failed') return { text: '!', color: '#5f6368', title: `Unmask: analysis engine failed (${state.engine.message})` };
  if (!state || !state.enabled || state.participants.length === 0) return { text: '', color: '#5f6368', title: 'Unmask: no call participants found in this tab' };
  const flagged = (verdict: 'deepfake' | 'suspicious'): string[] =>
    state.participants.filter((p) => p.state === 'face-tracked' && p.risk.verdict === verdict).map((p) => p.label);
  const deepfakes = flagged('deepfake');
  if (deepfakes.length) return { text: '!', color: '#d93025', title: `Unmask: likely deepfake: ${deepfakes.join(', ')}` };
  const suspicious = flagged('suspicious');
  if (suspicious.length) return { text: '?', color: '#e37400', title: `Unmask: suspicious: ${suspicious.join(', ')}` };
  const tracked = state.participants.filter((p) => p.state === 'face-tracked').length;
  return {
    text: String(tracked),
    color: '#1a73e8',
    title: `Unmask: ${state.participants.length} participant(s), ${tracked} with a tracked face`,
  };
}
