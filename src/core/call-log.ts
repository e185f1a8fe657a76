/**
 * The log of one call in one tab, kept by the background from the participant summaries the content script sends
 * (about twice a second): who was there, when, and what Unmask said about them over time. It is what a report is
 * made from, so it records what the user was shown, not the raw per-frame scores.
 *
 * Bounded: a call of several hours must not grow without limit (the log lives in `chrome.storage.session`, in
 * memory). Each participant keeps every change of state or verdict, plus about one score sample a second; past
 * `MAX_TIMELINE_POINTS` the samples between changes are thinned (every other one dropped), so a long call keeps its
 * shape at a coarser grain. Pure: times are passed in.
 */
import type { ChallengeResult, ReportParticipant, TimelinePoint } from '../shared/report-types';
import type { ParticipantSummary } from '../shared/types';

export const MAX_TIMELINE_POINTS = 3600;
export const MAX_PARTICIPANTS_LOGGED = 64;
export const MAX_REASONS = 40;
/** A sample of an unchanged state is kept at most this often. */
export const SAMPLE_INTERVAL_MS = 1000;

export interface LoggedPoint extends TimelinePoint {
  /** A change of state or verdict: never thinned. */
  change: boolean;
}

export interface LoggedParticipant {
  id: string;
  label: string;
  firstSeen: number;
  lastSeen: number;
  peakScore: number | null;
  reasons: string[];
  points: LoggedPoint[];
  /**
   * Counts the times points were removed rather than appended (thinning). Between two bumps `points` only grows at
   * its end, which is what lets the background mirror it to session storage a chunk at a time (core/call-log-store).
   */
  revision: number;
}

export interface CallLogData {
  /** Random id: names the call when it is reported after its tab has gone. */
  id: string;
  /** The tab it was in while it lasted (null after the tab closed or moved on). */
  tabId: number | null;
  /** The page URL as the content script reported it (stripped before it goes into a report). */
  url: string;
  startedAt: number;
  /** Last update that had participants: the call's end if no more come. */
  lastActiveAt: number;
  participants: LoggedParticipant[];
  /** "Verify this caller" checks of this call, in the order they ended (at most MAX_CHALLENGES_LOGGED). */
  challenges: ChallengeResult[];
}

export const MAX_CHALLENGES_LOGGED = 50;

/** Adds a finished check to the log (mutates it). */
export function recordChallenge(log: CallLogData, challenge: ChallengeResult, now: number): CallLogData {
  if (log.challenges.length < MAX_CHALLENGES_LOGGED) log.challenges.push(challenge);
  log.lastActiveAt = Math.max(log.lastActiveAt, now);
  return log;
}

export function newCallLog(id: string, tabId: number, url: string, now: number): CallLogData {
  return { id, tabId, url, startedAt: now, lastActiveAt: now, participants: [], challenges: [] };
}

/** Whether an update for `url` belongs to the call in `log`: same page (query and fragment aside). */
export function sameCall(log: CallLogData, url: string): boolean {
  return pageOf(log.url) === pageOf(url);
}

function pageOf(raw: string): string {
  try {
    const u = new URL(raw);
    return `${u.origin}${u.pathname}`;
  } catch {
    return raw;
  }
}

/** Records one update of the tab's participants into the log (mutates and returns it). */
export function recordParticipants(log: CallLogData, participants: ParticipantSummary[], now: number): CallLogData {
  if (participants.length > 0) log.lastActiveAt = now;
  for (const p of participants) {
    let entry = log.participants.find((e) => e.id === p.id);
    if (!entry) {
      if (log.participants.length >= MAX_PARTICIPANTS_LOGGED) continue;
      entry = { id: p.id, label: p.label, firstSeen: now, lastSeen: now, peakScore: null, reasons: [], points: [], revision: 0 };
      log.participants.push(entry);
    }
    entry.label = p.label;
    entry.lastSeen = now;
    // Without released verdicts the summary carries no score: only what the user saw goes in.
    const score = p.verdictsAvailable ? p.risk.score : null;
    if (score !== null && (entry.peakScore === null || score > entry.peakScore)) entry.peakScore = score;
    // A verdict raised by a failed check was shown even without released detector verdicts.
    const verdict = p.verdictsAvailable || p.verification?.raised ? p.risk.verdict : 'insufficient';
    const reason = verdict === 'insufficient' ? p.risk.reason : null;
    // The timeline's score to 4 decimals (a report draws and prints it to 2): it is most of a stored point's size.
    const point: LoggedPoint = { t: now, state: p.state, verdict, score: score === null ? null : Math.round(score * 1e4) / 1e4, reason, change: false };
    const last = entry.points[entry.points.length - 1];
    point.change = !last || last.state !== point.state || last.verdict !== point.verdict || last.reason !== point.reason;
    if (point.change || !last || now - last.t >= SAMPLE_INTERVAL_MS) {
      entry.points.push(point);
      if (entry.points.length > MAX_TIMELINE_POINTS) {
        thin(entry.points);
        entry.revision++;
      }
    }
    addReason(entry, p.detail);
  }
  return log;
}

/**
 * Keeps each kind of explanation once: lines that differ only in their figures ("Face tracked (288 px...)" and
 * "(281 px...)") are one reason, shown with its latest figures.
 */
function addReason(entry: LoggedParticipant, detail: string): void {
  const text = detail.trim().slice(0, 500);
  if (!text) return;
  const shape = (s: string): string => s.replace(/\d+(\.\d+)?/g, '#');
  const same = entry.reasons.findIndex((r) => shape(r) === shape(text));
  if (same >= 0) {
    entry.reasons[same] = text;
    return;
  }
  entry.reasons.push(text);
  if (entry.reasons.length > MAX_REASONS) entry.reasons.splice(1, 1); // keep the first, drop the oldest after it
}

/** Drops every other sample that is not a change, oldest first, until the list fits with room to grow. */
function thin(points: LoggedPoint[]): void {
  const target = Math.floor(MAX_TIMELINE_POINTS * 0.75);
  let drop = true;
  for (let i = 1; i < points.length - 1 && points.length > target; ) {
    const p = points[i];
    if (p && !p.change && drop) points.splice(i, 1);
    else i++;
    drop = !drop;
  }
  // Only changes left and still too many (a face flickering for hours): keep the most recent.
  if (points.length > MAX_TIMELINE_POINTS) points.splice(0, points.length - MAX_TIMELINE_POINTS);
}

const RANK = { insufficient: 0, genuine: 1, suspicious: 2, deepfake: 3 } as const;

/** The log's participants as a report carries them. */
export function reportParticipants(log: CallLogData): ReportParticipant[] {
  return log.participants.map((e) => {
    const last = e.points[e.points.length - 1];
    return {
      id: e.id,
      label: e.label,
      firstSeen: e.firstSeen,
      lastSeen: e.lastSeen,
      finalVerdict: last?.verdict ?? 'insufficient',
      peakScore: e.peakScore,
      reasons: [...e.reasons],
      timeline: e.points.map(({ t, state, verdict, score, reason }) => ({ t, state, verdict, score, reason })),
    };
  });
}

/** The most worrying verdict any participant reached during the call. */
export function worstVerdictOf(log: CallLogData): ReportParticipant['finalVerdict'] {
  let worst: ReportParticipant['finalVerdict'] = 'insufficient';
  for (const e of log.participants) for (const p of e.points) if (RANK[p.verdict] > RANK[worst]) worst = p.verdict;
  return worst;
}
