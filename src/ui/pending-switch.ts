/**
 * A switch whose truth lives in the background (the popup's "Analyse this tab"). The background pushes the tab's state
 * over a port, and a push that left before the user's click still carries the old value: applied as it comes, it flips
 * the switch back under the user's finger, and the user sees their click undone (then redone when the next push
 * arrives). So a click is held as the shown value until a push confirms it, the request fails, or a grace period ends
 * (a push that never agrees by then is the truth, and the switch follows it).
 */
export class PendingSwitch {
  private pending: { value: boolean; since: number } | null = null;

  constructor(
    private readonly graceMs = 3_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The user set the switch to `value`; the request is on its way. */
  chose(value: boolean): void {
    this.pending = { value, since: this.now() };
  }

  /** What the switch should show when the background pushes `pushed`. */
  shown(pushed: boolean): boolean {
    const pending = this.pending;
    if (!pending) return pushed;
    if (pushed === pending.value || this.now() - pending.since > this.graceMs) {
      this.pending = null;
      return pushed;
    }
    return pending.value;
  }

  /** The request failed: nothing is pending any more, and the switch goes back to what it was before the click. */
  failed(): boolean | null {
    const pending = this.pending;
    this.pending = null;
    return pending ? !pending.value : null;
  }
}
