/**
 * Which stills of a participant to keep as possible evidence for a report (pure policy; the content script captures
 * them). A report is most useful with the frames where the face looked most like a swap, so the highest detector
 * scores are kept; when the detector does not run (no released model) or the scores are low, the newest face is
 * kept too, refreshed now and then, so a report can still show who was there.
 *
 * Stills stay in the content script's memory (its isolated world; the page cannot read them), at most
 * `MAX_TOP + 1` per participant, and leave it only when the user asks for a report and ticks "include key frames".
 */
export const MAX_TOP = 3;
/** How often the "latest face" still is refreshed. */
export const LATEST_REFRESH_MS = 10_000;

export interface KeyFrameCandidate {
  t: number;
  score: number | null;
}

export interface KeptFrame<T> extends KeyFrameCandidate {
  data: T;
}

export class KeyFrameKeeper<T> {
  private top: KeptFrame<T>[] = [];
  private latest: KeptFrame<T> | null = null;

  /** Whether a frame with this score at time t is worth capturing (capturing costs an encode, so ask first). */
  wants(c: KeyFrameCandidate): boolean {
    if (c.score !== null && (this.top.length < MAX_TOP || c.score > (this.top[this.top.length - 1]?.score ?? 1))) return true;
    return this.latest === null || c.t - this.latest.t >= LATEST_REFRESH_MS;
  }

  keep(frame: KeptFrame<T>): void {
    if (frame.score !== null && (this.top.length < MAX_TOP || frame.score > (this.top[this.top.length - 1]?.score ?? 1))) {
      this.top.push(frame);
      this.top.sort((a, b) => (b.score ?? 0) - (a.score ?? 0));
      this.top.length = Math.min(this.top.length, MAX_TOP);
    }
    if (this.latest === null || frame.t - this.latest.t >= LATEST_REFRESH_MS) this.latest = frame;
  }

  /** The kept stills, riskiest first, the latest last (once: it may also be among the top). */
  frames(): KeptFrame<T>[] {
    const out = [...this.top];
    if (this.latest && !out.includes(this.latest)) out.push(this.latest);
    return out;
  }
}
