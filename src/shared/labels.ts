/**
 * The words every view uses for a participant's state, a verdict and a caller check's outcome: the overlay, the
 * popup, the side panel, the report page and the exported report say the same thing for the same state.
 */
import type { ChallengeOutcome, ParticipantState, RiskVerdict } from './types';

export const STATE_TEXT: Record<ParticipantState, string> = {
  starting: 'Starting',
  analysing: 'Analysing',
  'no-face': 'No face',
  'face-tracked': 'Face tracked',
  paused: 'Paused',
  'engine-error': 'Engine error',
};

export const VERDICT_TEXT: Record<RiskVerdict, string> = {
  insufficient: 'Not enough evidence',
  genuine: 'Looks genuine',
  suspicious: 'Suspicious',
  deepfake: 'Likely deepfake',
};

export const CHALLENGE_OUTCOME_TEXT: Record<ChallengeOutcome, string> = {
  passed: 'Passed',
  failed: 'Failed',
  'not-performed': 'Not performed',
  inconclusive: 'Inconclusive',
};
