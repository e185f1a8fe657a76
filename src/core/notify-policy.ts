/**
 * When to raise a system notification about a participant: once per alarm, not on every state push.
 *
 * A participant raises one notification when its verdict enters an alarming one: "likely deepfake", or also
 * "suspicious" at high sensitivity. It raises no other until its verdict has gone back to "genuine" or "not enough
 * evidence" (one alarm = one episode), with one exception: at high sensitivity a participant that was notified as
 * suspicious and then turns "likely deepfake" is notified once more, because that is new and worse news. Going back
 * and forth between suspicious and deepfake inside one episode notifies nothing more; the fusion's dwell already
 * keeps those changes rare.
 *
 * Nothing is notified while notifications are off or while verdicts are not available (an unreleased model shows no
 * verdict, so it must not alarm either). Episodes still run while notifications are off, so turning them back on in
 * the middle of a call does not fire for an alarm the user already saw on the badge.
 *
 * Pure (no chrome API): the service worker calls `decide` with each tab's participants and shows what it returns.
 */
import type { RiskVerdict, Settings } from '../shared/types';

export interface NotifyParticipant {
  id: string;
  /** The name the call page shows: untrusted text. */
  label: string;
  verdict: RiskVerdict;
  verdictsAvailable: boolean;
}

export interface ParticipantNotification {
  participantId: string;
  title: string;
  message: string;
}

/** How alarming a verdict is; 0 ends an episode. */
const LEVEL: Record<RiskVerdict, number> = { insufficient: 0, genuine: 0, suspicious: 1, deepfake: 2 };

export const MAX_LABEL_LENGTH = 60;

/**
 * A participant's name fit for a notification: no control or invisible formatting characters (a page could use
 * bidi overrides or line breaks to make the text say something else), whitespace collapsed, at most 60 characters.
 */
export function notificationLabel(label: string): string {
  const clean = label
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (!clean) return 'A participant';
  const chars = [...clean]; // by code point, so a cut never splits a surrogate pair
  return chars.length <= MAX_LABEL_LENGTH ? clean : `${chars.slice(0, MAX_LABEL_LENGTH - 1).join('').trimEnd()}…`;
}

function notificationFor(participant: NotifyParticipant, level: number): ParticipantNotification {
  const name = notificationLabel(participant.label);
  return level >= LEVEL.deepfake
    ? {
        participantId: participant.id,
        title: 'Unmask: likely deepfake in your call',
        message: `${name} may be wearing a face swap. Do not act on requests for money or secrets; hang up and call back on a number you know.`,
      }
    : {
        participantId: participant.id,
        title: 'Unmask: suspicious face in your call',
        message: `${name}'s face looks suspicious. Be careful with requests for money or secrets; if in doubt, hang up and call back on a number you know.`,
      };
}

export class NotifyPolicy {
  /** Per tab, per participant: the highest level already notified (or passed over) in its current episode. */
  private readonly notified = new Map<number, Map<string, number>>();

  decide(
    tabId: number,
    participants: readonly NotifyParticipant[],
    settings: Pick<Settings, 'notifications' | 'sensitivity'>,
  ): ParticipantNotification[] {
    const previous = this.notified.get(tabId) ?? new Map<string, number>();
    // Participants no longer in the list are forgotten: one that comes back starts with fresh evidence anyway.
    const next = new Map<string, number>();
    const out: ParticipantNotification[] = [];
    const threshold = settings.sensitivity === 'high' ? LEVEL.suspicious : LEVEL.deepfake;
    for (const p of participants) {
      const level = p.verdictsAvailable ? LEVEL[p.verdict] : 0;
      const already = previous.get(p.id) ?? 0;
      if (level === 0) continue; // the episode is over (or never began)
      if (level >= threshold && level > already) {
        if (settings.notifications) out.push(notificationFor(p, level));
        next.set(p.id, level);
      } else next.set(p.id, already);
    }
    if (next.size) this.notified.set(tabId, next);
    else this.notified.delete(tabId);
    return out;
  }

  /** The tab closed or navigated: its participants are gone. */
  forgetTab(tabId: number): void {
    this.notified.delete(tabId);
  }
}
