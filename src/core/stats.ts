/** Percentile of a sample by linear interpolation between order statistics; `null` for an empty sample. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo] ?? 0;
  const b = sorted[hi] ?? a;
  return a + (b - a) * (rank - lo);
}

export const median = (values: readonly number[]): number | null => percentile(values, 50);

/** Values stamped with a time, kept for a sliding window (e.g. the last 3 s), to report recent rates and medians. */
export class TimeWindow {
  private readonly items: { t: number; v: number }[] = [];
  private firstAt: number | null = null;
  constructor(private readonly windowMs: number) {}

  push(t: number, v: number): void {
    this.firstAt ??= t;
    this.items.push({ t, v });
    this.trim(t);
  }

  trim(now: number): void {
    while (this.items.length && (this.items[0]?.t ?? now) < now - this.windowMs) this.items.shift();
  }

  values(now: number): number[] {
    this.trim(now);
    return this.items.map((i) => i.v);
  }

  /**
   * Events per second over the window. While less than a window has passed since the first event, over the time
   * that has passed (at least a second), so a participant analysed for one second does not read as a third of the rate.
   */
  rate(now: number): number {
    this.trim(now);
    const span = this.firstAt === null ? this.windowMs : Math.min(this.windowMs, Math.max(1000, now - this.firstAt));
    return (this.items.length * 1000) / span;
  }
}
