/**
 * How "Verify this caller" results combine with the passive verdict (`core/risk-fusion` via `ParticipantStatus`).
 *
 * - A failed challenge raises the participant's verdict to at least "suspicious" (a "likely deepfake" stays), and
 *   keeps it there for the rest of the call: a later pass does not undo it, since a swapper can pass a second try
 *   (e.g. by switching the swap off) and the first failure is still evidence.
 * - A passed challenge never lowers anything, and never turns "not enough evidence" into "looks genuine": a good
 *   swap can pass, so a pass is shown beside the verdict, not instead of it.
 * - "Not performed" and "inconclusive" change nothing; they are shown, with their reasons.
 * - A failure that rests only on the face-swap detector's score counts only when that detector is released for
 *   verdicts (`EngineStatus.verdicts`): the same rule that keeps the unreleased model's scores out of the badge.
 *   Failures of tracking, identity or stability do not rest on that model and always count.
 */
import type { RiskSummary, RiskVerdict } from '../../shared/types';
import type { ChallengeOutcome, ChallengeResult } from './session';

const RANK: Record<RiskVerdict, number> = { insufficient: 0, genuine: 1, suspicious: 2, deepfake: 3 };

export interface CombinedRisk {
  /** The verdict to show. */
  verdict: RiskVerdict;
  /** The passive verdict it came from, unchanged. */
  passive: RiskVerdict;
  /** Whether a failed challenge raised it. */
  raisedByChallenge: boolean;
  /** Whether a failure counts against this participant (the shown verdict is then at least "suspicious"). */
  failureCounted: boolean;
  /** Passive "insufficient" reason, when the shown verdict is still "insufficient". */
  reason: string | null;
  /** The challenge shown beside the verdict (an earlier failure wins over later results), with one line of words. */
  challenge: { outcome: ChallengeOutcome; endedAt: number; line: string } | null;
}

/** Whether a failed result counts against the caller (see the module comment). */
export function failureCounts(result: ChallengeResult, detectorReleased: boolean): boolean {
  if (result.outcome !== 'failed') return false;
  return result.steps.some((s) => s.outcome === 'failed' && s.failedOn.some((k) => k !== 'swap-score' || detectorReleased));
}

function line(result: ChallengeResult, counted: boolean): string {
  // A failure is told by the step that failed; anything else by why the challenge ended early, or by its first
  // step that did not pass.
  const failed = result.steps.find((s) => s.outcome === 'failed')?.because;
  const other = result.reasons[0] ?? result.steps.find((s) => s.outcome !== 'passed')?.because;
  const why = result.outcome === 'failed' ? failed : other;
  switch (result.outcome) {
    case 'failed':
      return counted
        ? `Verification check failed${why ? `: ${why}` : '.'}`
        : `Verification check failed on the face-swap score alone, which is still in development: not counted${why ? ` (${why})` : ''}.`;
    case 'passed':
      return 'Verification check passed. This does not prove who they are.';
    case 'not-performed':
      return `Verification check not performed${why ? `: ${why}` : '.'}`;
    case 'inconclusive':
      return `Verification check inconclusive${why ? `: ${why}` : '.'}`;
  }
}

/**
 * The verdict to show for one participant, from its passive risk and the challenge results of this call (any
 * order; results of other participants are ignored).
 */
export function combineWithChallenges(participantId: string, passive: RiskSummary, results: readonly ChallengeResult[], detectorReleased: boolean): CombinedRisk {
  const mine = results.filter((r) => r.participantId === participantId).sort((a, b) => a.endedAt - b.endedAt);
  const counted = mine.filter((r) => failureCounts(r, detectorReleased));
  const raise = counted.length > 0 && RANK[passive.verdict] < RANK.suspicious;
  const verdict: RiskVerdict = raise ? 'suspicious' : passive.verdict;
  const shown = counted.at(-1) ?? mine.at(-1) ?? null;
  return {
    verdict,
    passive: passive.verdict,
    raisedByChallenge: raise,
    failureCounted: counted.length > 0,
    reason: verdict === 'insufficient' ? passive.reason : null,
    challenge: shown ? { outcome: shown.outcome, endedAt: shown.endedAt, line: line(shown, counted.includes(shown)) } : null,
  };
}
