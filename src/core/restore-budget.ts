/**
 * How often Unmask puts back an element the page took away (its badge over a tile, its engine frame) or re-asserts a
 * style the page changed. A page that keeps doing it (a single-page app re-rendering, or a hostile page) must not pull
 * Unmask into a loop that burns the CPU of the call: at most `max` restores in any `windowMs`, then none until the
 * window has room again. The toolbar badge and the popup do not depend on the page, so they stay the place of truth.
 *
 * Pure and clock-injected for unit tests.
 */
export interface RestoreBudgetOptions {
  max: number;
  windowMs: number;
}

export const DEFAULT_RESTORE_BUDGET: RestoreBudgetOptions = { max: 10, windowMs: 60_000 };

export class RestoreBudget {
  private readonly spent: number[] = [];
  /** Restores refused so far (the page outran the budget). */
  refused = 0;

  constructor(private readonly options: RestoreBudgetOptions = DEFAULT_RESTORE_BUDGET) {}

  /** Whether a restore may happen at `now`; if so, it is counted. */
  take(now: number): boolean {
    while (this.spent.length > 0 && now - this.spent[0]! >= this.options.windowMs) this.spent.shift();
    if (this.spent.length >= this.options.max) {
      this.refused++;
      return false;
    }
    this.spent.push(now);
    return true;
  }
}
