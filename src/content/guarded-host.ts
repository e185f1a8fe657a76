/**
 * The host element of something Unmask puts into a call page (a badge over a tile, the hidden engine frame): at the top
 * of the document, with a closed shadow root for its content, a neutral name, and a guard against the page.
 *
 * - **Name**: a random custom-element name, chosen once per page load and shared by Unmask's hosts in it
 *   (`xxxx-xxxxxx`), so that no fixed selector (`unmask-overlay { display: none }`) finds or hides them and the name
 *   does not say which extension made them.
 * - **Style**: every property that could hide, move or cover it is set inline with `!important`. Inline important
 *   declarations win over any stylesheet of the page, important or not; a page that edits the inline style itself is
 *   seen by a MutationObserver and the style is put back.
 * - **Removal**: the same observer puts the host back when the page removes it.
 * Both are bounded by a RestoreBudget (core/restore-budget), so a page that fights back cannot pull Unmask into a
 * loop; once the budget is spent the host stays away until the budget has room again, and the toolbar badge and popup,
 * which the page cannot touch, still tell the user what Unmask sees.
 */
import { RestoreBudget, type RestoreBudgetOptions } from '../core/restore-budget';

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

function randomLetters(n: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(n));
  return Array.from(bytes, (b) => LETTERS[b % LETTERS.length]).join('');
}

let pageTag: string | null = null;

/** This page's host element name: random, valid as a custom element name (lowercase, starts with a letter, one dash). */
export function hostTagName(): string {
  return (pageTag ??= `${randomLetters(4)}-${randomLetters(6)}`);
}

/** What the guard did, for tests and for the status line. */
export interface GuardCounts {
  reattached: number;
  restyled: number;
  refused: number;
}

export class GuardedHost {
  readonly element: HTMLElement;
  readonly shadow: ShadowRoot;
  readonly counts: GuardCounts = { reattached: 0, restyled: 0, refused: 0 };
  private readonly style = new Map<string, string>();
  private readonly budget: RestoreBudget;
  private readonly observer: MutationObserver;
  /** The style attribute as we last wrote it: anything else means the page changed it. */
  private appliedStyle = '';

  /**
   * @param style the host's own style (property -> value), applied inline with `!important`;
   * @param options.onGiveUp called once when the budget is spent and the page has won for now;
   * @param options.onRemoved called instead of putting the host back when the page removed it (an iframe put back is
   *   reloaded, so its owner may rather start it afresh); the host is then done with.
   */
  constructor(
    private readonly doc: Document,
    style: Record<string, string>,
    signal: AbortSignal,
    private readonly options: { budget?: RestoreBudgetOptions; onGiveUp?: () => void; onRemoved?: () => void } = {},
  ) {
    this.budget = new RestoreBudget(options.budget);
    this.element = doc.createElement(hostTagName());
    this.shadow = this.element.attachShadow({ mode: 'closed' });
    // Reset everything a page stylesheet could set on an unknown element, then our own properties on top.
    this.style.set('all', 'initial');
    for (const [name, value] of Object.entries(style)) this.style.set(name, value);
    this.applyStyle();
    doc.documentElement.append(this.element);
    this.observer = new MutationObserver(() => this.onMutations());
    this.observe();
    signal.addEventListener('abort', () => {
      this.observer.disconnect();
      this.element.remove();
    }, { once: true });
  }

  /** Changes one property of the host's own style (e.g. position, display), kept under the guard. */
  setStyle(name: string, value: string): void {
    this.style.set(name, value);
    this.element.style.setProperty(name, value, 'important');
    this.appliedStyle = this.element.getAttribute('style') ?? '';
  }

  private observe(): void {
    this.observer.observe(this.doc.documentElement, { childList: true });
    this.observer.observe(this.element, { attributes: true });
  }

  private applyStyle(): void {
    this.element.removeAttribute('class');
    this.element.removeAttribute('hidden');
    this.element.setAttribute('style', '');
    for (const [name, value] of this.style) this.element.style.setProperty(name, value, 'important');
    this.appliedStyle = this.element.getAttribute('style') ?? '';
  }

  /**
   * Puts the host back if the page removed it or changed its style while the budget was spent (called on every
   * update of what it shows, so a badge comes back once the budget has room again).
   */
  ensure(): void {
    const removed = !this.element.isConnected;
    if (removed || this.element.getAttribute('style') !== this.appliedStyle) this.restore(removed);
  }

  /**
   * Our own style writes are mutations too; they are told apart by their result (the style attribute is what we last
   * wrote), not by a flag, because the observer reports them later, possibly together with the page's.
   */
  private onMutations(): void {
    this.ensure();
  }

  private restore(removed: boolean): void {
    if (removed && this.options.onRemoved) {
      this.observer.disconnect();
      this.options.onRemoved();
      return;
    }
    if (!this.budget.take(Date.now())) {
      this.counts.refused++;
      if (this.counts.refused === 1) this.options.onGiveUp?.();
      return;
    }
    this.applyStyle();
    if (removed) {
      this.doc.documentElement.append(this.element);
      this.counts.reattached++;
    } else this.counts.restyled++;
  }
}
